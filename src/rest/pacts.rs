//! Publishing and fetching pacts: `POST /contracts/publish`, the legacy
//! `PUT /pacts/provider/{p}/consumer/{c}/version/{v}`, and the pact
//! resources by version, latest, tag, branch and content hash.

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::document;
use super::hal::{self, Base};
use super::routes::Routes;
use super::{
    AppState, JsonBody, PageQuery, Path, Query, RawBody, created_or_ok, hal as respond, pagination,
};
use crate::domain::notice::{Notice, NoticeKind};
use crate::error::{Result, Violations};
use crate::links::paths;
use crate::service::{
    ConflictStrategy, ConsumerVersions, ContractInput, Pact, PactSelector, PublicationOutcome,
    PublishInput,
};

pub fn routes() -> Routes {
    Routes::new()
        .route(paths::PUBLISH_CONTRACTS, post(publish_contracts))
        .route(
            paths::PACT,
            document(
                get(by_version)
                    .put(put_pact)
                    .patch(patch_pact)
                    .delete(delete_pact),
            ),
        )
        .route(paths::LATEST_PACT, document(get(latest)))
        .route(paths::LATEST_TAGGED_PACT, document(get(latest_tagged)))
        .route(paths::LATEST_BRANCH_PACT, document(get(latest_on_branch)))
        .route(paths::PACT_VERSION, document(get(by_sha)))
        .route(
            paths::PACT_VERSION_WITH_METADATA,
            document(get(by_sha_with_metadata)),
        )
        .route(paths::PACT_VERSIONS, get(pair_versions))
        .route(paths::BRANCH_PACT_VERSIONS, get(pair_versions_on_branch))
        .route(paths::LATEST_PACTS, get(latest_pacts))
        .route(paths::PROVIDER_LATEST_PACTS, get(provider_latest_pacts))
        .route(
            paths::PROVIDER_LATEST_TAGGED_PACTS,
            get(provider_latest_tagged_pacts),
        )
        .route(
            paths::PROVIDER_LATEST_MAIN_BRANCH_PACTS,
            get(provider_latest_main_branch_pacts),
        )
        .route(
            paths::PROVIDER_LATEST_BRANCH_PACTS,
            get(provider_latest_branch_pacts),
        )
        .route(
            paths::PROVIDER_MAIN_BRANCH_PACTS,
            get(provider_main_branch_pacts),
        )
        .route(paths::PROVIDER_BRANCH_PACTS, get(provider_branch_pacts))
}

fn pact_url(base: &Base, p: &Pact) -> String {
    base.pact(&p.provider, &p.consumer, &p.consumer_version)
}

fn pact_version_url(base: &Base, p: &Pact) -> String {
    base.pact_version(&p.provider, &p.consumer, &p.sha)
}

fn pact_title(p: &Pact) -> String {
    format!(
        "Pact between {} ({}) and {}",
        p.consumer, p.consumer_version, p.provider
    )
}

/// The pact document with `createdAt` and the pact resource's `_links`.
/// `metadata` is the segment of the URL the pact was fetched by, carried
/// into the link results are published to.
fn pact_json(base: &Base, p: &Pact, metadata: Option<&str>) -> Result<Value> {
    let mut doc: Map<String, Value> =
        serde_json::from_str(&p.content).map_err(anyhow::Error::from)?;
    doc.insert("createdAt".into(), Value::String(hal::time(p.created_at)));
    doc.insert(
        "_links".into(),
        json!({
            "self": hal::named(pact_url(base, p), "Pact", &pact_title(p)),
            "pb:consumer": hal::named(base.pacticipant(&p.consumer), "Consumer", &p.consumer),
            "pb:consumer-version": hal::named(base.version(&p.consumer, &p.consumer_version), "Consumer version", &p.consumer_version),
            "pb:provider": hal::named(base.pacticipant(&p.provider), "Provider", &p.provider),
            "pb:pact-version": hal::named(pact_version_url(base, p), "Pact content version permalink", &p.sha),
            "pb:latest-pact-version": hal::titled(base.latest_pact(&p.provider, &p.consumer), "Latest version of this pact"),
            "pb:all-pact-versions": hal::titled(base.pact_versions(&p.provider, &p.consumer), "All versions of this pact"),
            "pb:publish-verification-results": hal::titled(base.verification_results(&p.provider, &p.consumer, &p.sha, metadata), "Publish verification results"),
            "pb:latest-verification-results": hal::link(base.latest_verification_result(&p.provider, &p.consumer, &p.sha)),
            "pb:latest-tagged-pact-version": hal::templated(base.template(paths::LATEST_TAGGED_PACT, &[&p.provider, &p.consumer]), "Latest version of this pact for a given consumer version tag"),
            "curies": hal::curies(base),
        }),
    );
    Ok(Value::Object(doc))
}

