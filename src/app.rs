//! Wiring: the store, the service layer, and one listener that serves gRPC
//! and REST, told apart by content type.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic_health::ServingStatus;
use tower::ServiceExt;
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::config::{LogFormat, ServeArgs};
use crate::service::Broker;
use crate::settings::{AuthSettings, BrokerSettings};
use crate::store::local_pg::{Durability, LocalPostgres};
use crate::store::{self, Store};
use crate::{connections, grpc, rest, telemetry};

/// How often health re-checks the database.
const HEALTH_INTERVAL: Duration = Duration::from_secs(5);

/// gRPC requests carry `content-type: application/grpc[+proto|+json...]`.
fn is_grpc(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

/// The whole application as one router: gRPC and REST behind a dispatch on
/// content type, with a tracing span per request.
pub fn router(broker: Broker) -> anyhow::Result<(Router, grpc::Health)> {
    let max_body = broker.settings().max_request_body_size;
    let grpc::Grpc {
        router: grpc,
        health,
        ..
    } = grpc::router(broker.clone(), max_body)?;
    let rest = rest::router(broker, max_body);
    let dispatch = tower::service_fn(move |mut request: Request<Body>| {
        let target = if is_grpc(&request) {
            grpc::remember_origin(&mut request);
            grpc.clone()
        } else {
            rest.clone()
        };
        target.oneshot(request)
    });
    let app = Router::new().fallback_service(dispatch).layer(
        TraceLayer::new_for_http()
            .make_span_with(|request: &Request<Body>| {
                // The path only: query strings are not logged.
                tracing::info_span!(
                    "request",
                    protocol = if is_grpc(request) { "grpc" } else { "rest" },
                    method = %request.method(),
                    path = %request.uri().path(),
                    // Who called, once authenticated: a user or token name.
                    caller = tracing::field::Empty,
                )
            })
            .on_response(
                DefaultOnResponse::new()
                    .level(tracing::Level::INFO)
                    .latency_unit(LatencyUnit::Micros),
            ),
    );
    Ok((app, health))
}

/// A server running in the background, for tests and `serve`.
pub struct RunningServer {
    pub local_addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.await.context("the server task panicked")
    }
}

/// Serves the broker on `listener` until stopped.
pub async fn start(
    listener: TcpListener,
    store: Store,
    settings: BrokerSettings,
) -> anyhow::Result<RunningServer> {
    let local_addr = listener.local_addr()?;
    let limits = settings.connections;
    let broker = Broker::new(store.clone(), settings);
    let (app, health) = router(broker)?;
    report_health(&health, &store).await;
    let watcher = tokio::spawn(async move {
        let mut tick = tokio::time::interval(HEALTH_INTERVAL);
        loop {
            tick.tick().await;
            report_health(&health, &store).await;
        }
    });
    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        connections::serve(listener, app, limits, async {
            let _ = shutdown_rx.await;
        })
        .await;
        watcher.abort();
    });
    Ok(RunningServer {
        local_addr,
        shutdown: Some(shutdown_tx),
        task,
    })
}

/// SERVING only while the database is reachable and migrated.
async fn report_health(health: &grpc::Health, store: &Store) {
    let status = if store.is_ready().await {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    };
    health.set(status).await;
}

/// `pactwire serve`: database (given or private), migrations, then gRPC and
/// REST on one port until SIGINT or SIGTERM.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init(
        &args.log_level,
        args.log_format == LogFormat::Json,
        args.log_sql_parameters,
    );
    // Bad settings stop the broker before it starts anything.
    let settings = args.broker_settings()?;
    let (url, local) = database(&args.database).await?;
    let Some(local) = local else {
        return serve_on(&args, settings, &url, std::future::pending()).await;
    };
    let (lost_tx, lost_rx) = oneshot::channel();
    let (stop_tx, stop_rx) = oneshot::channel();
    let supervisor = tokio::spawn(keep_running(
        local,
        args.database.data_dir.clone(),
        stop_rx,
        lost_tx,
    ));
    let lost = async {
        match lost_rx.await {
            Ok(err) => err,
            Err(_) => std::future::pending().await,
        }
    };
    let result = serve_on(&args, settings, &url, lost).await;
    let _ = stop_tx.send(());
    if let Ok(Some(local)) = supervisor.await {
        local.stop().await?;
    }
    result
}

/// How often, and how long apart at most, the private PostgreSQL is started
/// again before the broker gives up.
const RESTARTS: u32 = 6;
const MAX_RESTART_DELAY: Duration = Duration::from_secs(30);

