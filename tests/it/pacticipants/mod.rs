//! Pacticipants and labels over REST/HAL and gRPC: create, get, list with
//! pagination, replace, merge-patch, update masks, delete, labels, names
//! with `/`, and bad input that changes nothing.

use pactwire::grpc::pb;
use pactwire::settings::BrokerSettings;
use reqwest::Method;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;

mod bad_input;
mod create;
mod delete;
mod labels;
mod list;
mod names;
mod read;
mod update;

fn pacticipant(name: &str) -> pb::Pacticipant {
    pb::Pacticipant {
        name: name.into(),
        ..Default::default()
    }
}

async fn grpc_create(app: &TestApp, p: pb::Pacticipant) -> Result<pb::Pacticipant, tonic::Status> {
    app.pacticipants()
        .await
        .create_pacticipant(pb::CreatePacticipantRequest {
            pacticipant: Some(p),
        })
        .await
        .map(|r| r.into_inner().pacticipant.expect("a pacticipant"))
}

async fn grpc_get(app: &TestApp, name: &str) -> Result<pb::Pacticipant, tonic::Status> {
    app.pacticipants()
        .await
        .get_pacticipant(pb::GetPacticipantRequest { name: name.into() })
        .await
        .map(|r| r.into_inner().pacticipant.expect("a pacticipant"))
}

async fn grpc_update(
    app: &TestApp,
    p: pb::Pacticipant,
    mask: &[&str],
    allow_missing: bool,
) -> Result<pb::UpdatePacticipantResponse, tonic::Status> {
    app.pacticipants()
        .await
        .update_pacticipant(pb::UpdatePacticipantRequest {
            pacticipant: Some(p),
            update_mask: mask.iter().map(|m| m.to_string()).collect(),
            allow_missing,
        })
        .await
        .map(|r| r.into_inner())
}

fn names(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("an array: {items}"))
        .iter()
        .map(|p| p["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn assert_not_found(status: Result<impl std::fmt::Debug, tonic::Status>, message: &str) {
    let status = status.expect_err("NOT_FOUND");
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    assert_eq!(status.message(), message);
}

fn assert_invalid(status: Result<impl std::fmt::Debug, tonic::Status>, field: &str) {
    let status = status.expect_err("INVALID_ARGUMENT");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(
        status.message().starts_with(&format!("{field}: ")),
        "{field}: {status:?}"
    );
}
