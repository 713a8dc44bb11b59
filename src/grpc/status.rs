//! The broker's errors as gRPC statuses.

use axum::http::{HeaderValue, Response};
use tonic::{Code, Status};

use crate::error::Error;

impl From<Error> for Status {
    fn from(err: Error) -> Self {
        match err {
            Error::NotFound(message) => Status::not_found(message),
            Error::InvalidArgument(violations) => Status::invalid_argument(
                violations
                    .iter()
                    .map(|v| format!("{}: {}", v.field, v.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Error::AlreadyExists(message) => Status::already_exists(message),
            Error::Conflict {
                notices, messages, ..
            } => {
                let mut text = messages.join("; ");
                for notice in notices.iter().skip(1) {
                    text.push('\n');
                    text.push_str(&notice.text);
                }
                Status::already_exists(text)
            }
            Error::UnsupportedMediaType(message) => Status::invalid_argument(message),
            Error::TooLarge(message) => Status::resource_exhausted(message),
            Error::Unavailable(message) => Status::unavailable(message),
            Error::Internal(err) => {
                let reference = uuid::Uuid::new_v4();
                tracing::error!(error.reference = %reference, error = format!("{err:#}"), "internal error");
                Status::internal(format!("internal error, reference {reference}"))
            }
        }
    }
}

/// tonic reports an over-limit request as OUT_OF_RANGE; the broker's
/// vocabulary (and gRPC's own guidance for size limits) is RESOURCE_EXHAUSTED.
pub(super) async fn size_limit_as_resource_exhausted<B>(mut response: Response<B>) -> Response<B> {
    let headers = response.headers_mut();
    let too_large = headers.get("grpc-status").and_then(|v| v.to_str().ok()) == Some("11")
        && headers
            .get("grpc-message")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|m| {
                m.contains("message%20length%20too%20large")
                    || m.contains("message length too large")
            });
    if too_large {
        headers.insert(
            "grpc-status",
            HeaderValue::from(Code::ResourceExhausted as i32),
        );
    }
    response
}
