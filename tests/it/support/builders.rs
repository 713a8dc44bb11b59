//! Test data builders: a test says what it needs in the broker's words
//! (`app.publish(pact).version("1").branch("main")`, `app.verify(..)`,
//! `app.deploy("Foo", "1").to("production")`), leaves the rest to defaults,
//! and awaits the builder to make it through the API, as a client would.
//! Each builder asserts that the broker accepted what it made.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pactwire::grpc::pb;
use reqwest::Method;
use serde_json::{Value, json};

use super::TestApp;
use super::app::Reply;

/// What awaiting a builder runs; Send, as axum handlers (the broker
/// states of `broker_contracts`) await builders.
type Made<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

fn names<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

fn name_of<'v>(pact: &'v Value, role: &str) -> &'v str {
    pact[role]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("a {role} name in {pact}"))
}

impl TestApp {
    /// Publishes `pact` (with more pacts of the same consumer version, see
    /// [`Publish::and`]) with `POST /contracts/publish`.
    pub fn publish(&self, pact: Value) -> Publish<'_> {
        Publish {
            app: self,
            pacts: vec![pact],
            version: "1".to_owned(),
            branch: None,
            tags: Vec::new(),
        }
    }

    /// Records a verification result of the pact content `sha` between
    /// `consumer` and `provider`.
    pub fn verify(&self, consumer: &str, provider: &str, sha: &str) -> Verify<'_> {
        self.verify_pact(consumer, provider, Pact::Content(sha.to_owned()))
    }

    /// Records a verification result of the pact that `consumer` `version`
    /// has with `provider`.
    pub fn verify_version(&self, consumer: &str, version: &str, provider: &str) -> Verify<'_> {
        self.verify_pact(consumer, provider, Pact::OfVersion(version.to_owned()))
    }

    fn verify_pact(&self, consumer: &str, provider: &str, pact: Pact) -> Verify<'_> {
        Verify {
            app: self,
            consumer: consumer.to_owned(),
            provider: provider.to_owned(),
            pact,
            provider_version: "1".to_owned(),
            success: true,
            pending: false,
            branch: None,
            tags: Vec::new(),
        }
    }

    /// Creates the pacticipant `name` with `POST /pacticipants`.
    pub fn pacticipant(&self, name: &str) -> NewPacticipant<'_> {
        NewPacticipant {
            app: self,
            body: json!({"name": name}),
        }
    }

    /// Creates or replaces the version `number` of `pacticipant` with
    /// `PUT /pacticipants/{p}/versions/{n}`, creating the pacticipant.
    pub fn version(&self, pacticipant: &str, number: &str) -> PutVersion<'_> {
        PutVersion {
            app: self,
            path: format!("/pacticipants/{pacticipant}/versions/{number}"),
            body: json!({}),
            created: false,
        }
    }

    /// Tags the version `number` of `pacticipant`, creating what is missing.
    pub async fn tag(&self, pacticipant: &str, number: &str, tag: &str) {
        let path = format!("/pacticipants/{pacticipant}/versions/{number}/tags/{tag}");
        let (status, body) = self.put(&path, &json!({})).await;
        assert!(status == 200 || status == 201, "{path}: {body}");
    }

    /// Adds the version `number` of `pacticipant` to `branch`, creating what
    /// is missing; the reply says whether the membership is new (201).
    pub async fn add_to_branch(&self, pacticipant: &str, branch: &str, number: &str) -> Reply {
        let path = format!("/pacticipants/{pacticipant}/branches/{branch}/versions/{number}");
        let reply = self.json(Method::PUT, &path, &json!({})).await;
        assert!(
            reply.status == 200 || reply.status == 201,
            "{path}: {}",
            reply.body
        );
        reply
    }

    /// Makes `branch` the main branch of the existing `pacticipant`.
    pub async fn set_main_branch(&self, pacticipant: &str, branch: &str) {
        let path = format!("/pacticipants/{pacticipant}");
        let (status, body) = self
            .send(Method::PATCH, &path, &json!({"mainBranch": branch}))
            .await;
        assert_eq!(status, 200, "{path}: {body}");
    }

    /// The uuid of the environment `name` (production if it is named
    /// "production"), created over gRPC when new.
    pub async fn environment(&self, name: &str) -> String {
        let mut client = self.deployments().await;
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

    /// Records over gRPC that `pacticipant` `number` is deployed; awaiting
    /// it gives the deployed version's uuid.
    pub fn deploy(&self, pacticipant: &str, number: &str) -> Deploy<'_> {
        Deploy {
            app: self,
            pacticipant: pacticipant.to_owned(),
            number: number.to_owned(),
            environment: "production".to_owned(),
            instance: String::new(),
        }
    }

    /// Records over gRPC that `pacticipant` `number` is released; awaiting
    /// it gives the released version's uuid.
    pub fn release(&self, pacticipant: &str, number: &str) -> Release<'_> {
        Release {
            app: self,
            pacticipant: pacticipant.to_owned(),
            number: number.to_owned(),
            environment: "production".to_owned(),
        }
    }

    /// Ends a deployment by its uuid, as the CLIs do: a merge patch.
    pub async fn undeploy(&self, deployed_version: &str) {
        let path = format!("/deployed-versions/{deployed_version}");
        let reply = self
            .merge_patch(&path, &json!({"currentlyDeployed": false}))
            .await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    }

    /// Ends the support of a release by its uuid: a merge patch.
    pub async fn end_support(&self, released_version: &str) {
        let path = format!("/released-versions/{released_version}");
        let reply = self
            .merge_patch(&path, &json!({"currentlySupported": false}))
            .await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    }

    /// Sends `body` as JSON and answers with the headers.
    pub async fn json(&self, method: Method, path: &str, body: &Value) -> Reply {
        self.call(
            method,
            path,
            Some("application/json"),
            None,
            &body.to_string(),
        )
        .await
    }

    /// Sends `body` as an RFC 7396 merge patch.
    pub async fn merge_patch(&self, path: &str, body: &Value) -> Reply {
        self.call(
            Method::PATCH,
            path,
            Some("application/merge-patch+json"),
            None,
            &body.to_string(),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None, None, "").await
    }

    /// The content hash of the pact `consumer` `version` has with
    /// `provider`, read from the pact resource.
    pub async fn sha_of(&self, consumer: &str, version: &str, provider: &str) -> String {
        let path = format!("/pacts/provider/{provider}/consumer/{consumer}/version/{version}");
        let (status, pact) = self.get(&path).await;
        assert_eq!(status, 200, "{path}: {pact}");
        pact["_links"]["pb:pact-version"]["name"]
            .as_str()
            .unwrap_or_else(|| panic!("a content hash in {pact}"))
            .to_owned()
    }
}

