//! pactwire: a Pact Broker with a gRPC API and a REST/HAL gateway compatible
//! with the Pact Broker, on one port, over PostgreSQL.
//!
//! Layers: `grpc` and `rest` are thin adapters over `service`, which holds
//! the use cases over pure `domain` logic and the diesel `store`.
//!
//! # One name per concept
//!
//! The nouns are the Pact Broker's (ARCHITECTURE.md, "Vocabulary"). Each
//! layer names its file after the same plural noun (`service/pacts.rs`,
//! `store/pacts.rs`, `rest/pacts.rs`, `grpc/pacts.rs`,
//! `rest/views/pacts.rs`), and a type has one name everywhere:
//!
//! - a **row** is a table's record as the store reads it
//!   (`store::models::PacticipantRow`); the service answers with its own
//!   types (`service::Pacticipant`, `service::Version`), and `rest::views`
//!   renders those as **views** (`PacticipantView`);
//! - an **input** is what a client asked to write, before validation
//!   (`PublishInput`, `VerificationInput`, `EnvironmentInput`); a
//!   **patch** changes only the fields it names (`PacticipantPatch`);
//! - a **consumer version selector** chooses the pacts a provider verifies
//!   (`domain::selector::Selector`, from a client's `SelectorInput`); a
//!   **version selector** chooses a pacticipant's versions for the matrix
//!   (`domain::matrix::VersionSelector`); a **pact selector** chooses one
//!   pact of an integration (`domain::pact::PactSelector`);
//! - `ConsumerVersions` is which consumer versions a provider's pacts are
//!   drawn from; the store narrows its reads with a
//!   `store::verifications::ConsumerVersionFilter`;
//! - a **field path** names a field of the service's input in violations
//!   (`contracts[0].consumer_name`); each transport renames it
//!   (`error::Error::map_fields`).

pub mod access;
pub mod app;
pub mod config;
pub mod connections;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod links;
pub mod rest;
pub mod service;
pub mod settings;
pub mod store;
pub mod telemetry;
