//! One error vocabulary for the whole broker. `grpc::status` maps it to
//! gRPC codes and `rest::error` to the Pact Broker's HTTP bodies.

use crate::domain::notice::Notice;

/// A problem with one field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// The field, in the request's own naming (JSON pointer style paths such
    /// as `contracts/0/content` are allowed).
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
    /// for a published consumer version. `notices` explain it to a person.
    #[error("{}", .messages.join("; "))]
    Conflict {
        field: String,
        messages: Vec<String>,
        notices: Vec<Notice>,
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

fn describe(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.message))
        .collect::<Vec<_>>()
        .join("; ")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A single-field validation error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument(vec![FieldViolation {
            field: field.into(),
            message: message.into(),
        }])
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
        let reference = uuid::Uuid::new_v4();
        tracing::error!(error.reference = %reference, error = %err, "database unavailable");
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

    pub fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidArgument(self.0))
        }
    }
}
