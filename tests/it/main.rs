//! pactwire's integration tests: one binary, a real PostgreSQL, a real
//! server per test, real HTTP, gRPC and Pact clients.

mod support;

mod cli;
mod local_postgres;
mod pacticipants;
mod pacts;
mod protos;
mod server;
mod versions;
