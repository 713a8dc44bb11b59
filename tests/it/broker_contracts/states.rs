//! Provider states: a state change endpoint that makes each named state true
//! in one broker, through its REST and gRPC APIs, and with SQL on its
//! database only where the API cannot make the data (fixed uuids, fixed
//! times, a content hash the broker would never compute).
//!
//! The states of the Ruby and Rust CLIs are the Pact Broker's own
//! (spec/service_consumers/shared_provider_states.rb and
//! provider_states_for_pact-broker-cli.rb); those the Pact Broker does not
//! define say what they need in their names.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use pactwire::grpc::pb;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::contracts;

/// What the verifier posts to the state change URL.
#[derive(Deserialize)]
struct StateChange {
    state: String,
    #[serde(default)]
    action: String,
}

/// A state change endpoint on a loopback port for `app`; returns its URL
/// and the task serving it.
pub(super) async fn start_endpoint(app: Arc<TestApp>) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding");
    let url = format!("http://{}/", listener.local_addr().expect("address"));
    let router = axum::Router::new()
        .route("/", axum::routing::post(change_state))
        .with_state(Seeder { app });
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serving");
    });
    (url, task)
}

async fn change_state(State(seeder): State<Seeder>, Json(change): Json<StateChange>) -> StatusCode {
    if change.action != "teardown" {
        seeder.set_up(&change.state).await;
    }
    StatusCode::OK
}

/// The uuids the consumers' requests name.
const TEST_ENVIRONMENT: &str = "16926ef3-590f-4e3f-838e-719717aa88c9";
const DEPLOYMENT_TARGET: &str = "cb632df3-0a0d-4227-aac3-60114dd36479";
const DEPLOYED_VERSION: &str = "ff3adecf-cfc5-4653-a4e3-f1861092f8e0";
const OTHER_DEPLOYED_VERSION: &str = "58a013bc-31d6-434a-b026-46ecbd9e3a2d";
const RELEASED_VERSION: &str = "ff3adecf-cfc5-4653-a4e3-f1861092f8e0";
/// The version of Foo the CLIs deploy and release.
const FOO_VERSION: &str = "5556b8149bf8bac76bc30f50a8a2dd4c22c85f30";
const PRICING_SERVICE_REPOSITORY: &str =
    "git@git.realestate.com.au:business-systems/pricing-service";

#[derive(Clone)]
struct Seeder {
    app: Arc<TestApp>,
}

