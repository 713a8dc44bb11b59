//! Publishing and fetching pacts: `POST /contracts/publish`, the legacy
//! `PUT /pacts/provider/{p}/consumer/{c}/version/{v}`, and the pact
//! resources by version, latest, tag, branch and content hash.

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde::Deserialize;

use super::error::document;
use super::hal::Base;
use super::routes::Routes;
use super::views::pacts::{
    LatestPactsView, PactVersionsView, PactView, ProviderPactsView, PublishedContractsView,
    pact_url,
};
use super::{AppState, JsonBody, PageQuery, Path, Query, RawBody, created_or_ok, hal_response};
use crate::domain::notice::{Notice, NoticeKind};
use crate::error::{Result, Violations};
use crate::links::paths;
use crate::service::{
    ConflictStrategy, ConsumerVersions, ContractInput, PactSelector, PublicationOutcome,
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

async fn publish_contracts(
    State(state): State<AppState>,
    base: Base,
    JsonBody(body): JsonBody<PublishBody>,
) -> Result<Response> {
    // Decoding megabytes of base64 is CPU work like parsing them.
    let input = state.broker.on_cpu(move || body.into_input()).await??;
    // The branch this request published to; the version may be on others.
    let branch = input.branch.clone();
    let result = state.broker.publish_contracts(input).await?;
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
    Ok(hal_response(
        StatusCode::OK,
        PublishedContractsView::new(&base, &result, branch, &notices),
    ))
}

async fn legacy_publish(
    state: &AppState,
    base: &Base,
    (provider, consumer, version): (String, String, String),
    body: Bytes,
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
        PactView::new(base, &pact, None)?,
    ))
}

async fn put_pact(
    State(state): State<AppState>,
    base: Base,
    Path(path): Path<(String, String, String)>,
    RawBody(body): RawBody,
) -> Result<Response> {
    legacy_publish(&state, &base, path, body, ConflictStrategy::Overwrite).await
}

async fn patch_pact(
    State(state): State<AppState>,
    base: Base,
    Path(path): Path<(String, String, String)>,
    RawBody(body): RawBody,
) -> Result<Response> {
    legacy_publish(&state, &base, path, body, ConflictStrategy::Merge).await
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
    Ok(hal_response(
        StatusCode::OK,
        PactView::new(base, &pact, metadata)?,
    ))
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
    let mut response = hal_response(StatusCode::OK, PactView::new(base, &pact, None)?);
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
/// consumer's versions on `branch` when given), at `href`.
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
    Ok(hal_response(
        StatusCode::OK,
        PactVersionsView::new(base, (provider, consumer), href, &listed),
    ))
}

async fn latest_pacts(
    State(state): State<AppState>,
    base: Base,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let listed = state.broker.list_latest_pacts(None, query.page()?).await?;
    Ok(hal_response(
        StatusCode::OK,
        LatestPactsView::new(&base, &listed),
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

/// The latest pact from `from` of each consumer of `provider`.
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
    Ok(hal_response(
        StatusCode::OK,
        ProviderPactsView::latest(base, provider, href, &from, &pacts),
    ))
}

/// Every pact of `provider` from its consumers' versions on `branch` (on
/// their main branches when `None`).
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
    Ok(hal_response(
        StatusCode::OK,
        ProviderPactsView::on_branch(base, provider, href, branch, &pacts),
    ))
}
