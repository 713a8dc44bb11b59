//! The one message of a pactwire RPC's request, checked before tonic reads
//! it. Every pactwire RPC takes exactly one request message (none streams
//! from the client), so a body that is not one whole gRPC frame is the
//! client's fault: tonic would answer INTERNAL for a missing message, a
//! truncated frame, trailing bytes or a bad compressed flag; these answer
//! INVALID_ARGUMENT, and a compression the server does not take
//! UNIMPLEMENTED.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tonic::Status;

/// The prefix of the paths of pactwire's own services; health and
/// reflection stream from the client and are left to tonic.
const PACTWIRE_PATHS: &str = "/pactwire.v1.";

/// The gRPC frame header: a compressed flag and a 4-byte length.
const HEADER: usize = 5;

/// Checks the request of a pactwire RPC; `max_message_size` is the largest
/// message the services decode.
pub(super) async fn one_message(
    State(max_message_size): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with(PACTWIRE_PATHS) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // A frame larger than the limit is tonic's to refuse (RESOURCE_EXHAUSTED),
    // so the limit here leaves room for one more byte than a frame can be.
    let limit = max_message_size.saturating_add(HEADER + 1);
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
            return refuse(Status::resource_exhausted(format!(
                "the request is larger than the limit of {max_message_size} bytes"
            )));
        }
        Err(err) => {
            return refuse(Status::invalid_argument(format!(
                "the request's body could not be read: {err}"
            )));
        }
    };
    let encoding = parts.headers.get("grpc-encoding").is_some();
    if let Err(status) = check(&bytes, encoding, max_message_size) {
        return refuse(status);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether `body` is one whole frame, or the status that says why not.
fn check(body: &[u8], encoding: bool, max_message_size: usize) -> Result<(), Status> {
    if body.is_empty() {
        return Err(Status::invalid_argument("the request has no message"));
    }
    let Some((header, message)) = body.split_first_chunk::<HEADER>() else {
        return Err(Status::invalid_argument(
            "the request's message is cut short: its frame header is incomplete",
        ));
    };
    match header[0] {
        0 => {}
        1 if encoding => {}
        1 => {
            return Err(Status::invalid_argument(
                "the request's message is marked compressed, but no grpc-encoding names how",
            ));
        }
        flag => {
            return Err(Status::invalid_argument(format!(
                "the request's message has compressed flag {flag}; only 0 and 1 exist"
            )));
        }
    }
    let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if length > max_message_size {
        // tonic refuses it by its size, with the broker's RESOURCE_EXHAUSTED.
        return Ok(());
    }
    match message.len().cmp(&length) {
        std::cmp::Ordering::Less => Err(Status::invalid_argument(format!(
            "the request's message is cut short: {} of {length} bytes arrived",
            message.len()
        ))),
        std::cmp::Ordering::Greater => Err(Status::invalid_argument(format!(
            "the request has {} bytes after its one message",
            message.len() - length
        ))),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

fn refuse(status: Status) -> Response {
    status.into_http::<Body>().into_response()
}

#[cfg(test)]
mod tests {
    use tonic::Code;

    use super::check;

    fn frame(flag: u8, declared: u32, message: &[u8]) -> Vec<u8> {
        let mut body = vec![flag];
        body.extend(declared.to_be_bytes());
        body.extend(message);
        body
    }

    #[test]
    fn only_one_whole_frame_is_a_request() {
        let limit = 100;
        for (body, encoding, code) in [
            (frame(0, 3, b"abc"), false, None),
            (frame(0, 0, b""), false, None),
            (frame(1, 3, b"abc"), true, None),
            // Over the limit: tonic refuses it.
            (frame(0, 1000, b"abc"), false, None),
            (vec![], false, Some(Code::InvalidArgument)),
            (vec![0, 0, 0], false, Some(Code::InvalidArgument)),
            (frame(0, 4, b"abc"), false, Some(Code::InvalidArgument)),
            (frame(0, 2, b"abc"), false, Some(Code::InvalidArgument)),
            (frame(1, 3, b"abc"), false, Some(Code::InvalidArgument)),
            (frame(2, 3, b"abc"), true, Some(Code::InvalidArgument)),
        ] {
            let got = check(&body, encoding, limit).err().map(|s| s.code());
            assert_eq!(got, code, "{body:?} {encoding}");
        }
    }
}
