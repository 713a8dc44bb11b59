//! A real broker on a loopback port over a test database, with HTTP and
//! gRPC clients.

use pactwire::app::RunningServer;
use pactwire::domain::access::Role;
use pactwire::grpc::pb::deployment_service_client::DeploymentServiceClient;
use pactwire::grpc::pb::pact_service_client::PactServiceClient;
use pactwire::grpc::pb::pacticipant_service_client::PacticipantServiceClient;
use pactwire::grpc::pb::token_service_client::TokenServiceClient;
use pactwire::grpc::pb::version_service_client::VersionServiceClient;
use pactwire::service::Broker;
use pactwire::service::tokens::TokenInput;
use pactwire::settings::BrokerSettings;
use pactwire::store::Store;
use reqwest::Method;
use reqwest::header::{HeaderMap, LOCATION};
use serde_json::Value;
use tonic::transport::Channel;

use super::pg::{self, TestDatabase};

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub http: reqwest::Client,
    pub db: TestDatabase,
    server: Option<RunningServer>,
}

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::start_with(BrokerSettings::default()).await
    }

    pub async fn start_with(settings: BrokerSettings) -> TestApp {
        TestApp::start_on(pg::database().await, settings).await
    }

    /// A broker on a database of the caller's, such as an unmigrated one.
    pub async fn start_on(db: TestDatabase, settings: BrokerSettings) -> TestApp {
        TestApp::start_pooled(db, settings, 5).await
    }

    /// A broker with `pool` database connections.
    pub async fn start_pooled(db: TestDatabase, settings: BrokerSettings, pool: u32) -> TestApp {
        let store = Store::connect(&db.url, pool)
            .await
            .expect("connecting to the test database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding");
        let server = pactwire::app::start(listener, store, settings)
            .await
            .expect("starting the broker");
        TestApp {
            base: format!("http://{}", server.local_addr),
            http: reqwest::Client::new(),
            db,
            server: Some(server),
        }
    }

    /// The service layer over the app's database, as the CLI reaches it.
    pub async fn broker(&self) -> Broker {
        let store = Store::connect(&self.db.url, 2)
            .await
            .expect("connecting to the test database");
        Broker::new(store, BrokerSettings::default())
    }

    /// The secret of a new token of `role`, created as the CLI creates one.
    pub async fn token(&self, role: Role) -> String {
        self.broker()
            .await
            .create_token(TokenInput {
                name: Some(format!("{role} token {}", uuid::Uuid::new_v4())),
                role: Some(role.to_string()),
            })
            .await
            .expect("creating a token")
            .secret
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.base.clone())
            .expect("a valid URI")
            .connect()
            .await
            .expect("connecting over gRPC")
    }

    pub async fn pacticipants(&self) -> PacticipantServiceClient<Channel> {
        PacticipantServiceClient::new(self.channel().await)
    }

    pub async fn versions(&self) -> VersionServiceClient<Channel> {
        VersionServiceClient::new(self.channel().await)
    }

    pub async fn pacts(&self) -> PactServiceClient<Channel> {
        PactServiceClient::new(self.channel().await)
    }

    pub async fn deployments(&self) -> DeploymentServiceClient<Channel> {
        DeploymentServiceClient::new(self.channel().await)
    }

    pub async fn tokens(&self) -> TokenServiceClient<Channel> {
        TokenServiceClient::new(self.channel().await)
    }

    /// Sends `body` as it is, with an optional content type and Accept
    /// header.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        accept: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.body(body.to_owned()).send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let reply = self.call(Method::GET, path, None, None, "").await;
        (reply.status, reply.body)
    }

    /// Sends `body` as JSON.
    pub async fn send(&self, method: Method, path: &str, body: &Value) -> (u16, Value) {
        let reply = self
            .call(
                method,
                path,
                Some("application/json"),
                None,
                &body.to_string(),
            )
            .await;
        (reply.status, reply.body)
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(Method::PUT, path, body).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(Method::POST, path, body).await
    }

    /// Asserts that `method path` (with an empty JSON body) is answered as
    /// the Pact Broker answers for a resource that does not exist when it
    /// names nothing missing: Webmachine's 404, as JSON.
    pub async fn assert_no_document(&self, method: Method, path: &str) {
        let reply = self
            .call(method.clone(), path, Some("application/json"), None, "{}")
            .await;
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some("application/json;charset=utf-8"),
            "{method} {path}"
        );
        assert_eq!(
            reply.body,
            serde_json::json!({"error": "The requested document was not found on this server."}),
            "{method} {path}"
        );
    }

    /// Rows in `table`, to prove that a rejected request wrote nothing.
    pub async fn count(&self, table: &str) -> i64 {
        use diesel::QueryableByName;
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = AsyncPgConnection::establish(&self.db.url)
            .await
            .expect("connecting");
        diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result::<Count>(&mut conn)
            .await
            .expect("counting")
            .n
    }

    /// Stops the server and returns the database, e.g. to restart on it.
    pub async fn stop(mut self) -> TestDatabase {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("stopping the broker");
        }
        self.db
    }
}

/// A REST reply with its headers.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> Option<&str> {
        self.header(LOCATION.as_str())
    }
}
