//! Core's integration tests, one binary: the initialize binding against a table of the service's verdicts, and
//! generated bodies against the binding's invariants.

mod initialize_binding;
mod initialize_proptest;