/// A publication of pacts of one consumer version.
pub struct Publish<'a> {
    app: &'a TestApp,
    pacts: Vec<Value>,
    version: String,
    branch: Option<String>,
    tags: Vec<String>,
}

/// A published pact: the first of its request.
#[derive(Debug, Clone)]
pub struct Published {
    pub consumer: String,
    pub version: String,
    /// The pact's content hash.
    pub sha: String,
}

impl Publish<'_> {
    /// The consumer version number ("1" unless given).
    pub fn version(mut self, version: &str) -> Self {
        self.version = version.to_owned();
        self
    }

    pub fn branch(mut self, branch: &str) -> Self {
        self.branch = Some(branch.to_owned());
        self
    }

    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tags = names(tags);
        self
    }

    /// Another pact of the same consumer version, in the same request.
    pub fn and(mut self, pact: Value) -> Self {
        self.pacts.push(pact);
        self
    }
}

impl<'a> IntoFuture for Publish<'a> {
    type Output = Published;
    type IntoFuture = Made<'a, Published>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let consumer = name_of(&self.pacts[0], "consumer").to_owned();
            let provider = name_of(&self.pacts[0], "provider").to_owned();
            let contracts: Vec<Value> = self
                .pacts
                .iter()
                .map(|pact| {
                    json!({
                        "consumerName": name_of(pact, "consumer"),
                        "providerName": name_of(pact, "provider"),
                        "specification": "pact",
                        "contentType": "application/json",
                        "content": STANDARD.encode(pact.to_string()),
                    })
                })
                .collect();
            let mut request = json!({
                "pacticipantName": consumer,
                "pacticipantVersionNumber": self.version,
                "tags": self.tags,
                "contracts": contracts,
            });
            if let Some(branch) = &self.branch {
                request["branch"] = json!(branch);
            }
            let (status, reply) = self.app.post("/contracts/publish", &request).await;
            assert_eq!(status, 200, "{reply}");
            let sha = self.app.sha_of(&consumer, &self.version, &provider).await;
            Published {
                consumer,
                version: self.version,
                sha,
            }
        })
    }
}

enum Pact {
    Content(String),
    OfVersion(String),
}

/// A verification result, published to the pact content's
/// `verification-results` resource, the pact's publish link.
pub struct Verify<'a> {
    app: &'a TestApp,
    consumer: String,
    provider: String,
    pact: Pact,
    provider_version: String,
    success: bool,
    pending: bool,
    branch: Option<String>,
    tags: Vec<String>,
}

impl Verify<'_> {
    /// The provider version that verified ("1" unless given).
    pub fn by(mut self, provider_version: &str) -> Self {
        self.provider_version = provider_version.to_owned();
        self
    }

    /// Whether the verification passed (it does unless told).
    pub fn success(mut self, success: bool) -> Self {
        self.success = success;
        self
    }

    /// Whether the pact was pending for the provider, as the metadata of
    /// the URL the broker handed the verifier would say.
    pub fn pending(mut self, pending: bool) -> Self {
        self.pending = pending;
        self
    }

    /// The branch of the provider version, recorded before the result.
    pub fn branch(mut self, branch: &str) -> Self {
        self.branch = Some(branch.to_owned());
        self
    }

    /// The tags of the provider version, recorded before the result.
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tags = names(tags);
        self
    }
}

