//! The Pact Broker's status badges, drawn as SVG by pactwire itself: the
//! latest pact's verification status, the matrix badge between two tags,
//! and the can-i-deploy and can-i-merge badges.
//!
//! Every badge path answers SVG whatever the Accept header (the Pact Broker
//! treats badge paths as API requests), and a `.svg` suffix is accepted as
//! the Pact Broker accepts it. A badge that cannot be drawn still answers
//! a badge, naming what is missing or the reference of the logged error,
//! so the image in a README never breaks.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde::Deserialize;

use super::routes::Routes;
use super::{AppState, Path, Query};
use crate::access::Rule;
use crate::domain::badge::{self, Badge, PactLabel};
use crate::error::Result;
use crate::links::paths;
use crate::service::PactSelector;
use crate::service::badges::PactBadge;
use crate::service::matrix::{DeployTarget, LatestVerdict, LatestVersion, RowWindow};

/// What the Pact Broker sends for every badge but a can-i-merge verdict.
const NO_CACHE: &str = "no-cache";

/// The verdict is all a badge needs, not the rows.
const NO_ROWS: RowWindow = RowWindow {
    offset: 0,
    limit: Some(0),
};

pub fn routes() -> Routes {
    let routes: [(&str, MethodRouter<AppState>); 7] = [
        (paths::LATEST_PACT_BADGE, get(latest_pact)),
        (paths::LATEST_TAGGED_PACT_BADGE, get(latest_tagged_pact)),
        (paths::LATEST_UNTAGGED_PACT_BADGE, get(latest_untagged_pact)),
        (paths::MATRIX_BADGE, get(matrix)),
        (
            paths::CAN_I_DEPLOY_TAG_TO_TAG_BADGE,
            get(can_i_deploy_to_tag),
        ),
        (
            paths::CAN_I_DEPLOY_BRANCH_TO_ENVIRONMENT_BADGE,
            get(can_i_deploy_to_environment),
        ),
        (paths::CAN_I_MERGE_BADGE, get(can_i_merge)),
    ];
    routes
        .into_iter()
        .fold(Routes::new(), |registered, (path, handler)| {
            registered
                .route_with(Rule::Badge, &format!("{path}.svg"), handler.clone())
                .route_with(Rule::Badge, path, handler)
        })
}

/// `?label=` and `?initials=true`, as the Pact Broker reads them: any other
/// value is no value.
#[derive(Deserialize)]
struct BadgeQuery {
    label: Option<String>,
    initials: Option<String>,
}

impl BadgeQuery {
    fn label(&self) -> Option<&str> {
        self.label.as_deref().filter(|l| !l.is_empty())
    }

    fn initials(&self) -> bool {
        self.initials.as_deref() == Some("true")
    }
}

async fn latest_pact(
    State(state): State<AppState>,
    Path((provider, consumer)): Path<(String, String)>,
    Query(query): Query<BadgeQuery>,
) -> Response {
    pact_badge(&state, &consumer, &provider, PactSelector::Latest, &query).await
}

async fn latest_tagged_pact(
    State(state): State<AppState>,
    Path((provider, consumer, tag)): Path<(String, String, String)>,
    Query(query): Query<BadgeQuery>,
) -> Response {
    pact_badge(&state, &consumer, &provider, PactSelector::Tag(tag), &query).await
}

async fn latest_untagged_pact(
    State(state): State<AppState>,
    Path((provider, consumer)): Path<(String, String)>,
    Query(query): Query<BadgeQuery>,
) -> Response {
    pact_badge(&state, &consumer, &provider, PactSelector::Untagged, &query).await
}

async fn pact_badge(
    state: &AppState,
    consumer: &str,
    provider: &str,
    which: PactSelector,
    query: &BadgeQuery,
) -> Response {
    let found = state.broker.pact_badge(consumer, provider, &which).await;
    let label = PactLabel {
        only: query.label(),
        initials: query.initials(),
        ..PactLabel::default()
    };
    draw(found.map(|found| (pact_of(&found, label), NO_CACHE)))
}