/// `POST /contracts/publish` body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishBody {
    #[serde(default)]
    pacticipant_name: String,
    #[serde(default)]
    pacticipant_version_number: String,
    branch: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    build_url: Option<String>,
    #[serde(default)]
    contracts: Vec<ContractBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContractBody {
    #[serde(default)]
    consumer_name: String,
    #[serde(default)]
    provider_name: String,
    #[serde(default)]
    specification: String,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    content: String,
    on_conflict: Option<String>,
}

impl PublishBody {
    /// Decodes the base64 contents and conflict strategies; the service
    /// validates the rest.
    fn into_input(self) -> Result<PublishInput> {
        let mut violations = Violations::default();
        let mut contracts = Vec::with_capacity(self.contracts.len());
        for (i, c) in self.contracts.into_iter().enumerate() {
            let content = violations.check(
                &format!("contracts[{i}].content"),
                STANDARD
                    .decode(c.content.trim())
                    .map_err(|err| format!("is not valid base64: {err}")),
            );
            let on_conflict = violations.check(
                &format!("contracts[{i}].onConflict"),
                match c.on_conflict.as_deref() {
                    None | Some("overwrite") => Ok(ConflictStrategy::Overwrite),
                    Some("merge") => Ok(ConflictStrategy::Merge),
                    Some(other) => Err(format!("must be 'overwrite' or 'merge', not '{other}'")),
                },
            );
            if let (Some(content), Some(on_conflict)) = (content, on_conflict) {
                contracts.push(ContractInput {
                    consumer_name: c.consumer_name,
                    provider_name: c.provider_name,
                    specification: c.specification,
                    content_type: c.content_type,
                    content,
                    on_conflict,
                });
            }
        }
        violations.into_result()?;
        Ok(PublishInput {
            pacticipant_name: self.pacticipant_name,
            pacticipant_version_number: self.pacticipant_version_number,
            branch: self.branch,
            tags: self.tags,
            build_url: self.build_url,
            contracts,
        })
    }
}

fn notice_json(n: &Notice) -> Value {
    json!({ "type": n.kind.as_str(), "text": n.text })
}

async fn publish_contracts(
    State(state): State<AppState>,
    base: Base,
    JsonBody(body): JsonBody<PublishBody>,
) -> Result<Response> {
    let input = body.into_input()?;
    // The branch this request published to; the version may be on others.
    let branch = input.branch.clone();
    let result = state.broker.publish_contracts(input).await?;
    let version = &result.version;
    let consumer = version.pacticipant.as_str();
    let version_url = base.version(consumer, &version.number);

    // The service's notices plus where to find each pact.
    let mut notices = vec![result.version_notice.clone()];
    for contract in &result.contracts {
        notices.push(contract.notice.clone());
        notices.push(Notice::new(
            NoticeKind::Info,
            format!(
                "View the published pact at {}",
                pact_url(&base, &contract.pact)
            ),
        ));
    }
    let levels = notices
        .iter()
        .map(|n| {
            json!({
                "level": match n.kind { NoticeKind::Error | NoticeKind::Danger => "error", NoticeKind::Warning => "warn", NoticeKind::Debug => "debug", _ => "info" },
                "message": n.text,
                "deprecationWarning": "Replaced by notices",
            })
        })
        .collect::<Vec<_>>();
    let mut version_json = json!({
        "number": version.number,
        "_links": { "self": hal::named(version_url.clone(), "Version", &version.number) },
    });
    if let Some(branch) = branch {
        version_json["branch"] = json!(branch);
    }
    if let Some(url) = &version.build_url {
        version_json["buildUrl"] = json!(url);
    }
    let body = json!({
        "notices": notices.iter().map(notice_json).collect::<Vec<_>>(),
        "logs": levels,
        "_embedded": {
            "pacticipant": {
                "name": consumer,
                "_links": { "self": hal::link(base.pacticipant(consumer)) },
            },
            "version": version_json,
        },
        "_links": {
            "pb:pacticipant": hal::named(base.pacticipant(consumer), "Pacticipant", consumer),
            "pb:pacticipant-version": hal::named(version_url, "Pacticipant version", &version.number),
            "pb:pacticipant-version-tags": version.tags.iter().map(|t| {
                hal::named(base.tag(consumer, &version.number, &t.name), "Tag", &t.name)
            }).collect::<Vec<_>>(),
            "pb:contracts": result.contracts.iter().map(|c| {
                hal::named(pact_url(&base, &c.pact), "Pact", &pact_title(&c.pact))
            }).collect::<Vec<_>>(),
        },
    });
    Ok(respond(StatusCode::OK, body))
}

