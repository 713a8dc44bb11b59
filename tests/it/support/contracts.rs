//! Test data: pacts published, and environments, deployments and
//! releases recorded, through the API.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pactwire::grpc::pb;
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

/// Records a verification of the pact content `sha` by `provider_version`.
pub async fn verify(
    app: &TestApp,
    consumer: &str,
    provider: &str,
    sha: &str,
    provider_version: &str,
    success: bool,
) {
    let (status, body) = app
        .post(
            &format!(
                "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results"
            ),
            &json!({"success": success, "providerApplicationVersion": provider_version}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

/// Records where versions run, through the deployments API: gRPC by
/// name, and REST for ending a deployment or release by its uuid.
pub struct Places<'a> {
    app: &'a TestApp,
}

impl<'a> Places<'a> {
    pub async fn of(app: &'a TestApp) -> Places<'a> {
        Places { app }
    }

    /// The uuid of the environment `name`, created when new.
    pub async fn environment(&self, name: &str) -> String {
        let mut client = self.app.deployments().await;
        let found = client
            .get_environment(pb::GetEnvironmentRequest {
                key: Some(pb::get_environment_request::Key::Name(name.to_owned())),
            })
            .await;
        let environment = match found {
            Ok(found) => found.into_inner().environment,
            Err(status) if status.code() == tonic::Code::NotFound => {
                client
                    .create_environment(pb::CreateEnvironmentRequest {
                        environment: Some(pb::Environment {
                            name: name.to_owned(),
                            production: name == "production",
                            ..Default::default()
                        }),
                    })
                    .await
                    .expect("creating an environment")
                    .into_inner()
                    .environment
            }
            Err(status) => panic!("reading the environment: {status}"),
        };
        environment.expect("an environment").uuid
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
        self.environment(environment).await;
        self.app
            .deployments()
            .await
            .record_deployment(pb::RecordDeploymentRequest {
                pacticipant: pacticipant.to_owned(),
                version: number.to_owned(),
                environment: environment.to_owned(),
                application_instance: instance.unwrap_or_default().to_owned(),
            })
            .await
            .expect("recording the deployment")
            .into_inner()
            .deployed_version
            .expect("a deployed version")
            .uuid
    }

    pub async fn undeploy(&self, deployed_version: &str) {
        let body = json!({"currentlyDeployed": false});
        self.merge_patch(&format!("/deployed-versions/{deployed_version}"), &body)
            .await;
    }

    /// Records that the version is released to `environment`; returns the
    /// released version's uuid.
    pub async fn release(&self, pacticipant: &str, number: &str, environment: &str) -> String {
        self.environment(environment).await;
        self.app
            .deployments()
            .await
            .record_release(pb::RecordReleaseRequest {
                pacticipant: pacticipant.to_owned(),
                version: number.to_owned(),
                environment: environment.to_owned(),
            })
            .await
            .expect("recording the release")
            .into_inner()
            .released_version
            .expect("a released version")
            .uuid
    }

    pub async fn end_support(&self, released_version: &str) {
        let body = json!({"currentlySupported": false});
        self.merge_patch(&format!("/released-versions/{released_version}"), &body)
            .await;
    }

    async fn merge_patch(&self, path: &str, body: &Value) {
        let reply = self
            .app
            .call(
                reqwest::Method::PATCH,
                path,
                Some("application/merge-patch+json"),
                None,
                &body.to_string(),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
}
