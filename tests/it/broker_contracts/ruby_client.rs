//! The Ruby `pact-broker` CLI's pact with a Pact Broker (pact_broker-client,
//! "Pact Broker Client V2").

use super::Expect::{Later, Verified};
use super::{Row, WEBHOOK_RELATIONS, WEBHOOKS, verify};

/// Pact Broker Client V2 with Pact Broker.
const PACT_BROKER_CLIENT: &[Row] = &[
    (
        "a request for an environment",
        Some("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists"),
        Verified,
    ),
    (
        "a request for the compatibility matrix for Foo version 1.2.3 and Bar version 4.5.6",
        Some("the pact for Foo Thing version 1.2.3 has been verified by Bar version 4.5.6"),
        Verified,
    ),
    (
        "a request for the compatibility matrix for Foo version 1.2.3 and Bar version 4.5.6",
        Some("the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6"),
        Verified,
    ),
    (
        "a request for the compatibility matrix for Foo version 1.2.3 and the latest prod version of Bar",
        Some(
            "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6 with tag prod, and 1.2.4 unsuccessfully by 9.9.9",
        ),
        Verified,
    ),
    (
        "a request for the compatibility matrix for Foo version 1.2.3 and the latest prod versions of all other pacticipants",
        Some(
            "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6 (tagged prod) and version 5.6.7",
        ),
        Verified,
    ),
    (
        "a request for the compatibility matrix for Foo version 1.2.3 and the latest version of Bar",
        Some(
            "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6, and 1.2.4 unsuccessfully by 9.9.9",
        ),
        Verified,
    ),
    (
        "a request for the compatibility matrix for a pacticipant that does not exist",
        None,
        Verified,
    ),
    (
        "a request for the compatibility matrix for all versions of Foo and Bar",
        Some("the pact for Foo version 1.2.3 and 1.2.4 has been verified by Bar version 4.5.6"),
        Verified,
    ),
    (
        "a request for the compatibility matrix where one or more versions does not exist",
        Some("the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6"),
        Verified,
    ),
    (
        "a request for the compatibility matrix where only the version of Foo is specified",
        Some(
            "the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6 and version 5.6.7",
        ),
        Verified,
    ),
    (
        "a request for the index resource",
        None,
        Later(WEBHOOK_RELATIONS),
    ),
    (
        "a request for the index resource",
        Some("the pacticipant relations are present"),
        Verified,
    ),
    (
        "a request for the index resource",
        Some("the pb:environments relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource",
        Some("the pb:latest-tagged-version relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource",
        Some("the pb:latest-version relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource",
        Some("the pb:pacticipant-branch relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource",
        Some(
            "the pb:pacticipant-version and pb:environments relations exist in the index resource",
        ),
        Verified,
    ),
    (
        "a request for a pacticipant version",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with 2 environments that aren't test available for deployment",
        ),
        Verified,
    ),
    (
        "a request for a pacticipant version",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment available for deployment",
        ),
        Verified,
    ),
    (
        "a request for a pacticipant version",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment available for release",
        ),
        Verified,
    ),
    (
        "a request for the environments",
        Some("an environment with name test exists"),
        Verified,
    ),
    (
        "a request for the index resource",
        Some("the pb:publish-contracts relations exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource with the webhook relation",
        None,
        Later(WEBHOOK_RELATIONS),
    ),
    (
        "a request for the list of the latest pacts from all consumers for the Pricing Service'",
        Some("a latest pact between Condor and the Pricing Service exists"),
        Verified,
    ),
    (
        "a request for the list of the latest prod pacts from all consumers for the Pricing Service'",
        Some("tagged as prod pact between Condor and the Pricing Service exists"),
        Verified,
    ),
    (
        "a request for the successful rows of the compatibility matrix for all versions of Foo and Bar",
        Some(
            "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6, and 1.2.4 unsuccessfully by 9.9.9",
        ),
        Verified,
    ),
    (
        "a request retrieve a pact for a specific version",
        Some(
            "the 'Pricing Service' and 'Condor' already exist in the pact-broker, and Condor already has a pact published for version 1.3.0",
        ),
        Verified,
    ),
    (
        "a request to create a global webhook with a JSON body",
        None,
        Later(WEBHOOKS),
    ),
    (
        "a request to create a webhook for a consumer and provider",
        Some("'Condor' does not exist in the pact-broker"),
        Later(WEBHOOKS),
    ),
    (
        "a request to create a webhook with a JSON body and a uuid",
        Some("the 'Pricing Service' and 'Condor' already exist in the pact-broker"),
        Later(WEBHOOKS),
    ),
    (
        "a request to create a webhook with a JSON body for a consumer",
        Some("the 'Pricing Service' and 'Condor' already exist in the pact-broker"),
        Later(WEBHOOKS),
    ),
    (
        "a request to create a webhook with a JSON body for a consumer and provider",
        Some("the 'Pricing Service' and 'Condor' already exist in the pact-broker"),
        Later(WEBHOOKS),
    ),
    (
        "a request to create a webhook with a JSON body for a consumer specified by a label",
        None,
        Later(WEBHOOKS),
    ),
    (
        "a request to create a webhook with a JSON body for a consumer that does not exist",
        None,
        Later(WEBHOOKS),
    ),
    (
        "a request to create a webhook with a JSON body for a provider",
        Some("the 'Pricing Service' and 'Condor' already exist in the pact-broker"),
        Later(WEBHOOKS),
    ),
    (
        "a request to create a webhook with a JSON body for a provider specified by a label",
        None,
        Later(WEBHOOKS),
    ),
    (
        "a request to create a webhook with a non-JSON body for a consumer and provider",
        Some("the 'Pricing Service' and 'Condor' already exist in the pact-broker"),
        Later(WEBHOOKS),
    ),
    (
        "a request to create a webhook with every possible event type",
        Some("the 'Pricing Service' and 'Condor' already exist in the pact-broker"),
        Later(WEBHOOKS),
    ),
    ("a request to create an environment", None, Verified),
    (
        "a request to delete a pacticipant branch",
        Some("a branch named main exists for pacticipant Foo"),
        Verified,
    ),
    (
        "a request to determine if Bar can be deployed with all Foo tagged prod, ignoring the verification for Foo version 3.4.5",
        Some(
            "provider Bar version 4.5.6 has a successful verification for Foo version 1.2.3 tagged prod and a failed verification for version 3.4.5 tagged prod",
        ),
        Verified,
    ),
    (
        "a request to get the Pricing Service",
        Some("the 'Pricing Service' already exists in the pact-broker"),
        Verified,
    ),
    (
        "a request to get the Pricing Service",
        Some("the 'Pricing Service' does not exist in the pact-broker"),
        Verified,
    ),
    (
        "a request to list pacticipants",
        Some("'Condor' exists in the pact-broker"),
        Verified,
    ),
    (
        "a request to list the environments",
        Some("an environment exists"),
        Verified,
    ),
    (
        "a request to list the latest pacts",
        Some("a pact between Condor and the Pricing Service exists"),
        Verified,
    ),
    (
        "a request to list the versions deployed to an environment for a pacticipant name and application instance",
        Some(
            "an version is deployed to environment with UUID 16926ef3-590f-4e3f-838e-719717aa88c9 with target customer-1",
        ),
        Verified,
    ),
    (
        "a request to mark a deployed version as not currently deploye",
        Some("a currently deployed version exists"),
        Verified,
    ),
    ("a request to publish contracts", None, Verified),
    (
        "a request to record a deployment",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment available for deployment",
        ),
        Verified,
    ),
    (
        "a request to record a release",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment available for deployment",
        ),
        Verified,
    ),
    (
        "a request to register the repository URL of a pacticipant",
        Some("the 'Pricing Service' already exists in the pact-broker"),
        Verified,
    ),
    (
        "a request to register the repository URL of a pacticipant",
        Some("the 'Pricing Service' does not exist in the pact-broker"),
        Verified,
    ),
    ("a request to retrieve a pacticipant", None, Verified),
    ("a request to create a pacticipant", None, Verified),
    (
        "a request to retrieve a pacticipant",
        Some("a pacticipant with name Foo exists"),
        Verified,
    ),
    (
        "a request to retrieve the latest 'production' version of Condor",
        Some(
            "'Condor' exists in the pact-broker with the latest tagged 'production' version 1.2.3",
        ),
        Verified,
    ),
    (
        "a request to retrieve the latest pact between Condor and the Pricing Service",
        Some("a pact between Condor and the Pricing Service exists"),
        Verified,
    ),
    (
        "a request to retrieve the latest pact between Condor and the Pricing Service",
        Some("no pact between Condor and the Pricing Service exists"),
        Verified,
    ),
    (
        "a request to retrieve the latest version of Condor",
        Some("'Condor' exists in the pact-broker with the latest version 1.2.3"),
        Verified,
    ),
    (
        "a request to retrieve the pact between the production verison of Condor and the Pricing Service",
        Some(
            "a pact between Condor and the Pricing Service exists for the production version of Condor",
        ),
        Verified,
    ),
    (
        "a request to tag the production version of Condor",
        Some("'Condor' does not exist in the pact-broker"),
        Verified,
    ),
    (
        "a request to tag the production version of Condor",
        Some("'Condor' exists in the pact-broker"),
        Verified,
    ),
    (
        "a request to tag the production version of Condor",
        Some("'Condor' exists in the pact-broker with version 1.3.0, tagged with 'prod'"),
        Verified,
    ),
    (
        "a request to update a pacticipant",
        Some("a pacticipant with name Foo exists"),
        Verified,
    ),
    (
        "a request to update a webhook",
        Some("a webhook with the uuid 696c5f93-1b7f-44bc-8d03-59440fcaa9a0 exists"),
        Later(WEBHOOKS),
    ),
    (
        "an invalid request to create a webhook for a consumer and provider",
        Some("the 'Pricing Service' and 'Condor' already exist in the pact-broker"),
        Later(WEBHOOKS),
    ),
];

#[tokio::test]
async fn the_ruby_clis_pact_with_a_pact_broker_is_verified() {
    verify(
        "Pact Broker Client V2-Pact Broker",
        include_str!(
            "../../fixtures/consumer-pacts/pact_broker-client__Pact_Broker_Client_V2-Pact_Broker.json"
        ),
        PACT_BROKER_CLIENT,
    )
    .await;
}