async fn legacy_publish(
    state: &AppState,
    base: &Base,
    (provider, consumer, version): (String, String, String),
    body: &[u8],
    strategy: ConflictStrategy,
) -> Result<Response> {
    let (pact, outcome) = state
        .broker
        .publish_pact(&consumer, &provider, &version, body, strategy)
        .await?;
    let created = outcome == PublicationOutcome::Created;
    Ok(created_or_ok(
        created,
        pact_url(base, &pact),
        pact_json(base, &pact, None)?,
    ))
}

async fn put_pact(
    State(state): State<AppState>,
    base: Base,
    Path(path): Path<(String, String, String)>,
    RawBody(body): RawBody,
) -> Result<Response> {
    legacy_publish(&state, &base, path, &body, ConflictStrategy::Overwrite).await
}

async fn patch_pact(
    State(state): State<AppState>,
    base: Base,
    Path(path): Path<(String, String, String)>,
    RawBody(body): RawBody,
) -> Result<Response> {
    legacy_publish(&state, &base, path, &body, ConflictStrategy::Merge).await
}

async fn fetch(
    state: &AppState,
    base: &Base,
    provider: &str,
    consumer: &str,
    selector: PactSelector,
) -> Result<Response> {
    fetch_with_metadata(state, base, provider, consumer, selector, None).await
}

async fn fetch_with_metadata(
    state: &AppState,
    base: &Base,
    provider: &str,
    consumer: &str,
    selector: PactSelector,
    metadata: Option<&str>,
) -> Result<Response> {
    let pact = state.broker.get_pact(consumer, provider, &selector).await?;
    Ok(respond(StatusCode::OK, pact_json(base, &pact, metadata)?))
}

async fn by_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, v)): Path<(String, String, String)>,
) -> Result<Response> {
    fetch(&state, &base, &p, &c, PactSelector::ConsumerVersion(v)).await
}

async fn delete_pact(
    State(state): State<AppState>,
    Path((p, c, v)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    state.broker.delete_pact(&c, &p, &v).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A latest pact, with the consumer version it is from in
/// `X-Pact-Consumer-Version`, as the Pact Broker's latest pact resource
/// answers (`api/resources/latest_pact.rb`).
async fn fetch_latest(
    state: &AppState,
    base: &Base,
    provider: &str,
    consumer: &str,
    selector: PactSelector,
) -> Result<Response> {
    let pact = state.broker.get_pact(consumer, provider, &selector).await?;
    let mut response = respond(StatusCode::OK, pact_json(base, &pact, None)?);
    if let Ok(version) = HeaderValue::from_str(&pact.consumer_version) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-pact-consumer-version"), version);
    }
    Ok(response)
}

async fn latest(
    State(state): State<AppState>,
    base: Base,
    Path((p, c)): Path<(String, String)>,
) -> Result<Response> {
    fetch_latest(&state, &base, &p, &c, PactSelector::Latest).await
}

async fn latest_tagged(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, t)): Path<(String, String, String)>,
) -> Result<Response> {
    fetch_latest(&state, &base, &p, &c, PactSelector::Tag(t)).await
}

async fn latest_on_branch(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, b)): Path<(String, String, String)>,
) -> Result<Response> {
    fetch_latest(&state, &base, &p, &c, PactSelector::Branch(b)).await
}

async fn by_sha(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, sha)): Path<(String, String, String)>,
) -> Result<Response> {
    fetch(&state, &base, &p, &c, PactSelector::Sha(sha)).await
}

async fn by_sha_with_metadata(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, sha, metadata)): Path<(String, String, String, String)>,
) -> Result<Response> {
    fetch_with_metadata(
        &state,
        &base,
        &p,
        &c,
        PactSelector::Sha(sha),
        Some(&metadata),
    )
    .await
}

/// A pact in `/pacts/latest`: whose it is, linked by its latest URL and by
/// its version, as the Pact Broker's latest pact decorator renders it.
fn latest_pact_summary(base: &Base, p: &Pact) -> Value {
    json!({
        "_embedded": {
            "consumer": { "name": p.consumer, "_embedded": { "version": { "number": p.consumer_version } }, "_links": { "self": hal::link(base.pacticipant(&p.consumer)) } },
            "provider": { "name": p.provider, "_links": { "self": hal::link(base.pacticipant(&p.provider)) } },
        },
        "createdAt": hal::time(p.created_at),
        "_links": { "self": [hal::link(base.latest_pact(&p.provider, &p.consumer)), hal::link(pact_url(base, p))] },
    })
}