/// Keeps the private PostgreSQL running: when it exits on its own (killed,
/// crashed), starts it again, waiting 1, 2, 4… seconds between tries. When
/// it cannot, says why on `lost` so the broker exits non-zero and a
/// supervisor takes over. Returns the running server once `stop` fires.
async fn keep_running(
    mut local: LocalPostgres,
    data_dir: std::path::PathBuf,
    mut stop: oneshot::Receiver<()>,
    lost: oneshot::Sender<anyhow::Error>,
) -> Option<LocalPostgres> {
    loop {
        tokio::select! {
            _ = &mut stop => return Some(local),
            () = local.exited() => {}
        }
        tracing::error!("the private PostgreSQL exited; starting it again");
        let mut delay = Duration::from_secs(1);
        let mut tries = 0;
        local = loop {
            match LocalPostgres::start(&data_dir, Durability::Durable).await {
                Ok(started) => break started,
                Err(err) if tries + 1 < RESTARTS => {
                    tracing::warn!(
                        error = %format!("{err:#}"),
                        retry_in = ?delay,
                        "the private PostgreSQL did not start"
                    );
                    tokio::select! {
                        _ = &mut stop => return None,
                        () = tokio::time::sleep(delay) => {}
                    }
                    delay = (delay * 2).min(MAX_RESTART_DELAY);
                    tries += 1;
                }
                Err(err) => {
                    let _ = lost.send(err.context(format!(
                        "the private PostgreSQL could not be started again after {RESTARTS} tries"
                    )));
                    return None;
                }
            }
        };
        tracing::info!("the private PostgreSQL is running again");
    }
}

/// Serves until a shutdown signal, or until `lost` says the database is
/// gone for good, which is an error.
async fn serve_on(
    args: &ServeArgs,
    mut settings: BrokerSettings,
    url: &str,
    lost: impl Future<Output = anyhow::Error>,
) -> anyhow::Result<()> {
    let applied = store::migrate(url).await?;
    tracing::info!(migrations.applied = applied, "database migrated");
    let store = Store::connect_waiting(
        url,
        args.database.database_max_connections,
        Duration::from_secs(args.database.database_acquire_timeout),
    )
    .await?;
    let address = SocketAddr::new(args.bind_address, args.port);
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address}"))?;
    log_access(&settings.auth);
    settings.connections.max_connections = connections::fit_to_open_files(
        settings.connections.max_connections,
        args.database.database_max_connections,
    );
    let server = start(listener, store, settings).await?;
    // The address bound, not the one asked for: with port 0 the system
    // picks the port, and this line is where operators and tests learn it.
    tracing::info!(
        address = %server.local_addr,
        "listening on http://{} for gRPC and REST",
        server.local_addr
    );
    let ended = tokio::select! {
        () = shutdown_signal() => Ok(()),
        err = lost => Err(err),
    };
    tracing::info!("shutting down");
    server.stop().await?;
    ended
}

/// Says at startup, plainly, who may call the broker.
fn log_access(auth: &AuthSettings) {
    if !auth.enabled {
        tracing::warn!(
            "authentication is off: anyone who can reach this port can read and change \
             everything. Set PACT_BROKER_BASIC_AUTH_USERNAME and PACT_BROKER_BASIC_AUTH_PASSWORD, \
             or PACT_BROKER_AUTH_ENABLED=true to use bearer tokens, to turn it on"
        );
        return;
    }
    let users: Vec<String> = auth
        .users
        .iter()
        .map(|user| format!("{} ({})", user.name, user.role))
        .collect();
    tracing::info!(
        basic_auth_users = %if users.is_empty() { "none".to_owned() } else { users.join(", ") },
        public_read = auth.allow_public_read,
        public_heartbeat = auth.public_heartbeat,
        public_badges = auth.public_badges,
        "authentication is on: Basic auth users and bearer tokens"
    );
}

/// The configured database URL, or a private PostgreSQL started for it.
pub async fn database(
    args: &crate::config::DatabaseArgs,
) -> anyhow::Result<(String, Option<LocalPostgres>)> {
    if let Some(url) = args.url() {
        tracing::info!(database = %store::redact_url(&url), "using the configured database");
        return Ok((url, None));
    }
    tracing::info!(data_dir = %args.data_dir.display(), "no database URL set: running a private PostgreSQL");
    let local = LocalPostgres::start(&args.data_dir, Durability::Durable).await?;
    let admin = local.url_for("postgres");
    ensure_database(&admin, "pactwire").await?;
    Ok((local.url_for("pactwire"), Some(local)))
}

/// Runs `work` with a broker over the configured database, or over the
/// private PostgreSQL in the data directory (started and stopped around
/// it), migrated first as `serve` would: for commands that manage the
/// broker's data, such as `pactwire token`.
pub async fn with_broker<T>(
    args: &crate::config::DatabaseArgs,
    work: impl AsyncFnOnce(&Broker) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let (url, local) = database(args).await?;
    let result = async {
        store::migrate(&url).await?;
        let store = Store::connect(&url, 1).await?;
        work(&Broker::new(store, BrokerSettings::default())).await
    }
    .await;
    if let Some(local) = local {
        local.stop().await?;
    }
    result
}

/// Creates `name` on the server behind `admin_url` if it does not exist.
pub async fn ensure_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    use diesel::prelude::*;
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let mut conn = AsyncPgConnection::establish(admin_url).await?;
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        #[allow(dead_code)]
        one: i32,
    }
    let exists = diesel::sql_query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Found>(&mut conn)
        .await
        .optional()?
        .is_some();
    if !exists {
        // Identifiers cannot be bound; `name` is a constant of ours, quoted.
        diesel::sql_query(format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\"")))
            .execute(&mut conn)
            .await?;
    }
    Ok(())
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
