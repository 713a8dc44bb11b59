//! The REST/HAL gateway: the Pact Broker's paths, link relations, JSON
//! fields and status codes, over the same service layer as gRPC.

mod access;
mod badges;
mod deployments;
mod environments;
mod error;
mod for_verification;
mod hal;
mod index;
mod matrix;
mod pacticipants;
mod pacts;
mod query;
mod routes;
mod tokens;
mod verifications;
mod versions;
mod views;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::extract::path::ErrorKind as PathErrorKind;
use axum::extract::rejection::PathRejection;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::Error;
use crate::service::Broker;
pub use hal::Base;
use routes::Routes;

/// The Pact Broker release whose API this gateway reproduces, sent in the
/// `x-pact-broker-version` header every Pact Broker response carries.
pub const COMPATIBLE_PACT_BROKER_VERSION: &str = "2.120.0";

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub broker: Broker,
}

/// The REST router. Request bodies over `max_body_size` get a 413.
pub fn router(broker: Broker, max_body_size: usize) -> Router {
    let state = AppState { broker };
    let (routes, rules) = all_routes().into_parts();
    routes
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), rules),
            access::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::negotiate,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(max_body_size))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-pact-broker-version"),
            HeaderValue::from_static(COMPATIBLE_PACT_BROKER_VERSION),
        ))
        .with_state(state)
}

/// Every route of the gateway.
fn all_routes() -> Routes {
    index::routes()
        .merge(pacticipants::routes())
        .merge(versions::routes())
        .merge(pacts::routes())
        .merge(verifications::routes())
        .merge(for_verification::routes())
        .merge(environments::routes())
        .merge(deployments::routes())
        .merge(matrix::routes())
        .merge(badges::routes())
        .merge(tokens::routes())
}

/// Every route, as registered, and its access rule.
pub fn route_rules() -> Vec<(String, crate::access::Rule)> {
    all_routes().rules().to_vec()
}

async fn not_found() -> Response {
    error::document_not_found()
}

impl FromRequestParts<AppState> for Base {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Base::of(&parts.headers, &parts.uri, state))
    }
}

impl Base {
    /// The configured base URL, else the one the request was sent to.
    pub(crate) fn of(headers: &HeaderMap, uri: &axum::http::Uri, state: &AppState) -> Base {
        if let Some(base) = &state.broker.settings().base_url {
            return Base(base.clone());
        }
        let host = header_str(headers, "x-forwarded-host")
            .or_else(|| header_str(headers, header::HOST.as_str()))
            .or_else(|| uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let scheme = header_str(headers, "x-forwarded-proto").unwrap_or("http");
        Base(format!("{scheme}://{host}"))
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Path parameters, percent-decoded. Axum's `Path` with its rejections in
/// the broker's error vocabulary: a segment that is not UTF-8 once decoded
/// is a 400 on the field `path`.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for Path<T> {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(err))
                if !err.status().is_server_error() =>
            {
                Err(Error::invalid(
                    "path",
                    match err.kind() {
                        PathErrorKind::InvalidUtf8InPathParam { key } => {
                            format!("segment '{key}' is not valid UTF-8 once percent-decoded")
                        }
                        kind => format!("is not valid: {kind}"),
                    },
                ))
            }
            // The route and the handler disagree: a bug, not bad input.
            Err(rejection) => Err(Error::Internal(anyhow::anyhow!(
                "extracting path parameters: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// The query string. Axum's `Query` with its rejection in the broker's
/// error vocabulary: a query that does not fit `T` is a 400 on the field
/// `query`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection| {
                // The source is serde's message, without axum's preamble.
                let reason = std::error::Error::source(&rejection)
                    .map(ToString::to_string)
                    .unwrap_or_else(|| rejection.body_text());
                Error::invalid("query", format!("is not valid: {reason}"))
            })
    }
}

/// The raw request body, read within the body limit: 413 when too large.
pub struct RawBody(pub Bytes);

impl axum::extract::FromRequest<AppState> for RawBody {
    type Rejection = Error;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Bytes::from_request(request, state)
            .await
            .map(RawBody)
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    Error::TooLarge("the request body is larger than the configured limit".into())
                }
                _ => Error::invalid(
                    "body",
                    format!("could not be read: {}", rejection.body_text()),
                ),
            })
    }
}

/// A JSON request body, read within the body limit and parsed into `T` with
/// a precise error: 413 when too large, 415 when not JSON, 400 when
/// malformed.
pub struct JsonBody<T>(pub T);

/// Bodies larger than this are parsed on a blocking thread.
const LARGE_BODY: usize = 64 * 1024;

impl<T: DeserializeOwned + Send + 'static> axum::extract::FromRequest<AppState> for JsonBody<T> {
    type Rejection = Error;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(content_type) = header_str(request.headers(), header::CONTENT_TYPE.as_str())
            && !is_json(content_type)
        {
            return Err(Error::UnsupportedMediaType(format!(
                "content type '{content_type}' is not supported; send application/json"
            )));
        }
        let RawBody(bytes) = RawBody::from_request(request, state).await?;
        let bytes_len = bytes.len();
        let parse = move || {
            let text = if bytes.iter().all(u8::is_ascii_whitespace) {
                &b"{}"[..]
            } else {
                &bytes[..]
            };
            serde_json::from_slice(text).map(JsonBody).map_err(|err| {
                Error::invalid(
                    "body",
                    format!("is not valid JSON for this resource: {err}"),
                )
            })
        };
        // A large document takes milliseconds to parse: off the async
        // workers, as the service does with pacts.
        if bytes_len > LARGE_BODY {
            state.broker.on_cpu(parse).await?
        } else {
            parse()
        }
    }
}

fn is_json(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json")
}

/// A HAL response with the given status: `body` as JSON text.
pub fn hal_response(status: StatusCode, body: impl serde::Serialize) -> Response {
    match serde_json::to_string(&body) {
        Ok(text) => (
            status,
            [(header::CONTENT_TYPE, "application/hal+json;charset=utf-8")],
            text,
        )
            .into_response(),
        Err(err) => Error::Internal(anyhow::Error::from(err).context("writing a response body"))
            .into_response(),
    }
}

/// 201 with a Location header when `created`, else 200.
pub fn created_or_ok(created: bool, location: String, body: impl serde::Serialize) -> Response {
    let mut response = hal_response(
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        body,
    );
    if created && let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// REST pagination: `page`/`size`, or the legacy `pageNumber`/`pageSize`.
#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    page: Option<String>,
    size: Option<String>,
    #[serde(rename = "pageNumber")]
    page_number: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<crate::domain::page::Page, Error> {
        let number = parse_int("page", self.page.as_ref().or(self.page_number.as_ref()))?;
        let size = parse_int("size", self.size.as_ref().or(self.page_size.as_ref()))?;
        crate::domain::page::Page::from_number(number, size)
            .map_err(|(field, message)| Error::invalid(field, message))
    }
}

fn parse_int(field: &str, value: Option<&String>) -> Result<Option<i64>, Error> {
    value
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| Error::invalid(field, "must be a whole number"))
        })
        .transpose()
}
