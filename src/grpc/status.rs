//! The broker's errors as gRPC statuses.

use axum::http::{HeaderValue, Response};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::error::Error;

impl From<Error> for Status {
    fn from(err: Error) -> Self {
        match err {
            Error::NotFound(message) => Status::not_found(message),
            Error::InvalidArgument(violations) => {
                let message = violations
                    .iter()
                    .map(|v| format!("{}: {}", v.field, v.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                // The violations also travel as google.rpc.BadRequest
                // details, for clients that read fields programmatically.
                let details = ErrorDetails::with_bad_request(
                    violations
                        .into_iter()
                        .map(|v| FieldViolation::new(v.field, v.message))
                        .collect::<Vec<_>>(),
                );
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
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
            Error::Aborted(message) => Status::aborted(message),
            Error::Unavailable(message) => Status::unavailable(message),
            Error::Unauthenticated(message) => Status::unauthenticated(message),
            Error::PermissionDenied(message) => Status::permission_denied(message),
            Error::Internal(err) => {
                let reference = uuid::Uuid::new_v4();
                tracing::error!(error.reference = %reference, error = format!("{err:#}"), "internal error");
                Status::internal(format!("internal error, reference {reference}"))
            }
        }
    }
}

/// tonic answers two kinds of bad request with server-side codes: an
/// over-limit message with OUT_OF_RANGE and a malformed protobuf message
/// with INTERNAL. Both are the caller's fault, so the broker's vocabulary
/// says RESOURCE_EXHAUSTED and INVALID_ARGUMENT. They fail before any
/// handler runs, so their status is in the response headers.
pub(super) async fn client_faults_as_client_errors<B>(mut response: Response<B>) -> Response<B> {
    let headers = response.headers_mut();
    let code = headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let message = headers
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        .map(|m| {
            percent_encoding::percent_decode_str(m)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let replacement = match code {
        "11" if message.contains("message length too large") => Some(Code::ResourceExhausted),
        "13" if message.starts_with("failed to decode Protobuf message") => {
            Some(Code::InvalidArgument)
        }
        _ => None,
    };
    if let Some(code) = replacement {
        headers.insert("grpc-status", HeaderValue::from(code as i32));
    }
    response
}
