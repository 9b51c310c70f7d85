//! What handlers read from a request before their own work starts, in the service's order: the caller and its
//! policy ([`caller`]), the `Accept` check of `[Produces]` actions ([`accept`]), the initialize model from its JSON
//! body or its form fields ([`initialize`]), and the other JSON bodies bound as ASP.NET MVC binds them
//! ([`json_input`]).

pub mod accept;
pub mod caller;
pub mod initialize;
pub mod json_input;

pub use caller::{authorize, AsRecipient, AsSender, AsSenderOrRecipient, AsServiceOwner};
