//! Pure domain logic: no I/O, no database, no transport types.

pub mod access;
pub mod badge;
pub mod json;
pub mod matrix;
pub mod metadata;
pub mod names;
pub mod notice;
pub mod pact;
pub mod page;
pub mod selector;
pub mod token;
pub mod verifiable;
