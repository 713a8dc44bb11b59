//! One error vocabulary for the whole broker, and one table
//! ([`ErrorCode::wire`]) of the gRPC code and HTTP status of each kind of
//! error. `grpc::status` and `rest::error` build their bodies from it.

use http::StatusCode;
use tonic::Code;

use crate::domain::notice::Notice;

/// A problem with one field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// The field, as a path into the service's input: snake_case names,
    /// `.` between members, `[i]` for an index (`contracts[0].consumer_name`).
    /// Each transport renames it into its own dialect when it reports it
    /// ([`Error::map_fields`]): the Pact Broker's JSON names over REST, the
    /// proto field paths over gRPC.
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The named thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed; nothing was written.
    #[error("invalid request: {}", describe(.0))]
    InvalidArgument(Vec<FieldViolation>),
    /// Creating something that exists.
    #[error("{0}")]
    AlreadyExists(String),
    /// The request conflicts with stored data, such as different pact content
    /// for a published consumer version. `message` says what conflicts with
    /// what; `explanation` tells a person more, such as how content differs.
    #[error("{message}")]
    Conflict {
        field: String,
        message: String,
        explanation: Vec<Notice>,
    },
    /// The body is not in a format the resource accepts.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body is larger than the configured limit.
    #[error("{0}")]
    TooLarge(String),
    /// A concurrent request changed the same data; the request may be
    /// retried.
    #[error("{0}")]
    Aborted(String),
    /// No credentials, or ones that identify no one.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller's role does not allow the operation.
    #[error("{0}")]
    PermissionDenied(String),
    /// The database is not reachable or not ready.
    #[error("{0}")]
    Unavailable(String),
    /// Anything unexpected. Its details are logged, never returned.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// The violations in one line: `field: message; ...`.
pub fn describe(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.message))
        .collect::<Vec<_>>()
        .join("; ")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kind of an error, which decides how each transport reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    NotFound,
    InvalidArgument,
    AlreadyExists,
    Conflict,
    UnsupportedMediaType,
    TooLarge,
    Aborted,
    Unauthenticated,
    PermissionDenied,
    Unavailable,
    Internal,
}

/// How a transport reports one kind of error.
pub struct Wire {
    pub grpc: Code,
    pub http: StatusCode,
    /// The title of its problem+json document; its type is the title in
    /// kebab case under `/problems/`.
    pub title: &'static str,
}

impl ErrorCode {
    /// The one table of error codes, as quickwit's `ServiceErrorCode`.
    pub const fn wire(self) -> Wire {
        use ErrorCode as E;
        let (grpc, http, title) = match self {
            E::NotFound => (Code::NotFound, StatusCode::NOT_FOUND, "Not found"),
            E::InvalidArgument => (
                Code::InvalidArgument,
                StatusCode::BAD_REQUEST,
                "Validation errors",
            ),
            E::AlreadyExists => (Code::AlreadyExists, StatusCode::CONFLICT, "Conflict"),
            // A changed pact for a published version: it exists, and differs.
            E::Conflict => (Code::AlreadyExists, StatusCode::CONFLICT, "Conflict"),
            // gRPC has no media types; a body in the wrong format is bad input.
            E::UnsupportedMediaType => (
                Code::InvalidArgument,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
            ),
            E::TooLarge => (
                Code::ResourceExhausted,
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request entity too large",
            ),
            // The Pact Broker answers a lost race as a conflict.
            E::Aborted => (Code::Aborted, StatusCode::CONFLICT, "Conflict"),
            E::Unauthenticated => (
                Code::Unauthenticated,
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
            ),
            E::PermissionDenied => (Code::PermissionDenied, StatusCode::FORBIDDEN, "Forbidden"),
            E::Unavailable => (
                Code::Unavailable,
                StatusCode::SERVICE_UNAVAILABLE,
                "Service unavailable",
            ),
            E::Internal => (
                Code::Internal,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Server error",
            ),
        };
        Wire { grpc, http, title }
    }
}

