//! pactwire: a Pact Broker with a gRPC API and a REST/HAL gateway compatible
//! with the Pact Broker, on one port, over PostgreSQL.
//!
//! Layers: `grpc` and `rest` are thin adapters over `service`, which holds
//! the use cases over pure `domain` logic and the diesel `store`.

pub mod access;
pub mod app;
pub mod config;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod links;
pub mod rest;
pub mod service;
pub mod settings;
pub mod store;
pub mod telemetry;
