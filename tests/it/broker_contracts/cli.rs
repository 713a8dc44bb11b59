//! The Rust `pact broker` CLI's pact with a Pact Broker (pact-broker-cli
//! 0.9.0).

use super::Expect::{Later, Verified};
use super::{Row, WEBHOOK_RELATIONS, WEBHOOKS, verify};

/// pact-broker-cli with Pact Broker.
const PACT_BROKER_CLI: &[Row] = &[
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
        "a request for a pacticipant version json output",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment available for deployment",
        ),
        Verified,
    ),
    (
        "a request for a pacticipant version without application instance",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment available for deployment",
        ),
        Verified,
    ),
    (
        "a request for an environment details",
        Some("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists"),
        Verified,
    ),
    (
        "a request for an environment details for missing instance guidance",
        Some("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists"),
        Verified,
    ),
    (
        "a request for an environment details for records_undeployment_successfully_without_application_instance",
        Some("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists"),
        Verified,
    ),
    (
        "a request for environments resource",
        Some("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists"),
        Verified,
    ),
    (
        "a request for environments resource for missing instance guidance",
        Some("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists"),
        Verified,
    ),
    (
        "a request for environments resource for records_undeployment_successfully_without_application_instance",
        Some("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists"),
        Verified,
    ),
    (
        "a request for the compatibility matrix for Foo 1.2.3 against production where a released provider version has a failing verification",
        Some("Bar versions 10 (failing) and 11 (passing) are both released to production"),
        Verified,
    ),
    (
        "a request for the compatibility matrix for Foo 1.2.3 against production where all released provider versions are compatible",
        Some("Bar versions 10 and 11 are both released to production with passing verifications"),
        Verified,
    ),
    (
        "a request for the compatibility matrix for Foo version 1.2.3 against the production environment",
        Some(
            "the pact for Foo version 1.2.3 has been verified by the versions of Bar in the production environment",
        ),
        Verified,
    ),
    (
        "a request for the compatibility matrix for Foo version 1.2.3 and Bar version 4.5.6",
        Some("the pact for Foo Thing version 1.2.3 has been verified by Bar version 4.5.6"),
        Verified,
    ),
    (
        "a request for the compatibility matrix for Foo version 1.2.3 and Bar version 4.5.6 returns_matrix_when_results_found",
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
        "a request for the compatibility matrix for Foo version 1.2.4 and the latest version of Bar",
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
        "a request for the compatibility matrix that ignores a pacticipant",
        Some(
            "the pact for Foo version 1.2.4 has been verified by Bar version 4.5.6 and ignores Baz",
        ),
        Verified,
    ),
    (
        "a request for the compatibility matrix that ignores a specific pacticipant version",
        Some(
            "the pact for Foo version 1.2.4 has been verified by Bar version 4.5.6 and ignores Baz version 9.9.9",
        ),
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
        Some("the pb:latest-pact-versions relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource",
        Some("the pb:pacticipant relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource",
        Some("the pb:pacticipant-branch relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource",
        Some("the pb:pacticipants relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource",
        Some("the pb:publish-contracts relations exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource for create_environment_test",
        Some("the pb:environments relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource for list_environments_test",
        Some("the pb:environments relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource for missing instance guidance",
        Some("the pb:environments relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource for records_support_ended_successfully",
        Some("the pb:environments relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource for records_undeployment_successfully",
        Some("the pb:environments relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource for records_undeployment_successfully",
        Some("the pb:pacticipant-version relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource for records_undeployment_successfully_without_application_instance",
        Some("the pb:environments relation exists in the index resource"),
        Verified,
    ),
    (
        "a request for the index resource with the webhook relation",
        None,
        Later(WEBHOOK_RELATIONS),
    ),
    (
        "a request to check the production version of Condor",
        Some("'Condor' does not exist in the pact-broker"),
        Verified,
    ),
    (
        "a request to check the production versions of Condor",
        Some("'Condor' exists in the pact-broker"),
        Verified,
    ),
    (
        "a request to create a new webhook with a JSON body",
        Some("the 'Pricing Service' and 'Condor' already exist in the pact-broker"),
        Later(WEBHOOKS),
    ),
    ("a request to create a pacticipant", None, Verified),
    (
        "a request to create a webhook with a JSON body and a uuid",
        Some("a webhook with the uuid 696c5f93-1b7f-44bc-8d03-59440fcaa9a0 exists"),
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
        "a request to create a webhook with a JSON body for a provider",
        Some("the 'Pricing Service' and 'Condor' already exist in the pact-broker"),
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
        "a request to delete a branch",
        Some("a branch named main exists for pacticipant Foo"),
        Verified,
    ),
    ("a request to delete a non-existent tag", None, Verified),
    (
        "a request to delete a tag",
        Some("'Condor' exists in the pact-broker with version 1.3.0, tagged with 'prod'"),
        Verified,
    ),
    (
        "a request to delete a webhook",
        Some("a webhook with the uuid 696c5f93-1b7f-44bc-8d03-59440fcaa9a0 exists"),
        Later(WEBHOOKS),
    ),
    // A webhook that does not exist is a 404, as in the Pact Broker, with or
    // without webhooks.
    (
        "a request to get a non-existent webhook by UUID",
        Some("a webhook with uuid non-existent-uuid does not exist"),
        Verified,
    ),
    (
        "a request to get a webhook by UUID",
        Some("a webhook with the uuid 696c5f93-1b7f-44bc-8d03-59440fcaa9a0 exists"),
        Later(WEBHOOKS),
    ),
    (
        "a request to get latest pacts for provider on branch",
        Some("a pact between Condor and the Pricing Service exists with branch main"),
        Verified,
    ),
    (
        "a request to get pacticipant",
        Some("'Condor' exists in the pact-broker"),
        Verified,
    ),
    (
        "a request to get pacts for provider and consumer on specific branch",
        Some("a pact between Condor and the Pricing Service exists with branch feature"),
        Verified,
    ),
    (
        "a request to get pacts for provider on main branch",
        Some("a pact between Condor and the Pricing Service exists with branch main"),
        Verified,
    ),
    (
        "a request to list deployed versions for pacticipant",
        Some(
            "a version is deployed twice to environment with UUID 16926ef3-590f-4e3f-838e-719717aa88c9 with target customer-1 and target customer-2",
        ),
        Verified,
    ),
    (
        "a request to list deployed versions for pacticipant for missing instance guidance",
        Some(
            "a version is deployed to environment with UUID 16926ef3-590f-4e3f-838e-719717aa88c9 with target customer-1",
        ),
        Verified,
    ),
    (
        "a request to list deployed versions for pacticipant for records_undeployment_successfully_without_application_instance",
        Some(
            "a version is deployed twice to environment with UUID 16926ef3-590f-4e3f-838e-719717aa88c9 with target customer-1 and target null",
        ),
        Verified,
    ),
    (
        "a request to list released versions for pacticipant",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment is released with id ff3adecf-cfc5-4653-a4e3-f1861092f8e0",
        ),
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
        "a request to mark a deployed version as not currently deployed",
        Some("a currently deployed version exists with application instance customer-1"),
        Verified,
    ),
    (
        "a request to mark a null-application-instance deployed version as not currently deployed",
        Some("a currently deployed version exists without application instance"),
        Verified,
    ),
    (
        "a request to mark a released version as not currently supported",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment is released with id ff3adecf-cfc5-4653-a4e3-f1861092f8e0",
        ),
        Verified,
    ),
    ("a request to publish contracts", None, Verified),
    (
        "a request to record a deployment with target",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment available for deployment",
        ),
        Verified,
    ),
    (
        "a request to record a deployment with target and json output",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment available for deployment",
        ),
        Verified,
    ),
    (
        "a request to record a deployment with uuid",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment available for deployment",
        ),
        Verified,
    ),
    (
        "a request to record a release",
        Some(
            "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment available for release",
        ),
        Verified,
    ),
    (
        "a request to retrieve a non-existent pacticipant",
        None,
        Verified,
    ),
    (
        "a request to retrieve a pacticipant",
        Some("'Condor' does not exist in the pact-broker"),
        Verified,
    ),
    (
        "a request to retrieve a pacticipant",
        Some("a pacticipant with name Foo exists"),
        Verified,
    ),
    (
        "a request to retrieve a pacticipant with repostitory URL",
        Some("a pacticipant with name Foo exists"),
        Verified,
    ),
    (
        "a request to retrieve pacticipants",
        Some("the 'Pricing Service' and 'Condor' already exist in the pact-broker"),
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
        "a request to update a pacticipant",
        Some("a pacticipant with name Foo exists"),
        Verified,
    ),
    (
        "create branch for version",
        Some("a pacticipant with name Foo exists"),
        Verified,
    ),
    ("create tag for version", None, Verified),
    (
        "create version without tag or branch",
        Some("a pacticipant with name Foo exists"),
        Verified,
    ),
    (
        "delete environment",
        Some("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists"),
        Verified,
    ),
    (
        "execute webhook",
        Some("a webhook with the uuid 696c5f93-1b7f-44bc-8d03-59440fcaa9a0 exists"),
        Later(WEBHOOKS),
    ),
    (
        "get environment",
        Some("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists"),
        Verified,
    ),
    ("get environment not found", None, Verified),
    ("get non-existent pacticipant version", None, Verified),
    (
        "get pacticipant version",
        Some("'Condor' exists in the pact-broker with version 1.3.0, tagged with 'prod'"),
        Verified,
    ),
    (
        "get pacticipant version for json",
        Some("'Condor' exists in the pact-broker with the latest version 1.2.3"),
        Verified,
    ),
    (
        "get webhook",
        Some("a webhook with the uuid 696c5f93-1b7f-44bc-8d03-59440fcaa9a0 exists"),
        Later(WEBHOOKS),
    ),
    // Webmachine's 404, as JSON, as in the Pact Broker.
    ("get webhook not found", None, Verified),
    ("get webhook relation", None, Later(WEBHOOK_RELATIONS)),
    (
        "put environment",
        Some("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists"),
        Verified,
    ),
    ("update_environment_not_found", None, Verified),
];

#[tokio::test]
async fn the_rust_clis_pact_with_a_pact_broker_is_verified() {
    verify(
        "pact-broker-cli-Pact Broker",
        include_str!(
            "../../fixtures/consumer-pacts/pact-broker-cli-0.9.0-generated__pact-broker-cli-Pact_Broker.json"
        ),
        PACT_BROKER_CLI,
    )
    .await;
}