async fn matrix(
    State(state): State<AppState>,
    Path((provider, provider_tag, consumer, consumer_tag)): Path<(String, String, String, String)>,
    Query(query): Query<BadgeQuery>,
) -> Response {
    let found = state
        .broker
        .matrix_badge(&consumer, &consumer_tag, &provider, &provider_tag)
        .await;
    let label = PactLabel {
        only: query.label(),
        initials: query.initials(),
        consumer_tag: Some(&consumer_tag),
        provider_tag: Some(&provider_tag),
    };
    draw(found.map(|found| (pact_of(&found, label), NO_CACHE)))
}

fn pact_of(found: &PactBadge, label: PactLabel) -> Badge {
    let names = found
        .names
        .as_ref()
        .map(|(consumer, provider)| (consumer.as_str(), provider.as_str()));
    badge::pact(names, label, found.status)
}

async fn can_i_deploy_to_tag(
    State(state): State<AppState>,
    Path((pacticipant, tag, to)): Path<(String, String, String)>,
    Query(query): Query<BadgeQuery>,
) -> Response {
    let latest = (
        LatestVersion::Tag(tag.clone()),
        DeployTarget::Tag(to.clone()),
    );
    can_i_deploy(&state, &pacticipant, latest, query.label(), (&tag, &to)).await
}

async fn can_i_deploy_to_environment(
    State(state): State<AppState>,
    Path((pacticipant, branch, environment)): Path<(String, String, String)>,
    Query(query): Query<BadgeQuery>,
) -> Response {
    let latest = (
        LatestVersion::Branch(branch.clone()),
        DeployTarget::Environment(environment.clone()),
    );
    let names = (branch.as_str(), environment.as_str());
    can_i_deploy(&state, &pacticipant, latest, query.label(), names).await
}

/// The can-i-deploy badge of the `latest` version of `pacticipant` to its
/// target, which the badge calls `from` and `to`.
async fn can_i_deploy(
    state: &AppState,
    pacticipant: &str,
    (latest, target): (LatestVersion, DeployTarget),
    label: Option<&str>,
    (from, to): (&str, &str),
) -> Response {
    let verdict = state
        .broker
        .can_i_deploy_latest(pacticipant, latest, target, NO_ROWS)
        .await;
    draw(verdict.map(|verdict| match verdict {
        LatestVerdict::Answer(answer) => (
            badge::can_i_deploy(label, from, to, answer.summary.deployable),
            NO_CACHE,
        ),
        LatestVerdict::Missing(missing) => (badge::not_found(missing.what), NO_CACHE),
    }))
}

async fn can_i_merge(State(state): State<AppState>, Path(pacticipant): Path<String>) -> Response {
    let answer = state
        .broker
        .can_i_deploy_latest(
            &pacticipant,
            LatestVersion::MainBranch,
            DeployTarget::MainBranch,
            NO_ROWS,
        )
        .await;
    let cache = state.broker.settings().badge_default_cache_setting.as_str();
    draw(answer.map(|answer| match answer {
        // Only a verdict is cached, as in the Pact Broker.
        LatestVerdict::Answer(answer) => (badge::can_i_merge(answer.summary.deployable), cache),
        LatestVerdict::Missing(missing) => (badge::not_found(missing.what), NO_CACHE),
    }))
}

/// The badge and its Cache-Control header as an SVG response, or the
/// error badge when what it shows could not be found out.
fn draw(drawn: Result<(Badge, &str)>) -> Response {
    let (badge, cache_control) = drawn.unwrap_or_else(|err| {
        let reference = crate::error::log_with_reference("drawing a badge", &err);
        (badge::error(&reference), NO_CACHE)
    });
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, cache_control),
        ],
        badge.svg(),
    )
        .into_response()
}
