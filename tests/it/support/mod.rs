//! Test support: a real PostgreSQL per test process, a database per test,
//! a real server on a loopback port, and the real Pact tools.

pub mod app;
pub mod contracts;
pub mod pg;
pub mod process;
pub mod proxy;
pub mod tools;

pub use app::TestApp;
