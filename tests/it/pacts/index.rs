//! The index, `GET /`, with and without a base URL.

use super::*;

#[tokio::test]
async fn index_lists_the_relations_with_the_base_url() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    let (status, body) = app.get("/").await;
    assert_eq!(status, 200, "{body}");
    insta::assert_json_snapshot!(body);
}

#[tokio::test]
async fn index_hrefs_use_the_request_host_without_a_base_url() {
    let app = TestApp::start().await;
    let (status, body) = app.get("/").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        link(&body, "pb:publish-contracts"),
        format!("{}/contracts/publish", app.base)
    );
    assert_eq!(link(&body, "self"), format!("{}/", app.base));

    let (status, _, body) = raw(
        &app,
        reqwest::Method::GET,
        "/",
        &[("host", "broker.internal:8080")],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        link(&body, "pb:publish-contracts"),
        "http://broker.internal:8080/contracts/publish"
    );
    for (relation, l) in body["_links"].as_object().unwrap() {
        let hrefs: Vec<&str> = match l {
            Value::Array(items) => items.iter().map(|i| i["href"].as_str().unwrap()).collect(),
            _ => vec![l["href"].as_str().unwrap()],
        };
        for href in hrefs {
            assert!(
                href.starts_with("http://broker.internal:8080/"),
                "{relation}: {href}"
            );
        }
    }

    // Hrefs in other resources follow the Host header too.
    let content = pact("Foo", "Bar", vec![interaction("a thing", "/t")]);
    let (status, _, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &[
            ("host", "broker.internal:8080"),
            ("content-type", "application/json"),
        ],
        Some(&publish_body("1", vec![contract("Foo", "Bar", &content)]).to_string()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["_links"]["pb:contracts"][0]["href"],
        "http://broker.internal:8080/pacts/provider/Bar/consumer/Foo/version/1"
    );
}
