//! A real broker on a loopback port over a test database, with HTTP and
//! gRPC clients.

use pactwire::app::RunningServer;
use pactwire::config::BrokerSettings;
use pactwire::grpc::pb::pact_service_client::PactServiceClient;
use pactwire::grpc::pb::pacticipant_service_client::PacticipantServiceClient;
use pactwire::grpc::pb::version_service_client::VersionServiceClient;
use pactwire::store::Store;
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
        let store = Store::connect(&db.url, 5)
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

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(self.url(path)).send().await.expect("GET");
        status_and_json(response).await
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .request(method, self.url(path))
            .json(body)
            .send()
            .await
            .expect("request");
        status_and_json(response).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, body).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, body).await
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
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("stopping the broker");
        }
    }
}

async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, json)
}