impl Seeder {
    /// Empties the broker, then makes `state` true. An unknown state panics,
    /// which fails the interaction.
    async fn set_up(&self, state: &str) {
        // Every contract table references a pacticipant or an environment.
        self.sql("TRUNCATE pacticipants, environments RESTART IDENTITY CASCADE")
            .await;
        match state {
            // The verifier posts an empty state for an interaction without
            // one: the data the Rust verifier's stateless interactions rely
            // on, which those of the CLIs leave alone.
            "" => {
                self.create_pacticipant(
                    json!({"name": "Pact Broker", "displayName": "Pact Broker"}),
                )
                .await;
                // Created when the consumer's test recorded it, and updated
                // within the same second: the Pact Broker leaves updatedAt out
                // only when it equals createdAt exactly.
                self.sql(
                    "UPDATE pacticipants SET created_at = '2019-05-04 06:20:15+00', \
                     updated_at = '2019-05-04 06:20:15.5+00' WHERE name = 'Pact Broker'",
                )
                .await;
                // The Pact Broker answers 404 for pacts of a provider it does not know.
                self.create_pacticipant(json!({"name": "sad_provider"}))
                    .await;
            }

            // ---------------------------------------- the Rust verifier's states
            "There are no pacts in the pact broker" => {}
            "the pact broker has a valid pact" => {
                self.app
                    .publish(happy_pact("Consumer", json!([])))
                    .version("1.0.0")
                    .await;
            }
            "There are two pacts in the pact broker" => {
                self.app
                    .publish(happy_pact("Consumer", json!([])))
                    .version("1.0.0")
                    .await;
                let friends = json!([{
                    "description": "a request friends",
                    "request": {"method": "GET", "path": "/"},
                    "response": {"status": 200},
                }]);
                self.app
                    .publish(happy_pact("Consumer2", friends))
                    .version("1.0.0")
                    .await;
            }
            // For rows that are not applicable today, so that only the
            // table changes if they become so.
            "There is a pact with version 12345678" => {
                self.app
                    .publish(happy_pact("Consumer", json!([])))
                    .version("1.0.0")
                    .await;
                // A content hash the broker would never compute.
                self.sql("UPDATE pact_versions SET sha = '12345678'").await;
            }
            "There are pacts to be verified" => {
                self.app
                    .publish(happy_pact("Consumer", json!([])))
                    .version("239aa5048a7de54fe5f231116c6d603eab0c6fde")
                    .tags(["prod"])
                    .await;
            }

            // ---------------------------------------- the CLIs' states
            // The index has every relation these name, whatever the data.
            "the pacticipant relations are present"
            | "the pb:environments relation exists in the index resource"
            | "the pb:latest-pact-versions relation exists in the index resource"
            | "the pb:latest-tagged-version relation exists in the index resource"
            | "the pb:latest-version relation exists in the index resource"
            | "the pb:pacticipant relation exists in the index resource"
            | "the pb:pacticipant-branch relation exists in the index resource"
            | "the pb:pacticipant-version relation exists in the index resource"
            | "the pb:pacticipant-version and pb:environments relations exist in the index resource"
            | "the pb:pacticipants relation exists in the index resource"
            | "the pb:publish-contracts relations exists in the index resource" => {}
            "'Condor' does not exist in the pact-broker"
            | "the 'Pricing Service' does not exist in the pact-broker"
            | "no pact between Condor and the Pricing Service exists"
            | "a webhook with uuid non-existent-uuid does not exist" => {}

            "a pacticipant with name Foo exists" => self.pacticipant("Foo").await,
            "'Condor' exists in the pact-broker" => self.version("Condor", "1.3.0").await,
            "'Condor' exists in the pact-broker with the latest version 1.2.3" => {
                self.version("Condor", "1.0.0").await;
                self.version("Condor", "1.2.3").await;
            }
            "'Condor' exists in the pact-broker with the latest tagged 'production' version 1.2.3" =>
            {
                self.tag("Condor", "1.2.3", "production").await;
                self.version("Condor", "2.0.0").await;
            }
            "'Condor' exists in the pact-broker with version 1.3.0, tagged with 'prod'" => {
                self.tag("Condor", "1.3.0", "prod").await;
            }
            "the 'Pricing Service' already exists in the pact-broker" => {
                self.pricing_service().await;
                self.version("Pricing Service", "1.3.0").await;
            }
            "the 'Pricing Service' and 'Condor' already exist in the pact-broker" => {
                self.pacticipant("Condor").await;
                self.pacticipant("Pricing Service").await;
            }
            "a pact between Condor and the Pricing Service exists"
            | "a latest pact between Condor and the Pricing Service exists"
            | "the 'Pricing Service' and 'Condor' already exist in the pact-broker, and Condor \
               already has a pact published for version 1.3.0" => {
                self.condor_pact(None, &[]).await;
            }
            "tagged as prod pact between Condor and the Pricing Service exists"
            | "a pact between Condor and the Pricing Service exists for the production version of \
               Condor" => {
                self.condor_pact(None, &["prod"]).await;
            }
            "a pact between Condor and the Pricing Service exists with branch main" => {
                self.condor_pact(Some("main"), &[]).await;
            }
            "a pact between Condor and the Pricing Service exists with branch feature" => {
                self.condor_pact(Some("feature"), &[]).await;
            }
            "a branch named main exists for pacticipant Foo" => {
                self.put("/pacticipants/Foo/branches/main/versions/1").await;
            }

            // ---------------------------------------- environments
            "an environment exists" => {
                let contacts = [("foo", "emailAddress", "foo@bar.com")];
                self.environment("test", None, &contacts).await;
            }
            "an environment with name test exists" => {
                self.environment("test", None, &[]).await;
            }
            "an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists" => {
                self.environment("test", Some(TEST_ENVIRONMENT), &[]).await;
            }
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test \
             environment available for deployment" => {
                self.version("Foo", FOO_VERSION).await;
                self.environment("test", Some(DEPLOYMENT_TARGET), &[]).await;
            }
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with 2 \
             environments that aren't test available for deployment" => {
                self.version("Foo", FOO_VERSION).await;
                self.environment("prod", None, &[]).await;
                self.environment("dev", None, &[]).await;
            }
            // The Pact Broker's shared states put this environment at
            // cb632df3 and its pact-broker-cli states at 16926ef3; the CLIs'
            // requests that rely on it name only 16926ef3.
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test \
             environment available for release" => {
                self.version("Foo", FOO_VERSION).await;
                self.environment("test", Some(TEST_ENVIRONMENT), &[]).await;
            }
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test \
             environment is released with id ff3adecf-cfc5-4653-a4e3-f1861092f8e0" => {
                self.environment("test", Some(TEST_ENVIRONMENT), &[]).await;
                self.version("Foo", FOO_VERSION).await;
                let uuid = self.app.release("Foo", FOO_VERSION).to("test").await;
                self.renumber("released_versions", &uuid, RELEASED_VERSION)
                    .await;
            }
            "an version is deployed to environment with UUID 16926ef3-590f-4e3f-838e-719717aa88c9 \
             with target customer-1"
            | "a version is deployed to environment with UUID \
               16926ef3-590f-4e3f-838e-719717aa88c9 with target customer-1" => {
                self.environment("test", Some(TEST_ENVIRONMENT), &[]).await;
                self.deploy(Some("customer-1"), DEPLOYED_VERSION).await;
            }
            "a version is deployed twice to environment with UUID \
             16926ef3-590f-4e3f-838e-719717aa88c9 with target customer-1 and target customer-2" => {
                self.environment("test", Some(TEST_ENVIRONMENT), &[]).await;
                // The Pact Broker lists the newest deployment first.
                self.deploy(Some("customer-2"), OTHER_DEPLOYED_VERSION)
                    .await;
                self.deploy(Some("customer-1"), DEPLOYED_VERSION).await;
            }
            "a version is deployed twice to environment with UUID \
             16926ef3-590f-4e3f-838e-719717aa88c9 with target customer-1 and target null" => {
                self.environment("test", Some(TEST_ENVIRONMENT), &[]).await;
                self.deploy(None, OTHER_DEPLOYED_VERSION).await;
                self.deploy(Some("customer-1"), DEPLOYED_VERSION).await;
            }
            "a currently deployed version exists" => {
                self.environment("test", Some(DEPLOYMENT_TARGET), &[]).await;
                self.deploy(None, DEPLOYED_VERSION).await;
            }
            "a currently deployed version exists with application instance customer-1" => {
                self.environment("test", Some(DEPLOYMENT_TARGET), &[]).await;
                self.deploy(Some("customer-1"), DEPLOYED_VERSION).await;
            }
            "a currently deployed version exists without application instance" => {
                self.environment("test", Some(DEPLOYMENT_TARGET), &[]).await;
                self.deploy(None, OTHER_DEPLOYED_VERSION).await;
            }

            // ---------------------------------------- the matrix
            "the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6" => {
                self.verified_twice("Foo").await;
            }
            "the pact for Foo Thing version 1.2.3 has been verified by Bar version 4.5.6" => {
                self.verified_twice("Foo Thing").await;
            }
            "the pact for Foo version 1.2.3 and 1.2.4 has been verified by Bar version 4.5.6" => {
                self.verified("Foo", "1.2.3", "Bar", &[("4.5.6", true)])
                    .await;
                self.verified("Foo", "1.2.4", "Bar", &[("4.5.6", true)])
                    .await;
            }
            "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6, \
             and 1.2.4 unsuccessfully by 9.9.9" => {
                self.verified("Foo", "1.2.3", "Bar", &[("4.5.6", true)])
                    .await;
                self.verified("Foo", "1.2.4", "Bar", &[("9.9.9", false)])
                    .await;
            }
            "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6 \
             with tag prod, and 1.2.4 unsuccessfully by 9.9.9" => {
                self.verified("Foo", "1.2.3", "Bar", &[("4.5.6", true)])
                    .await;
                self.tag("Bar", "4.5.6", "prod").await;
                self.verified("Foo", "1.2.4", "Bar", &[("9.9.9", false)])
                    .await;
            }
            "the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6 and version \
             5.6.7" => {
                self.verified("Foo", "1.2.3", "Bar", &[("4.5.6", true), ("5.6.7", true)])
                    .await;
            }
            "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6 \
             (tagged prod) and version 5.6.7" => {
                self.verified("Foo", "1.2.3", "Bar", &[("4.5.6", true)])
                    .await;
                self.tag("Bar", "4.5.6", "prod").await;
                self.verified("Foo", "1.2.3", "Bar", &[("5.6.7", true)])
                    .await;
            }
            "provider Bar version 4.5.6 has a successful verification for Foo version 1.2.3 \
             tagged prod and a failed verification for version 3.4.5 tagged prod" => {
                self.verified("Foo", "1.2.3", "Bar", &[("4.5.6", true)])
                    .await;
                self.tag("Foo", "1.2.3", "prod").await;
                self.verified("Foo", "3.4.5", "Bar", &[("4.5.6", false)])
                    .await;
                self.tag("Foo", "3.4.5", "prod").await;
            }
            "the pact for Foo version 1.2.4 has been verified by Bar version 4.5.6 and ignores Baz" =>
            {
                self.verified("Foo", "1.2.4", "Bar", &[("4.5.6", true)])
                    .await;
                // Foo also relies on Baz, which has verified nothing.
                self.verified("Foo", "1.2.4", "Baz", &[]).await;
            }
            "the pact for Foo version 1.2.4 has been verified by Bar version 4.5.6 and ignores Baz \
             version 9.9.9" => {
                self.verified("Foo", "1.2.4", "Bar", &[("4.5.6", true)])
                    .await;
                self.verified("Foo", "1.2.4", "Baz", &[("9.9.9", false)])
                    .await;
            }
            "the pact for Foo version 1.2.3 has been verified by the versions of Bar in the \
             production environment" => {
                self.verified("Foo", "1.2.3", "Bar", &[("4.5.6", true), ("5.6.7", true)])
                    .await;
                self.app.deploy("Bar", "4.5.6").to("production").await;
                self.app.release("Bar", "5.6.7").to("production").await;
            }
            "Bar versions 10 (failing) and 11 (passing) are both released to production" => {
                self.released_bars(false).await;
            }
            "Bar versions 10 and 11 are both released to production with passing verifications" => {
                self.released_bars(true).await;
            }
            other => panic!("no provider state '{other}'"),
        }
    }

    async fn sql(&self, statement: &str) {
        let mut conn = AsyncPgConnection::establish(&self.app.db.url)
            .await
            .expect("connecting to the test database");
        diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|err| panic!("{statement}: {err}"));
    }

    /// The pacticipant `name` as the Pact Broker's test data makes one,
    /// with a repository URL (TestDataBuilder#create_pacticipant).
    async fn pacticipant(&self, name: &str) {
        self.create_pacticipant(json!({
            "name": name,
            "repositoryUrl": format!("https://github.com/example-organization/{name}"),
        }))
        .await;
    }

    async fn create_pacticipant(&self, body: Value) {
        let (status, reply) = self.app.post("/pacticipants", &body).await;
        assert_eq!(status, 201, "POST /pacticipants {body}: {reply}");
    }

    /// `PUT {}` to `path`, which makes what it names and what that needs.
    async fn put(&self, path: &str) {
        let (status, reply) = self.app.put(path, &json!({})).await;
        assert!(
            status == 200 || status == 201,
            "PUT {path}: {status} {reply}"
        );
    }

    async fn version(&self, pacticipant: &str, number: &str) {
        self.put(&format!("/pacticipants/{pacticipant}/versions/{number}"))
            .await;
    }

    async fn tag(&self, pacticipant: &str, number: &str, tag: &str) {
        self.put(&format!(
            "/pacticipants/{pacticipant}/versions/{number}/tags/{tag}"
        ))
        .await;
    }

    async fn pricing_service(&self) {
        self.create_pacticipant(json!({
            "name": "Pricing Service",
            "repositoryUrl": PRICING_SERVICE_REPOSITORY,
        }))
        .await;
    }

    /// Condor 1.3.0's pact with the Pricing Service, as the Pact Broker's
    /// states make it: no interactions.
    async fn condor_pact(&self, branch: Option<&str>, tags: &[&str]) {
        self.pricing_service().await;
        let pact = contracts::pact("Condor", "Pricing Service", json!([]));
        let publish = self
            .app
            .publish(pact)
            .version("1.3.0")
            .tags(tags.iter().copied());
        match branch {
            Some(branch) => publish.branch(branch).await,
            None => publish.await,
        };
    }

    /// Publishes a pact from `consumer` `version` to `provider`, with
    /// content of its own, and records each (provider version, success).
    async fn verified(
        &self,
        consumer: &str,
        version: &str,
        provider: &str,
        verifications: &[(&str, bool)],
    ) {
        let interactions = json!([{
            "description": format!("a request from {consumer} {version}"),
            "request": {"method": "GET", "path": "/"},
            "response": {"status": 200},
        }]);
        let pact = contracts::pact(consumer, provider, interactions);
        let sha = self.app.publish(pact).version(version).await.sha;
        for (provider_version, success) in verifications {
            self.app
                .verify(consumer, provider, &sha)
                .by(provider_version)
                .success(*success)
                .await;
        }
    }

    /// The Pact Broker's "verified by Bar version 4.5.6" states: 1.2.3
    /// verified by 4.5.6 and 7.8.9, and a later 2.0.0 by 4.5.6.
    async fn verified_twice(&self, consumer: &str) {
        self.verified(
            consumer,
            "1.2.3",
            "Bar",
            &[("4.5.6", true), ("7.8.9", true)],
        )
        .await;
        self.verified(consumer, "2.0.0", "Bar", &[("4.5.6", true)])
            .await;
    }

    /// Foo 1.2.3's pact verified by Bar 10 (passing unless `both_pass` is
    /// false, then failing) and 11 (passing), both released to production.
    async fn released_bars(&self, both_pass: bool) {
        self.verified("Foo", "1.2.3", "Bar", &[("10", both_pass), ("11", true)])
            .await;
        self.app.release("Bar", "10").to("production").await;
        self.app.release("Bar", "11").to("production").await;
    }

    /// The environment `name`, at `uuid` if given, with contacts of
    /// (name, kind, detail).
    async fn environment(&self, name: &str, uuid: Option<&str>, contacts: &[(&str, &str, &str)]) {
        let contacts = contacts
            .iter()
            .map(|(name, kind, detail)| pb::Contact {
                name: (*name).to_owned(),
                details: [((*kind).to_owned(), (*detail).to_owned())].into(),
            })
            .collect();
        self.app
            .deployments()
            .await
            .create_environment(pb::CreateEnvironmentRequest {
                environment: Some(pb::Environment {
                    uuid: uuid.unwrap_or_default().to_owned(),
                    name: name.to_owned(),
                    contacts,
                    ..Default::default()
                }),
            })
            .await
            .expect("creating an environment");
    }

    /// Deploys Foo's version to the test environment as `instance`, as
    /// the deployed version `uuid`.
    async fn deploy(&self, instance: Option<&str>, uuid: &str) {
        self.version("Foo", FOO_VERSION).await;
        let deploy = self.app.deploy("Foo", FOO_VERSION).to("test");
        let recorded = match instance {
            Some(instance) => deploy.instance(instance).await,
            None => deploy.await,
        };
        self.renumber("deployed_versions", &recorded, uuid).await;
    }

    /// Gives the deployed or released version `from` the uuid the
    /// consumer's request names; the API assigns its own.
    async fn renumber(&self, table: &str, from: &str, to: &str) {
        self.sql(&format!(
            "UPDATE {table} SET uuid = '{to}' WHERE uuid = '{from}'"
        ))
        .await;
    }
}

/// A pact from `consumer` to happy_provider, as the Rust consumer DSL
/// writes one.
fn happy_pact(consumer: &str, interactions: Value) -> Value {
    json!({
        "consumer": {"name": consumer},
        "provider": {"name": "happy_provider"},
        "interactions": interactions,
        "metadata": {
            "pactRust": {"models": "1.3.17"},
            "pactSpecification": {"version": "3.0.0"},
        },
    })
}