async fn pair_versions(
    State(state): State<AppState>,
    base: Base,
    Path((p, c)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let href = base.pact_versions(&p, &c);
    pact_versions(&state, &base, (&p, &c), href, None, query).await
}

async fn pair_versions_on_branch(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, b)): Path<(String, String, String)>,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let href = base.branch_pact_versions(&p, &c, &b);
    pact_versions(&state, &base, (&p, &c), href, Some(&b), query).await
}

/// A page of the pacts between a provider and a consumer (from the
/// consumer's versions on `branch` when given), at `href`, as the Pact
/// Broker's pact versions decorator renders them
/// (`api/decorators/pact_versions_decorator.rb`), and `pb:pacts` beside.
async fn pact_versions(
    state: &AppState,
    base: &Base,
    (provider, consumer): (&str, &str),
    href: String,
    branch: Option<&str>,
    query: PageQuery,
) -> Result<Response> {
    let listed = state
        .broker
        .list_pact_versions(consumer, provider, branch, query.page()?)
        .await?;
    let (page, mut links) = pagination(&href, listed.page, listed.total);
    links["self"] = hal::titled(
        href,
        &format!("All versions of the pact between {consumer} and {provider}"),
    );
    links["consumer"] = hal::named(base.pacticipant(consumer), "Consumer", consumer);
    links["provider"] = hal::named(base.pacticipant(provider), "Provider", provider);
    links["pact-versions"] = Value::Array(
        listed
            .items
            .iter()
            .map(|pact| {
                let name = format!(
                    "Version {} - {}",
                    pact.consumer_version,
                    pact.created_at.format("%d/%m/%Y")
                );
                hal::named(pact_url(base, pact), "Pact", &name)
            })
            .collect(),
    );
    links["pb:pacts"] = Value::Array(
        listed
            .items
            .iter()
            .map(|pact| hal::named(pact_url(base, pact), "Pact", &pact_title(pact)))
            .collect(),
    );
    let pacts: Vec<Value> = listed
        .items
        .iter()
        .map(|pact| {
            let version_url = base.version(consumer, &pact.consumer_version);
            json!({
                "createdAt": hal::time(pact.created_at),
                "_embedded": { "consumerVersion": {
                    "number": pact.consumer_version,
                    "_links": { "self": hal::named(version_url, "Version", &pact.consumer_version) },
                } },
                "_links": { "self": hal::titled(pact_url(base, pact), &pact_title(pact)) },
            })
        })
        .collect();
    Ok(respond(
        StatusCode::OK,
        json!({ "_embedded": { "pacts": pacts }, "_links": links, "page": page }),
    ))
}

async fn latest_pacts(
    State(state): State<AppState>,
    base: Base,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let listed = state.broker.list_latest_pacts(None, query.page()?).await?;
    let href = base.latest_pacts();
    let (page, mut links) = pagination(&href, listed.page, listed.total);
    links["self"] = hal::link(href);
    // The latest pact URL of each integration, under `pb:pacts` and the
    // deprecated `pacts` that older clients still read.
    let latest_link = |pact: &Pact| {
        let title = format!(
            "Latest pact between {} and {}",
            pact.consumer, pact.provider
        );
        (base.latest_pact(&pact.provider, &pact.consumer), title)
    };
    links["pb:pacts"] = Value::Array(
        listed
            .items
            .iter()
            .map(|pact| {
                let (href, title) = latest_link(pact);
                hal::titled(href, &title)
            })
            .collect(),
    );
    links["pacts"] = Value::Array(
        listed
            .items
            .iter()
            .map(|pact| {
                let (href, title) = latest_link(pact);
                hal::named(
                    href,
                    &title,
                    "DEPRECATED - please use the pb:pacts relation",
                )
            })
            .collect(),
    );
    Ok(respond(
        StatusCode::OK,
        json!({
            "pacts": listed.items.iter().map(|pact| latest_pact_summary(&base, pact)).collect::<Vec<_>>(),
            "_links": links,
            "page": page,
        }),
    ))
}

/// The latest pact of each consumer of a provider.
async fn provider_latest_pacts(
    State(state): State<AppState>,
    base: Base,
    Path(provider): Path<String>,
) -> Result<Response> {
    let href = base.provider_latest_pacts(&provider);
    latest_for_provider(&state, &base, &provider, href, ConsumerVersions::All).await
}

