//! Unknown names and names that cannot exist get precise answers.

use super::*;

#[tokio::test]
async fn unknown_names_get_precise_answers() {
    let app = TestApp::start().await;
    app.publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await;
    app.environment("prod").await;

    // An unknown version cannot be deployed.
    let (status, body) = app
        .get("/can-i-deploy?pacticipant=Foo&version=9&environment=prod")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["summary"]["deployable"], false);
    assert_eq!(
        body["summary"]["reason"],
        "No pacts or verifications have been published for version 9 of Foo"
    );
    // Unknown pacticipants and environments are bad requests.
    for (path, text) in [
        (
            "/can-i-deploy?pacticipant=Nope&version=1&environment=prod",
            "Pacticipant Nope not found",
        ),
        (
            "/can-i-deploy?pacticipant=Foo&version=1&environment=moon",
            "Environment with name 'moon' does not exist",
        ),
        (
            "/can-i-deploy?pacticipant=Foo&version=1",
            "Must specify either an environment or a 'to' tag.",
        ),
        (
            "/can-i-deploy?pacticipant=Foo&version=1&to=prod&environment=prod",
            "Cannot specify both a 'to' tag and an environment.",
        ),
        (
            "/matrix?q[][pacticipant]=Nope&q[][version]=1",
            "Pacticipant Nope not found",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][version]=1&latest=true&environment=prod",
            "Cannot specify both latest=true and an environment.",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][version]=1&tag=prod&environment=prod",
            "Cannot specify more than one of tag, environment and mainBranch.",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][version]=1&limit=0",
            "The limit must be 1 or greater.",
        ),
        ("/matrix", "Please provide 1 or more version selectors."),
        (
            "/matrix?q[][pacticipant]=Foo&latestby=x",
            "latestby must be one of cvpv, cvp or cp",
        ),
        (
            "/matrix/provider/Bar/consumer/Foo?latestby=x",
            "latestby must be one of cvpv, cvp or cp",
        ),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        if path.starts_with("/matrix") {
            // The matrix lists its messages, as the Pact Broker's (the
            // CLIs' pacts expect a list).
            assert_eq!(body["errors"], json!([text]), "{path}: {body}");
        } else {
            assert!(body.to_string().contains(text), "{path}: {body}");
        }
    }
    let mut client = MatrixServiceClient::new(app.channel().await);
    let err = client
        .can_i_deploy(pb::CanIDeployRequest {
            pacticipant: "Foo".into(),
            version: "1".into(),
            destination: Some(pb::can_i_deploy_request::Destination::Environment(
                "moon".into(),
            )),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    assert!(
        err.message()
            .contains("Environment with name 'moon' does not exist")
    );
    // The pair matrix of unknown pacticipants is not found.
    let (status, _) = app.get("/matrix/provider/Bar/consumer/Nope").await;
    assert_eq!(status, 404);
}

/// A NUL (or another control character) can be in no stored name, so a
/// selector with one matches nothing, reported on its own field or as not
/// found like any name that does not exist, without asking the database.
#[tokio::test]
async fn names_that_cannot_exist_are_not_found() {
    let app = TestApp::start().await;
    app.publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await;
    app.environment("prod").await;
    for (path, reason) in [
        (
            "/matrix?q[][pacticipant]=Foo&q[][version]=%00",
            "No pacts or verifications have been published for version \u{0} of Foo",
        ),
        (
            "/can-i-deploy?pacticipant=Foo&version=%00&environment=prod",
            "No pacts or verifications have been published for version \u{0} of Foo",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][tag]=%00&q[][latest]=true",
            "No version with tag \u{0} exists for Foo",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][branch]=a%01b",
            "No version of Foo from branch a\u{1}b exists",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][environment]=%00",
            "No version of Foo is currently recorded as deployed or released in environment \u{0}",
        ),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["summary"]["deployable"], false, "{path}: {body}");
        // After any warning that no environment or version was given.
        assert!(
            body["summary"]["reason"]
                .as_str()
                .unwrap()
                .ends_with(reason),
            "{path}: {body}"
        );
    }
    // Inferred selectors: no version of Bar has the tag.
    let (status, body) = app
        .get("/can-i-deploy?pacticipant=Foo&version=1&to=pr%00od")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["summary"]["reason"],
        "There is no verified pact between version 1 of Foo and the latest version of Bar with tag pr\u{0}od (no such version exists)"
    );
    // Ignore selectors: nothing to ignore.
    let (status, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][version]=1&ignore[][pacticipant]=Foo&ignore[][version]=%00&ignore[][pacticipant]=B%00")
        .await;
    assert_eq!(status, 200, "{body}");
    let texts: Vec<&str> = body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"WARN: Cannot ignore version \u{0} of Foo (no such version exists)"),
        "{body}"
    );
    assert!(
        texts.contains(&"WARN: Cannot ignore any version of B\u{0} (no such pacticipant exists)"),
        "{body}"
    );
    // Pacticipants and environments: not found, listed by the matrix and
    // on its field by can-i-deploy.
    for (path, errors) in [
        (
            "/matrix?q[][pacticipant]=Foo&q[][pacticipant]=B%00&q[][version]=1",
            json!(["Pacticipant B\u{0} not found"]),
        ),
        (
            "/can-i-deploy?pacticipant=Foo&version=1&environment=pr%00od",
            json!({"environment": ["environment Environment with name 'pr\u{0}od' does not exist"]}),
        ),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["errors"], errors, "{path}: {body}");
    }
    let (status, body) = app.get("/matrix/provider/B%00/consumer/Foo").await;
    assert_eq!(status, 404, "{body}");
    // gRPC the same way.
    let mut client = MatrixServiceClient::new(app.channel().await);
    let reply = client
        .can_i_deploy(pb::CanIDeployRequest {
            pacticipant: "Foo".into(),
            version: "\0".into(),
            destination: Some(pb::can_i_deploy_request::Destination::Environment(
                "prod".into(),
            )),
            ..Default::default()
        })
        .await
        .expect("CanIDeploy")
        .into_inner();
    assert_eq!(reply.summary.unwrap().deployable, Some(false));
}
