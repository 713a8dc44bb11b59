//! The accept loop for gRPC and REST. It bounds what a client can hold:
//! how long a request's headers may take, how long a request body may
//! pause, how long a connection may sit idle, how many connections may be
//! open, and how long a graceful shutdown waits for the slowest of them.
//!
//! hyper serves each connection; a watchdog per connection enforces the
//! header and idle deadlines from what it sees on the socket (bytes read
//! and written, requests in flight), the same way for HTTP/1.1 and HTTP/2.
//! hyper's own header timeout is not used: it also runs while a keep-alive
//! connection waits for its next request, so it cannot be set apart from
//! the idle timeout.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::Request;
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use crate::settings::ConnectionLimits;

/// File descriptors kept for all but client connections: the listener,
/// logs, the private PostgreSQL's pipes, blocking work.
const RESERVED_FILES: u64 = 64;

/// Raises the soft open-file limit as far as the hard one allows and
/// returns how many client connections fit in it besides `pool` database
/// connections: at most `wanted`. Past the limit, `accept` fails and new
/// clients time out, so the cap must stay below it.
pub fn fit_to_open_files(wanted: usize, pool: u32) -> usize {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return wanted;
    };
    let open_files = if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        hard
    } else {
        soft
    };
    let fits = connections_within(open_files, pool);
    if fits < wanted {
        tracing::warn!(
            max_connections = fits,
            configured = wanted,
            open_file_limit = open_files,
            "lowering the connection limit to fit the open-file limit"
        );
    }
    wanted.min(fits)
}

fn connections_within(open_files: u64, pool: u32) -> usize {
    let spare = open_files.saturating_sub(RESERVED_FILES + u64::from(pool));
    usize::try_from(spare).unwrap_or(usize::MAX).max(1)
}

/// Serves `app` on `listener` until `shutdown` completes, then lets requests
/// in flight finish for up to the shutdown timeout and closes the rest.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (closing_tx, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut full = false;
    tokio::pin!(shutdown);
    loop {
        // Reap finished connections so the set holds only open ones.
        while connections.try_join_next().is_some() {}
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                full = false;
                slot
            }
            Err(_) => {
                if !full {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "at the connection limit: new clients wait until one closes"
                    );
                    full = true;
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a client gone before it was
                    // accepted: wait a moment rather than spin.
                    tracing::warn!(error = %err, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without TCP_NODELAY, small HTTP/2 frames wait on delayed ACKs
        // (about 40 ms per gRPC call).
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!(error = %err, "could not set TCP_NODELAY");
        }
        let app = app.clone();
        let closing = closing_rx.clone();
        connections.spawn(async move {
            connection(tcp, app, limits, closing).await;
            tracing::trace!(%peer, "connection closed");
            drop(slot);
        });
    }
    drop(listener);
    let open = connections.len();
    if open > 0 {
        tracing::info!(
            connections = open,
            deadline_seconds = limits.shutdown_timeout.as_secs(),
            "waiting for requests in flight"
        );
    }
    let _ = closing_tx.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.shutdown_timeout, drained)
        .await
        .is_err()
    {
        tracing::warn!(
            connections = connections.len(),
            "closing the connections still open at the shutdown deadline"
        );
        connections.shutdown().await;
    }
}

/// Serves one connection until it ends, breaks a deadline, or the broker
/// closes.
async fn connection(
    tcp: TcpStream,
    app: Router,
    limits: ConnectionLimits,
    mut closing: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: tcp,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let busy = Busy::begin(&activity);
            let request =
                request.map(|body| Body::new(TimeoutBody::new(limits.body_read_timeout, body)));
            let call = app.clone().oneshot(request);
            async move {
                let response = call
                    .await
                    .unwrap_or_else(|never: Infallible| match never {});
                Ok::<_, Infallible>(response.map(|body| Body::new(InFlight { body, _busy: busy })))
            }
        })
    };
    let builder = auto::Builder::new(TokioExecutor::new());
    let served = builder.serve_connection(io, service);
    tokio::pin!(served);
    let mut shutting_down = false;
    loop {
        let check = if shutting_down {
            // A connection asked to close that does not: only the shutdown
            // deadline ends it.
            Instant::now() + limits.shutdown_timeout
        } else {
            match activity.deadline(&limits) {
                Deadline::At(at) => at,
                // Half a request: nothing to finish, so the socket is closed.
                Deadline::HeaderTimeout => {
                    tracing::debug!("closing a connection: no whole request head in time");
                    return;
                }
                Deadline::IdleTimeout => {
                    tracing::debug!("closing an idle connection");
                    served.as_mut().graceful_shutdown();
                    shutting_down = true;
                    continue;
                }
            }
        };
        tokio::select! {
            result = served.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(error = %err, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(check) => {}
            () = activity.ended.notified() => {}
            changed = closing.changed(), if !shutting_down => {
                if changed.is_ok() {
                    served.as_mut().graceful_shutdown();
                    shutting_down = true;
                }
            }
        }
    }
}

