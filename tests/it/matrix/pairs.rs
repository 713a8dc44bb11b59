//! The matrix of one pair, `/matrix/provider/{p}/consumer/{c}`, and
//! `latestby`.

use super::*;

#[tokio::test]
async fn the_pair_matrix_and_latestby() {
    let app = TestApp::start().await;
    let sha1 = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .branch("main")
        .await
        .sha;
    let sha2 = app
        .publish(pact_about("Foo", "Bar", "b"))
        .version("2")
        .branch("main")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha1).by("10").await;
    app.verify("Foo", "Bar", &sha1)
        .by("11")
        .success(false)
        .await;
    app.verify("Foo", "Bar", &sha2).by("11").await;

    let rows = |body: &Value| -> Vec<(String, String, Value)> {
        body["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["consumer"]["version"]["number"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    r["provider"]["version"]["number"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                    r["verificationResult"]["success"].clone(),
                )
            })
            .collect()
    };
    let (status, body) = app.get("/matrix/provider/Bar/consumer/Foo").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        rows(&body),
        [
            ("2".into(), "11".into(), json!(true)),
            ("1".into(), "11".into(), json!(false)),
            ("1".into(), "10".into(), json!(true)),
        ]
    );
    assert_eq!(body["matrix"][0]["consumer"]["version"]["branch"], "main");
    assert_eq!(
        body["matrix"][0]["consumer"]["version"]["branchVersions"][0]["latest"],
        true
    );
    assert_eq!(
        body["matrix"][1]["consumer"]["version"]["branchVersions"][0]["latest"],
        false
    );

    let (_, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][pacticipant]=Bar&latestby=cvp")
        .await;
    assert_eq!(
        rows(&body),
        [
            ("2".into(), "11".into(), json!(true)),
            ("1".into(), "11".into(), json!(false))
        ]
    );
    let (_, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][pacticipant]=Bar&latestby=cp")
        .await;
    // One row for the pair: the newest provider version's, and of its
    // rows the newest consumer version's.
    assert_eq!(rows(&body), [("2".into(), "11".into(), json!(true))]);
    // success[] filters the rows shown.
    let (_, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][pacticipant]=Bar&latestby=cvpv&success[]=false")
        .await;
    assert_eq!(rows(&body), [("1".into(), "11".into(), json!(false))]);
    // One selector with the latest of the others, as the Ruby CLI asks
    // when no environment is given.
    let (_, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][version]=2&latestby=cvp&latest=true")
        .await;
    assert_eq!(body["summary"]["deployable"], true, "{body}");
    assert!(
        body["summary"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("WARN: It is recommended to specify the environment")
    );
    // To the head of Bar's main branch, Bar 11, which verified Foo 2.
    let (status, _) = app
        .send(
            reqwest::Method::PATCH,
            "/pacticipants/Bar",
            &json!({"mainBranch": "main"}),
        )
        .await;
    assert_eq!(status, 200);
    for number in ["10", "11"] {
        let (status, body) = app
            .put(
                &format!("/pacticipants/Bar/branches/main/versions/{number}"),
                &json!({}),
            )
            .await;
        assert!(status == 200 || status == 201, "{body}");
    }
    let (_, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][branch]=main&q[][latest]=true&latestby=cvp&mainBranch=true&latest=true")
        .await;
    assert_eq!(body["summary"]["deployable"], true, "{body}");
    assert_eq!(rows(&body), [("2".into(), "11".into(), json!(true))]);
    assert_eq!(
        body["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["text"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "WARN: It is recommended to specify the version number (rather than the tag or branch) of the pacticipant you wish to deploy to avoid race conditions. Without a version number, this result will not be reliable.",
            "All required verification results are published and successful",
        ],
        "{body}"
    );
}

/// Like the Pact Broker, the pair matrix keeps every row unless a
/// latestby is given: each verification, even several by one provider
/// version.
#[tokio::test]
async fn the_pair_matrix_shows_every_verification() {
    let app = TestApp::start().await;
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").success(false).await;
    app.verify("Foo", "Bar", &sha).by("10").await;
    let results = |body: &Value| -> Vec<(Value, Value)> {
        body["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["provider"]["version"]["number"].clone(),
                    r["verificationResult"]["success"].clone(),
                )
            })
            .collect()
    };
    let (status, body) = app.get("/matrix/provider/Bar/consumer/Foo").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        results(&body),
        [(json!("10"), json!(true)), (json!("10"), json!(false))],
        "{body}"
    );
    let (_, body) = app
        .get("/matrix/provider/Bar/consumer/Foo?latestby=cvpv")
        .await;
    assert_eq!(results(&body), [(json!("10"), json!(true))], "{body}");
}
