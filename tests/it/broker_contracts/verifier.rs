//! The Rust verifier's pact with a Pact Broker, and the pact-reference
//! compatibility suite's mock broker.

use super::Expect::{NotApplicable, Verified};
use super::{Row, verify};

const PACT_IS_HAL: &str = "expects Content-Type application/json, but for Accept \
    'application/hal+json, application/json' the Pact Broker serves a pact as \
    application/hal+json, the first type it offers that the client accepts (its own suite \
    verifies the Ruby client fetching a pact with that Accept as application/hal+json)";

const BRANCH_VERSION_IS_CREATED: &str = "expects 200 with Content-Type application/json \
    for adding a version to a branch; the Pact Broker answers 201 Created (200 only when \
    the version was already on the branch), always as application/hal+json";

/// pact_verifier 1.5.0 (RustPactVerifier) with PactBroker.
const RUST_VERIFIER: &[Row] = &[
    (
        "a request for a Pact from a webhook",
        None,
        NotApplicable(
            "a response recorded from PactFlow: its pb:publish-verification-results href \
             carries the metadata segment Y3Y9NTY4 (cv=568, a PactFlow database id), but \
             the Pact Broker repeats only a metadata segment of the request path, and \
             /version/4.3.9 has none",
        ),
    ),
    ("a request for a Pact provider", None, Verified),
    (
        "a request for a pact by version",
        Some("There is a pact with version 12345678"),
        NotApplicable(PACT_IS_HAL),
    ),
    (
        "a request for a providers pacts",
        Some("There are no pacts in the pact broker"),
        Verified,
    ),
    (
        "a request for a providers pacts",
        Some("There are two pacts in the pact broker"),
        Verified,
    ),
    (
        "a request for the first provider pact",
        Some("There are two pacts in the pact broker"),
        NotApplicable(PACT_IS_HAL),
    ),
    (
        "a request for the second provider pact",
        Some("There are two pacts in the pact broker"),
        NotApplicable(PACT_IS_HAL),
    ),
    (
        "a request to a non-existant path",
        Some("the pact broker has a valid pact"),
        Verified,
    ),
    (
        "a request to fetch pacts to be verified",
        None,
        NotApplicable(
            "expects a 400 on providerVersionBranch for a body that has no such key; the \
             Pact Broker refuses only a providerVersionBranch that is present and blank \
             (pacts_for_verification_json_query_schema.rb), and its validation errors are \
             application/hal+json, not application/json",
        ),
    ),
    (
        "a request to fetch pacts to be verified",
        Some("There are pacts to be verified"),
        NotApplicable(
            "expects verificationProperties.pending for a request that sends \
             includePendingStatus: false; the Pact Broker includes pending only when it is \
             asked for (verifiable_pact_decorator.rb, reference §1.4.2)",
        ),
    ),
    (
        "a request to publish provider branch",
        None,
        NotApplicable(BRANCH_VERSION_IS_CREATED),
    ),
    (
        "a request to publish the provider branch",
        None,
        NotApplicable(BRANCH_VERSION_IS_CREATED),
    ),
    (
        "a request to publish verification results",
        None,
        NotApplicable(
            "expects 200 with Content-Type application/json; the Pact Broker answers a new \
             verification result with 201 Created and application/hal+json (reference §1.4.3)",
        ),
    ),
    ("a request to the pact broker pacticipant", None, Verified),
    ("a request to the pact broker root", None, Verified),
    (
        "a request to the pacts for verification endpoint",
        None,
        Verified,
    ),
    (
        "publish results",
        None,
        NotApplicable(
            "POST /path/to/pact/verification is a URL the consumer test made up for its \
             mock; no Pact Broker has that resource",
        ),
    ),
];

const COMPAT_PACTS_FOR_VERIFICATION: &str = "expects each pact linked at \
    .../pacts/provider/p/consumer/c_N and named 'Pact between c_N and p', the list's self \
    href to be the unexpanded template .../pacts/provider/{provider}/for-verification, and \
    Content-Type application/json; the Pact Broker links a pact by its content permalink \
    .../pact-version/{sha}/metadata/{m} named with the consumer version, links self to the \
    URL requested, and answers application/hal+json";

const COMPAT_ROOT: &str = "its regex quotes with \\Q...\\E, which the verifier's regex \
    engine (Oniguruma, Ruby syntax) reads as the letters Q and E, so no href of a real \
    broker matches; it also expects Content-Type application/json where the Pact Broker's \
    index is application/hal+json";

const COMPAT_PUBLISH: &str = "POST /pacts/provider/p/consumer/c_N/verification-results \
    exists only in the compatibility suite's mock broker; the Pact Broker takes results at \
    .../pact-version/{sha}[/metadata/{m}]/verification-results, the link of the pact fetched";

/// The pact-reference compatibility suite's mock broker, consumer c_1.
const COMPAT_C1: &[Row] = &[
    (
        "a request for the provider pacts",
        None,
        NotApplicable(COMPAT_PACTS_FOR_VERIFICATION),
    ),
    (
        "a request for the provider pacts link",
        None,
        NotApplicable(
            "its regex .(*\\/pacts\\/provider\\/p\\/for-verification)$ is not a valid regular \
             expression (Oniguruma: invalid callout name), so no response matches; it also \
             expects Content-Type application/json where the Pact Broker answers \
             application/hal+json",
        ),
    ),
    ("a request to the root", None, NotApplicable(COMPAT_ROOT)),
    (
        "publish verification results for c_1",
        None,
        NotApplicable(COMPAT_PUBLISH),
    ),
];

/// The pact-reference compatibility suite's mock broker, consumer c_2.
const COMPAT_C2: &[Row] = &[
    (
        "a request for the provider pacts",
        None,
        NotApplicable(COMPAT_PACTS_FOR_VERIFICATION),
    ),
    (
        "a request for the provider pacts link",
        None,
        NotApplicable(
            "expects Content-Type application/json; the Pact Broker answers pacts for \
             verification as application/hal+json",
        ),
    ),
    ("a request to the root", None, NotApplicable(COMPAT_ROOT)),
    (
        "publish verification results for c_2",
        None,
        NotApplicable(COMPAT_PUBLISH),
    ),
    (
        "publish failed verification results for c_2",
        None,
        NotApplicable(COMPAT_PUBLISH),
    ),
];

#[tokio::test]
async fn the_rust_verifiers_pact_with_a_pact_broker_is_verified() {
    verify(
        "RustPactVerifier-PactBroker",
        include_str!(
            "../../fixtures/consumer-pacts/pact_verifier-1.5.0-generated__RustPactVerifier-PactBroker.json"
        ),
        RUST_VERIFIER,
    )
    .await;
}

// The compatibility suite's mock broker answers nothing the way the Pact
// Broker does (see the tables), so these only keep the tables complete: the
// verifier runs once one of their rows is `Verified`.

#[tokio::test]
async fn the_compatibility_suites_broker_pact_for_c1_is_covered() {
    verify(
        "pact-broker_c1",
        include_str!(
            "../../fixtures/consumer-pacts/pact-reference__compat-suite__pact-broker_c1.json"
        ),
        COMPAT_C1,
    )
    .await;
}

#[tokio::test]
async fn the_compatibility_suites_broker_pact_for_c2_is_covered() {
    verify(
        "pact-broker_c2",
        include_str!(
            "../../fixtures/consumer-pacts/pact-reference__compat-suite__pact-broker_c2.json"
        ),
        COMPAT_C2,
    )
    .await;
}
