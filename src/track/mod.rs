//! Following a transfer: waiting for statuses (and later, events).

pub mod wait;
