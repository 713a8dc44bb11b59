//! pactwire's integration tests: one binary, a real PostgreSQL, a real
//! server per test, real HTTP, gRPC and Pact clients.

mod support;

mod access;
mod badges;
mod broker_contracts;
mod cli;
mod concurrency;
mod connections;
mod deployments;
mod faults;
mod for_verification;
mod latest_verifications;
mod local_postgres;
mod matrix;
mod pacticipants;
mod pacts;
mod protos;
mod schema;
mod server;
mod tokens;
mod verifications;
mod verifiers;
mod versions;
mod wire;
