//! Test data: pacts published through the API, and environments,
//! deployments and releases recorded through the store (their API comes
//! with the deployments capability).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pactwire::store::models::VersionRow;
use pactwire::store::{Store, deployments, environments, pacticipants, versions};
use serde_json::{Value, json};

use super::TestApp;

/// A pact between `consumer` and `provider` with these interactions.
pub fn pact(consumer: &str, provider: &str, interactions: Value) -> Value {
    json!({
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    })
}

/// Publishes `pact` for its consumer's `version` (on `branch`, with
/// `tags`) with `POST /contracts/publish`, and returns its content hash.
pub async fn publish(
    app: &TestApp,
    pact: &Value,
    version: &str,
    branch: Option<&str>,
    tags: &[&str],
) -> String {
    let consumer = pact["consumer"]["name"].as_str().expect("a consumer name");
    let provider = pact["provider"]["name"].as_str().expect("a provider name");
    let mut body = json!({
        "pacticipantName": consumer,
        "pacticipantVersionNumber": version,
        "tags": tags,
        "contracts": [{
            "consumerName": consumer, "providerName": provider, "specification": "pact",
            "contentType": "application/json", "content": STANDARD.encode(pact.to_string()),
        }],
    });
    if let Some(branch) = branch {
        body["branch"] = json!(branch);
    }
    let (status, reply) = app.post("/contracts/publish", &body).await;
    assert_eq!(status, 200, "{reply}");
    let (status, fetched) = app
        .get(&format!(
            "/pacts/provider/{provider}/consumer/{consumer}/version/{version}"
        ))
        .await;
    assert_eq!(status, 200, "{fetched}");
    fetched["_links"]["pb:pact-version"]["name"]
        .as_str()
        .expect("a content hash")
        .to_owned()
}

/// Records where versions run, through the store.
pub struct Places {
    store: Store,
}

impl Places {
    pub async fn of(app: &TestApp) -> Places {
        Places {
            store: Store::connect(&app.db.url, 4)
                .await
                .expect("connecting to the test database"),
        }
    }

    /// The id of the environment `name`, created when new.
    pub async fn environment(&self, name: &str) -> i64 {
        let mut conn = self.store.conn().await.expect("a connection");
        let known = environments::find_by_names(&mut conn, &[name.to_owned()])
            .await
            .expect("reading environments");
        match known.first() {
            Some(environment) => environment.id,
            None => {
                environments::insert(&mut conn, name, None, name == "production")
                    .await
                    .expect("creating an environment")
                    .id
            }
        }
    }

    async fn version(&self, pacticipant: &str, number: &str) -> VersionRow {
        let mut conn = self.store.conn().await.expect("a connection");
        let pacticipant = pacticipants::find(&mut conn, pacticipant)
            .await
            .expect("reading the pacticipant")
            .expect("the pacticipant");
        versions::find(&mut conn, pacticipant.id, number)
            .await
            .expect("reading the version")
            .expect("the version")
    }

    /// Records that the version is deployed to `environment`; returns the
    /// deployed version's uuid.
    pub async fn deploy(&self, pacticipant: &str, number: &str, environment: &str) -> String {
        self.deploy_instance(pacticipant, number, environment, None)
            .await
    }

    /// Records a deployment as one application instance.
    pub async fn deploy_instance(
        &self,
        pacticipant: &str,
        number: &str,
        environment: &str,
        instance: Option<&str>,
    ) -> String {
        let version = self.version(pacticipant, number).await;
        let environment = self.environment(environment).await;
        let mut conn = self.store.conn().await.expect("a connection");
        deployments::record_deployment(&mut conn, &version, environment, instance)
            .await
            .expect("recording the deployment")
    }

    pub async fn undeploy(&self, deployed_version: &str) {
        let mut conn = self.store.conn().await.expect("a connection");
        assert!(
            deployments::record_undeployment(&mut conn, deployed_version)
                .await
                .expect("recording the undeployment")
        );
    }

    /// Records that the version is released to `environment`; returns the
    /// released version's uuid.
    pub async fn release(&self, pacticipant: &str, number: &str, environment: &str) -> String {
        let version = self.version(pacticipant, number).await;
        let environment = self.environment(environment).await;
        let mut conn = self.store.conn().await.expect("a connection");
        deployments::record_release(&mut conn, &version, environment)
            .await
            .expect("recording the release")
    }

    pub async fn end_support(&self, released_version: &str) {
        let mut conn = self.store.conn().await.expect("a connection");
        assert!(
            deployments::record_support_ended(&mut conn, released_version)
                .await
                .expect("ending support")
        );
    }
}