/// Logs an unexpected error with a new reference id and returns the id,
/// which is all a caller is told: the details stay in the log.
pub fn log_with_reference(what: &str, err: &dyn std::fmt::Display) -> String {
    let reference = uuid::Uuid::new_v4().to_string();
    tracing::error!(error.reference = %reference, error = %err, "{what}");
    reference
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::InvalidArgument(_) => ErrorCode::InvalidArgument,
            Error::AlreadyExists(_) => ErrorCode::AlreadyExists,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Error::TooLarge(_) => ErrorCode::TooLarge,
            Error::Aborted(_) => ErrorCode::Aborted,
            Error::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Error::PermissionDenied(_) => ErrorCode::PermissionDenied,
            Error::Unavailable(_) => ErrorCode::Unavailable,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// A single-field validation error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument(vec![FieldViolation {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The same error with every field path it names passed through
    /// `rename`: how a transport puts the service's field paths in its own
    /// dialect.
    #[must_use]
    pub fn map_fields(self, rename: impl Fn(&str) -> String) -> Self {
        match self {
            Error::InvalidArgument(violations) => Error::InvalidArgument(
                violations
                    .into_iter()
                    .map(|v| FieldViolation {
                        field: rename(&v.field),
                        message: v.message,
                    })
                    .collect(),
            ),
            Error::Conflict {
                field,
                message,
                explanation,
            } => Error::Conflict {
                field: rename(&field),
                message,
                explanation,
            },
            other => other,
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::DatabaseErrorKind as Kind;
        use diesel::result::Error as Diesel;
        match &err {
            // Another request changed the same rows first; trying again
            // answers from what it committed.
            Diesel::DatabaseError(
                Kind::UniqueViolation | Kind::ForeignKeyViolation | Kind::SerializationFailure,
                _,
            ) => Error::Aborted("a concurrent request changed the same data; try again".into()),
            Diesel::DatabaseError(_, info) if info.message().contains("deadlock detected") => {
                Error::Aborted("a concurrent request changed the same data; try again".into())
            }
            // A query with a NUL character that validation did not catch.
            Diesel::DatabaseError(_, info) if info.message().contains("0x00") => {
                Error::invalid("text", "cannot contain NUL characters")
            }
            _ => Error::Internal(err.into()),
        }
    }
}

impl From<diesel_async::pooled_connection::bb8::RunError> for Error {
    fn from(err: diesel_async::pooled_connection::bb8::RunError) -> Self {
        let reference = log_with_reference("database unavailable", &err);
        Error::Unavailable(format!(
            "the database is unavailable; the details are logged with the reference {reference}"
        ))
    }
}

/// Collects validation problems so a request reports all of them at once.
#[derive(Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Records `result`'s error under `field`, returning the value if any.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.add(field, message)).ok()
    }

    /// These problems, found by a transport reading a request, reported
    /// with what the service finds wrong with the request (`problems`),
    /// so the client hears of every problem at once. Without any of the
    /// transport's own, the service is left to check the request itself.
    pub async fn report_with(
        self,
        problems: impl Future<Output = Result<Violations>>,
    ) -> Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        let mut all = self;
        all.0.extend(problems.await?.0);
        all.into_result()
    }

    pub fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidArgument(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code; the match fails to compile when one is added and not
    /// listed here.
    fn every_code() -> Vec<ErrorCode> {
        use ErrorCode as E;
        let all = vec![
            E::NotFound,
            E::InvalidArgument,
            E::AlreadyExists,
            E::Conflict,
            E::UnsupportedMediaType,
            E::TooLarge,
            E::Aborted,
            E::Unauthenticated,
            E::PermissionDenied,
            E::Unavailable,
            E::Internal,
        ];
        for code in &all {
            match code {
                E::NotFound
                | E::InvalidArgument
                | E::AlreadyExists
                | E::Conflict
                | E::UnsupportedMediaType
                | E::TooLarge
                | E::Aborted
                | E::Unauthenticated
                | E::PermissionDenied
                | E::Unavailable
                | E::Internal => {}
            }
        }
        all
    }

    #[test]
    fn only_tonic_answers_out_of_range() {
        // `grpc::status::over_limit_as_resource_exhausted` relies on it.
        for code in every_code() {
            assert_ne!(code.wire().grpc, Code::OutOfRange, "{code:?}");
        }
    }

    #[test]
    fn client_faults_are_4xx_and_server_faults_5xx() {
        for code in every_code() {
            let wire = code.wire();
            let server_fault = matches!(code, ErrorCode::Unavailable | ErrorCode::Internal);
            assert_eq!(wire.http.is_server_error(), server_fault, "{code:?}");
            assert_eq!(wire.http.is_client_error(), !server_fault, "{code:?}");
        }
    }
}
