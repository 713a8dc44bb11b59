//! The broker's errors as gRPC statuses.

use axum::http::{HeaderValue, Response};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::error::{Error, describe, log_with_reference};

impl From<Error> for Status {
    fn from(err: Error) -> Self {
        let code = err.code().wire().grpc;
        match err {
            Error::InvalidArgument(violations) => {
                let message = describe(&violations);
                // The violations also travel as google.rpc.BadRequest
                // details, for clients that read fields programmatically.
                let details = ErrorDetails::with_bad_request(
                    violations
                        .into_iter()
                        .map(|v| FieldViolation::new(v.field, v.message))
                        .collect::<Vec<_>>(),
                );
                Status::with_error_details(code, message, details)
            }
            Error::Conflict {
                message,
                explanation,
                ..
            } => {
                let mut text = message;
                for notice in &explanation {
                    text.push('\n');
                    text.push_str(&notice.text);
                }
                Status::new(code, text)
            }
            Error::Internal(err) => {
                let reference = log_with_reference("internal error", &format!("{err:#}"));
                Status::new(code, format!("internal error, reference {reference}"))
            }
            other => Status::new(code, other.to_string()),
        }
    }
}

/// tonic answers a message over the size limit with OUT_OF_RANGE, before
/// any handler runs (so its status is in the response headers). It is the
/// caller's fault, RESOURCE_EXHAUSTED in the broker's vocabulary. Nothing
/// of the broker's answers OUT_OF_RANGE ([`crate::error::ErrorCode::wire`]),
/// so the code alone says it came from that check.
pub(super) async fn over_limit_as_resource_exhausted<B>(mut response: Response<B>) -> Response<B> {
    let headers = response.headers_mut();
    let out_of_range = HeaderValue::from(Code::OutOfRange as i32);
    if headers.get("grpc-status") == Some(&out_of_range) {
        headers.insert(
            "grpc-status",
            HeaderValue::from(Code::ResourceExhausted as i32),
        );
    }
    response
}