impl<'a> IntoFuture for Verify<'a> {
    /// The verification resource.
    type Output = Value;
    type IntoFuture = Made<'a, Value>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let (app, consumer, provider) = (self.app, &self.consumer, &self.provider);
            if let Some(branch) = &self.branch {
                app.add_to_branch(provider, branch, &self.provider_version)
                    .await;
            }
            for tag in &self.tags {
                app.tag(provider, &self.provider_version, tag).await;
            }
            let sha = match self.pact {
                Pact::Content(sha) => sha,
                Pact::OfVersion(version) => app.sha_of(consumer, &version, provider).await,
            };
            // URL-safe base64 of `p=true`.
            let metadata = if self.pending {
                "/metadata/cD10cnVl"
            } else {
                ""
            };
            let (status, body) = app
                .post(
                    &format!(
                        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}{metadata}/verification-results"
                    ),
                    &json!({"success": self.success, "providerApplicationVersion": self.provider_version}),
                )
                .await;
            assert_eq!(status, 201, "{body}");
            body
        })
    }
}

/// A pacticipant created with `POST /pacticipants`.
pub struct NewPacticipant<'a> {
    app: &'a TestApp,
    body: Value,
}

impl NewPacticipant<'_> {
    pub fn main_branch(mut self, branch: &str) -> Self {
        self.body["mainBranch"] = json!(branch);
        self
    }
}

impl<'a> IntoFuture for NewPacticipant<'a> {
    /// The pacticipant resource.
    type Output = Value;
    type IntoFuture = Made<'a, Value>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let (status, body) = self.app.post("/pacticipants", &self.body).await;
            assert_eq!(status, 201, "{body}");
            body
        })
    }
}

/// A version put with `PUT /pacticipants/{p}/versions/{n}`.
pub struct PutVersion<'a> {
    app: &'a TestApp,
    path: String,
    body: Value,
    created: bool,
}

impl PutVersion<'_> {
    pub fn branch(mut self, branch: &str) -> Self {
        self.body["branch"] = json!(branch);
        self
    }

    /// Expects the version to be new (201), not replaced.
    pub fn created(mut self) -> Self {
        self.created = true;
        self
    }
}

impl<'a> IntoFuture for PutVersion<'a> {
    type Output = Reply;
    type IntoFuture = Made<'a, Reply>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let reply = self.app.json(Method::PUT, &self.path, &self.body).await;
            if self.created {
                assert_eq!(reply.status, 201, "{}: {}", self.path, reply.body);
            } else {
                assert!(
                    reply.status == 200 || reply.status == 201,
                    "{}: {}",
                    self.path,
                    reply.body
                );
            }
            reply
        })
    }
}

/// A deployment of a version to an environment, made when missing.
pub struct Deploy<'a> {
    app: &'a TestApp,
    pacticipant: String,
    number: String,
    environment: String,
    instance: String,
}

impl Deploy<'_> {
    /// The environment ("production" unless given).
    pub fn to(mut self, environment: &str) -> Self {
        self.environment = environment.to_owned();
        self
    }

    /// The application instance; a deployment ends the previous one of
    /// the same instance.
    pub fn instance(mut self, instance: &str) -> Self {
        self.instance = instance.to_owned();
        self
    }
}

impl<'a> IntoFuture for Deploy<'a> {
    /// The deployed version's uuid.
    type Output = String;
    type IntoFuture = Made<'a, String>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.app.environment(&self.environment).await;
            self.app
                .deployments()
                .await
                .record_deployment(pb::RecordDeploymentRequest {
                    pacticipant: self.pacticipant,
                    version: self.number,
                    environment: self.environment,
                    application_instance: self.instance,
                })
                .await
                .expect("recording the deployment")
                .into_inner()
                .deployed_version
                .expect("a deployed version")
                .uuid
        })
    }
}

/// A release of a version to an environment, made when missing.
pub struct Release<'a> {
    app: &'a TestApp,
    pacticipant: String,
    number: String,
    environment: String,
}

impl Release<'_> {
    /// The environment ("production" unless given).
    pub fn to(mut self, environment: &str) -> Self {
        self.environment = environment.to_owned();
        self
    }
}

impl<'a> IntoFuture for Release<'a> {
    /// The released version's uuid.
    type Output = String;
    type IntoFuture = Made<'a, String>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.app.environment(&self.environment).await;
            self.app
                .deployments()
                .await
                .record_release(pb::RecordReleaseRequest {
                    pacticipant: self.pacticipant,
                    version: self.number,
                    environment: self.environment,
                })
                .await
                .expect("recording the release")
                .into_inner()
                .released_version
                .expect("a released version")
                .uuid
        })
    }
}