async fn provider_latest_tagged_pacts(
    State(state): State<AppState>,
    base: Base,
    Path((provider, tag)): Path<(String, String)>,
) -> Result<Response> {
    let href = base.provider_latest_tagged_pacts(&provider, &tag);
    let from = ConsumerVersions::Tag(tag.clone());
    latest_for_provider(&state, &base, &provider, href, from).await
}

async fn provider_latest_main_branch_pacts(
    State(state): State<AppState>,
    base: Base,
    Path(provider): Path<String>,
) -> Result<Response> {
    let href = base.provider_latest_main_branch_pacts(&provider);
    let from = ConsumerVersions::MainBranch;
    latest_for_provider(&state, &base, &provider, href, from).await
}

async fn provider_latest_branch_pacts(
    State(state): State<AppState>,
    base: Base,
    Path((provider, branch)): Path<(String, String)>,
) -> Result<Response> {
    let href = base.provider_latest_branch_pacts(&provider, &branch);
    let from = ConsumerVersions::Branch(branch.clone());
    latest_for_provider(&state, &base, &provider, href, from).await
}

async fn provider_main_branch_pacts(
    State(state): State<AppState>,
    base: Base,
    Path(provider): Path<String>,
) -> Result<Response> {
    let href = base.provider_main_branch_pacts(&provider);
    on_branch_for_provider(&state, &base, &provider, href, None).await
}

async fn provider_branch_pacts(
    State(state): State<AppState>,
    base: Base,
    Path((provider, branch)): Path<(String, String)>,
) -> Result<Response> {
    let href = base.provider_branch_pacts(&provider, &branch);
    on_branch_for_provider(&state, &base, &provider, href, Some(&branch)).await
}

/// The latest pact from `from` of each consumer of `provider`, titled as
/// the Pact Broker's resources (`latest_provider_pacts.rb`,
/// `latest_provider_pacts_for_branch.rb`).
async fn latest_for_provider(
    state: &AppState,
    base: &Base,
    provider: &str,
    href: String,
    from: ConsumerVersions,
) -> Result<Response> {
    let pacts = state
        .broker
        .latest_pacts_for_provider(provider, &from)
        .await?;
    let suffix = match &from {
        ConsumerVersions::Tag(tag) => format!(" with consumer version tag '{tag}'"),
        ConsumerVersions::Branch(branch) => format!(" with consumer version branch '{branch}'"),
        ConsumerVersions::All | ConsumerVersions::MainBranch => String::new(),
    };
    let title = format!("Latest pact versions for the provider {provider}{suffix}");
    Ok(respond(
        StatusCode::OK,
        provider_pacts_json(base, provider, href, &title, &pacts),
    ))
}

/// Every pact of `provider` from its consumers' versions on `branch` (on
/// their main branches when `None`), titled as the Pact Broker's resource
/// (`provider_pacts_for_consumer_branch.rb`).
async fn on_branch_for_provider(
    state: &AppState,
    base: &Base,
    provider: &str,
    href: String,
    branch: Option<&str>,
) -> Result<Response> {
    let pacts = state
        .broker
        .pacts_for_provider_on_branch(provider, branch)
        .await?;
    let suffix = branch
        .map(|branch| format!(" with consumer version branch '{branch}'"))
        .unwrap_or_default();
    let title = format!("All pact versions for the provider {provider}{suffix}");
    Ok(respond(
        StatusCode::OK,
        provider_pacts_json(base, provider, href, &title, &pacts),
    ))
}

/// Pacts of a provider as the Pact Broker lists them
/// (`api/decorators/provider_pacts_decorator.rb`): the `pb:` relations and
/// the deprecated `provider` and `pacts` that older clients read (the Rust
/// verifier iterates `pacts`).
fn provider_pacts_json(
    base: &Base,
    provider: &str,
    href: String,
    title: &str,
    pacts: &[Pact],
) -> Value {
    let provider_url = base.pacticipant(provider);
    let links = |title: &dyn Fn(&Pact) -> String| {
        pacts
            .iter()
            .map(|pact| hal::named(pact_url(base, pact), &title(pact), &pact.consumer))
            .collect::<Vec<_>>()
    };
    json!({
        "_links": {
            "self": hal::titled(href, title),
            "pb:provider": hal::named(provider_url.clone(), "Provider", provider),
            "pb:pacts": links(&pact_title),
            "provider": hal::named(provider_url, provider, "DEPRECATED - please use the pb:provider relation"),
            "pacts": links(&|pact| format!("DEPRECATED - please use the pb:pacts relation. {}", pact_title(pact))),
        },
    })
}
