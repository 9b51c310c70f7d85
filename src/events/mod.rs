//! The event side of the client (events-auth contract §1, contract §6): an incoming CloudEvent read into a
//! typed event ([`parse`]), and what a watch needs of the state machine to merge events with polling ([`order`]).

pub mod order;
pub mod parse;