/// When a connection's next deadline falls, or which one it broke.
enum Deadline {
    At(Instant),
    HeaderTimeout,
    IdleTimeout,
}

/// No request head is being waited for.
const NONE: u64 = u64::MAX;

/// A duration in whole milliseconds, short of [`NONE`].
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).map_or(NONE - 1, |ms| ms.min(NONE - 1))
}

/// What the watchdog knows of a connection, in milliseconds since it opened.
struct Activity {
    opened: Instant,
    /// When a byte was last read or written.
    last: AtomicU64,
    /// When the head of the next request began (or the connection opened),
    /// while it has not yet all arrived; `NONE` otherwise.
    head_since: AtomicU64,
    in_flight: AtomicUsize,
    /// HTTP/2 has no request head to time: its frames arrive whenever.
    http2: AtomicBool,
    first_read: AtomicBool,
    /// Wakes the watchdog when a request ends, to time what comes next.
    ended: Notify,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            last: AtomicU64::new(0),
            head_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            http2: AtomicBool::new(false),
            first_read: AtomicBool::new(true),
            ended: Notify::new(),
        }
    }

    fn now(&self) -> u64 {
        millis(self.opened.elapsed())
    }

    fn at(&self, since_opened: u64) -> Instant {
        self.opened + Duration::from_millis(since_opened)
    }

    fn read(&self, bytes: &[u8]) {
        let now = self.now();
        self.last.store(now, Ordering::Relaxed);
        if self.first_read.swap(false, Ordering::Relaxed) && bytes.starts_with(b"PRI ") {
            // The HTTP/2 connection preface.
            self.http2.store(true, Ordering::Relaxed);
            self.head_since.store(NONE, Ordering::Relaxed);
            return;
        }
        if !self.http2.load(Ordering::Relaxed) && self.in_flight.load(Ordering::Acquire) == 0 {
            let _ =
                self.head_since
                    .compare_exchange(NONE, now, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    fn wrote(&self) {
        self.last.store(self.now(), Ordering::Relaxed);
    }

    fn deadline(&self, limits: &ConnectionLimits) -> Deadline {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            // The body timeout guards a request in flight; the watchdog is
            // woken when it ends.
            return Deadline::At(Instant::now() + limits.idle_timeout);
        }
        let idle = self
            .last
            .load(Ordering::Relaxed)
            .saturating_add(millis(limits.idle_timeout));
        let head = match self.head_since.load(Ordering::Relaxed) {
            NONE => NONE,
            since => since.saturating_add(millis(limits.header_read_timeout)),
        };
        let now = self.now();
        if head <= now {
            Deadline::HeaderTimeout
        } else if idle <= now {
            Deadline::IdleTimeout
        } else {
            Deadline::At(self.at(head.min(idle)))
        }
    }
}

/// A request in flight on a connection, from its head until its response
/// has been sent (or dropped).
struct Busy(Arc<Activity>);

impl Busy {
    fn begin(activity: &Arc<Activity>) -> Busy {
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        activity.head_since.store(NONE, Ordering::Relaxed);
        Busy(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.wrote();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.0.ended.notify_one();
    }
}

/// A response body that holds its request's place in flight until it ends.
struct InFlight {
    body: Body,
    _busy: Busy,
}

impl hyper::body::Body for InFlight {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// The socket, telling the watchdog each time bytes pass.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read(&buf.filled()[before..]);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_fit_in_what_the_open_file_limit_leaves() {
        for (open_files, pool, fits) in [
            (1024, 10, 950),
            (1_048_576, 10, 1_048_502),
            (u64::MAX, 0, usize::MAX - 64),
            // Even a limit too small for the reserve leaves one connection.
            (50, 10, 1),
        ] {
            assert_eq!(
                connections_within(open_files, pool),
                fits,
                "{open_files}, {pool}"
            );
        }
    }
}
