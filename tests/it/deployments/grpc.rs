//! Environments, deployments, undeployments, releases and ended support
//! over gRPC.

use super::*;

fn environment(name: &str) -> pb::Environment {
    pb::Environment {
        name: name.to_owned(),
        ..Default::default()
    }
}

fn field_of(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|bad| bad.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn grpc_manages_environments() {
    let app = TestApp::start().await;
    let mut client = app.deployments().await;
    let created = client
        .create_environment(pb::CreateEnvironmentRequest {
            environment: Some(pb::Environment {
                production: true,
                contacts: vec![pb::Contact {
                    name: "Ops".into(),
                    details: [("slack".to_owned(), "#ops".to_owned())].into(),
                }],
                ..environment("production")
            }),
        })
        .await
        .expect("created")
        .into_inner()
        .environment
        .unwrap();
    assert_eq!(created.display_name, "Production");
    assert!(!created.uuid.is_empty());
    let (_, rest) = app.get(&format!("/environments/{}", created.uuid)).await;
    assert_eq!(
        rest["contacts"],
        json!([{"name": "Ops", "details": {"slack": "#ops"}}])
    );

    let duplicate = client
        .create_environment(pb::CreateEnvironmentRequest {
            environment: Some(environment("production")),
        })
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists, "{duplicate:?}");
    for (bad, field) in [
        (environment("a b"), "environment.name"),
        (environment(""), "environment.name"),
        (
            pb::Environment {
                uuid: "a/b".into(),
                ..environment("x")
            },
            "environment.uuid",
        ),
    ] {
        let status = client
            .create_environment(pb::CreateEnvironmentRequest {
                environment: Some(bad),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert_eq!(field_of(&status), [field], "{status:?}");
    }
    assert_eq!(app.count("environments").await, 1);

    for name in ["test", "dev"] {
        client
            .create_environment(pb::CreateEnvironmentRequest {
                environment: Some(environment(name)),
            })
            .await
            .unwrap();
    }
    let page = client
        .list_environments(pb::ListEnvironmentsRequest {
            page_size: 2,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = page.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["dev", "production"]);
    let rest = client
        .list_environments(pb::ListEnvironmentsRequest {
            page_size: 2,
            page_token: page.next_page_token,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.environments[0].name, "test");
    assert!(rest.next_page_token.is_empty());

    let updated = client
        .update_environment(pb::UpdateEnvironmentRequest {
            environment: Some(pb::Environment {
                uuid: created.uuid.clone(),
                display_name: "Live".into(),
                ..environment("ignored")
            }),
            update_mask: vec!["display_name".into()],
        })
        .await
        .unwrap()
        .into_inner()
        .environment
        .unwrap();
    assert_eq!(updated.name, "production");
    assert_eq!(updated.display_name, "Live");
    assert!(updated.production);
    assert_eq!(updated.contacts.len(), 1);
    let taken = client
        .update_environment(pb::UpdateEnvironmentRequest {
            environment: Some(pb::Environment {
                uuid: created.uuid.clone(),
                ..environment("test")
            }),
            update_mask: vec!["name".into()],
        })
        .await
        .unwrap_err();
    assert_eq!(taken.code(), Code::AlreadyExists);

    let by_name = |name: &str| pb::GetEnvironmentRequest {
        key: Some(pb::get_environment_request::Key::Name(name.into())),
    };
    assert_eq!(
        client
            .get_environment(by_name("dev"))
            .await
            .unwrap()
            .into_inner()
            .environment
            .unwrap()
            .name,
        "dev"
    );
    client
        .delete_environment(pb::DeleteEnvironmentRequest {
            key: Some(pb::delete_environment_request::Key::Name("dev".into())),
        })
        .await
        .unwrap();
    let gone = client.get_environment(by_name("dev")).await.unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
}

#[tokio::test]
async fn grpc_records_deployments_undeployments_releases_and_support_ended() {
    let app = TestApp::start().await;
    let mut client = app.deployments().await;
    for name in ["test", "production"] {
        client
            .create_environment(pb::CreateEnvironmentRequest {
                environment: Some(environment(name)),
            })
            .await
            .unwrap();
    }
    for number in ["1", "2", "3"] {
        app.version("Foo", number).await;
    }
    let deploy = |number: &str, environment: &str, instance: &str| pb::RecordDeploymentRequest {
        pacticipant: "Foo".into(),
        version: number.into(),
        environment: environment.into(),
        application_instance: instance.into(),
    };

    let first = client
        .record_deployment(deploy("1", "test", ""))
        .await
        .unwrap()
        .into_inner();
    assert!(first.undeployed_versions.is_empty());
    let second = client
        .record_deployment(deploy("2", "test", ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        second
            .undeployed_versions
            .iter()
            .map(|d| d.version.as_str())
            .collect::<Vec<_>>(),
        ["1"]
    );
    assert!(!second.undeployed_versions[0].currently_deployed);
    assert!(second.undeployed_versions[0].undeploy_time.is_some());
    client
        .record_deployment(deploy("3", "test", "blue"))
        .await
        .unwrap();
    client
        .record_deployment(deploy("3", "production", ""))
        .await
        .unwrap();

    for (request, code, field) in [
        (deploy("9", "test", ""), Code::NotFound, None),
        (deploy("1", "nowhere", ""), Code::NotFound, None),
        (
            deploy("", "test", ""),
            Code::InvalidArgument,
            Some("version"),
        ),
        (
            deploy("1", "", ""),
            Code::InvalidArgument,
            Some("environment"),
        ),
        (
            deploy("1", "test", "a\nb"),
            Code::InvalidArgument,
            Some("application_instance"),
        ),
    ] {
        let status = client.record_deployment(request).await.unwrap_err();
        assert_eq!(status.code(), code, "{status:?}");
        if let Some(field) = field {
            assert_eq!(field_of(&status), [field], "{status:?}");
        }
    }
    assert_eq!(app.count("deployed_versions").await, 4);

    let list = |environment: &str, instance: Option<&str>, page_size: i32| {
        pb::ListCurrentlyDeployedVersionsRequest {
            environment: environment.into(),
            pacticipant: "Foo".into(),
            application_instance: instance.map(str::to_owned),
            page_size,
            ..Default::default()
        }
    };
    let versions = |r: pb::ListCurrentlyDeployedVersionsResponse| -> Vec<(String, String)> {
        r.deployed_versions
            .into_iter()
            .map(|d| (d.version, d.environment))
            .collect()
    };
    let all = client
        .list_currently_deployed_versions(list("", None, 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        versions(all),
        [
            ("3".into(), "production".into()),
            ("3".into(), "test".into()),
            ("2".into(), "test".into())
        ]
    );
    let unnamed = client
        .list_currently_deployed_versions(list("test", Some(""), 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(versions(unnamed), [("2".into(), "test".into())]);
    let page = client
        .list_currently_deployed_versions(list("", None, 2))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.deployed_versions.len(), 2);
    let next = client
        .list_currently_deployed_versions(pb::ListCurrentlyDeployedVersionsRequest {
            page_token: page.next_page_token,
            ..list("", None, 2)
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(versions(next), [("2".into(), "test".into())]);
    let unknown = client
        .list_currently_deployed_versions(list("nowhere", None, 0))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);

    let undeploy = |instance: &str| pb::RecordUndeploymentRequest {
        pacticipant: "Foo".into(),
        environment: "test".into(),
        application_instance: instance.into(),
    };
    let undeployed = client
        .record_undeployment(undeploy("blue"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undeployed.undeployed_versions[0].version, "3");
    assert_eq!(
        undeployed.undeployed_versions[0].application_instance,
        "blue"
    );
    let again = client
        .record_undeployment(undeploy("blue"))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::NotFound, "{again:?}");
    let left = client
        .list_currently_deployed_versions(list("test", None, 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(versions(left), [("2".into(), "test".into())]);

    let release = |number: &str| pb::RecordReleaseRequest {
        pacticipant: "Foo".into(),
        version: number.into(),
        environment: "production".into(),
    };
    let released = client
        .record_release(release("1"))
        .await
        .unwrap()
        .into_inner();
    assert!(released.created);
    assert!(
        !client
            .record_release(release("1"))
            .await
            .unwrap()
            .into_inner()
            .created
    );
    client.record_release(release("2")).await.unwrap();
    let supported = |version: &str| pb::ListCurrentlySupportedVersionsRequest {
        environment: "production".into(),
        pacticipant: "Foo".into(),
        version: version.into(),
        ..Default::default()
    };
    let listed = client
        .list_currently_supported_versions(supported(""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.released_versions.len(), 2);
    let ended = client
        .record_support_ended(pb::RecordSupportEndedRequest {
            pacticipant: "Foo".into(),
            version: "1".into(),
            environment: "production".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .released_version
        .unwrap();
    assert!(!ended.currently_supported);
    assert!(ended.support_end_time.is_some());
    let again = client
        .record_support_ended(pb::RecordSupportEndedRequest {
            pacticipant: "Foo".into(),
            version: "1".into(),
            environment: "production".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::NotFound);
    let listed = client
        .list_currently_supported_versions(supported(""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed
            .released_versions
            .iter()
            .map(|r| r.version.as_str())
            .collect::<Vec<_>>(),
        ["2"]
    );
    let one = client
        .list_currently_supported_versions(supported("2"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.released_versions.len(), 1);
}
