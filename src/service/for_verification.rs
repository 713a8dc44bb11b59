//! Pacts for verification: the pacts a provider version must verify, chosen
//! by consumer version selectors, with their pending status and the work
//! in progress pacts.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::{Broker, existing_pacticipant};
use crate::domain::names;
use crate::domain::selector::{Kind, Selector, SelectorInput};
use crate::domain::verifiable::{self, Matched, VerifiablePact};
use crate::error::{Result, Violations};
use crate::store::for_verification::{
    self as store, Candidate, Consumer, Group, Placement, VerifiedBy,
};
use crate::store::{Conn, environments};

/// What a provider asks for.
#[derive(Debug, Clone, Default)]
pub struct VerificationRequest {
    /// Empty: the default selectors.
    pub selectors: Vec<SelectorInput>,
    pub provider_version_branch: Option<String>,
    pub provider_version_tags: Vec<String>,
    /// `None`: not said, which means yes (the Pact Broker's default).
    pub include_pending_status: Option<bool>,
    pub include_wip_pacts_since: Option<DateTime<Utc>>,
}

/// The validated request.
struct Query {
    selectors: Vec<Selector>,
    branch: Option<String>,
    tags: Vec<String>,
    include_pending: bool,
    wip_since: Option<DateTime<Utc>>,
}

impl VerificationRequest {
    /// Checks everything that needs no database.
    fn validate(self) -> (Violations, Query) {
        let mut violations = Violations::default();
        // Only an explicit request for pending status makes a blank branch
        // an error: clients that send one without asking keep working.
        let wants_status =
            self.include_pending_status == Some(true) || self.include_wip_pacts_since.is_some();
        let branch = match self.provider_version_branch {
            Some(branch) if branch.is_empty() => {
                if self.provider_version_tags.is_empty() && wants_status {
                    violations.add("provider_version_branch", "when pending or WIP pacts are enabled and there are no tags provided, the provider version branch must not be an empty string, as it is used in the calculations for WIP/pending. A value must be provided (recommended), or it must not be set at all.");
                }
                None
            }
            Some(branch) => violations
                .check("provider_version_branch", names::branch(&branch).map(drop))
                .map(|()| branch),
            None => None,
        };
        for (i, tag) in self.provider_version_tags.iter().enumerate() {
            violations.check(
                &format!("provider_version_tags[{i}]"),
                names::single_line(tag).map(drop),
            );
        }
        let mut selectors = Vec::new();
        for (i, input) in self.selectors.iter().enumerate() {
            match input.validate(branch.as_deref()) {
                Ok(valid) => selectors.extend(valid),
                Err(messages) => {
                    for message in messages {
                        violations.add(
                            "consumer_version_selectors",
                            format!("{message} (at index {i})"),
                        );
                    }
                }
            }
        }
        let query = Query {
            selectors,
            branch,
            tags: self.provider_version_tags,
            include_pending: self.include_pending_status.unwrap_or(true),
            wip_since: self.include_wip_pacts_since,
        };
        (violations, query)
    }
}

impl Broker {
    /// Everything wrong with `request`, looking up the environments it
    /// names: for a transport that found problems of its own reading the
    /// request, so it reports every problem at once.
    pub async fn verification_request_problems(
        &self,
        request: &VerificationRequest,
    ) -> Result<Violations> {
        let (mut violations, _) = request.clone().validate();
        let mut conn = self.store.conn().await?;
        check_environments(&mut conn, &request.selectors, &mut violations).await?;
        Ok(violations)
    }

    /// The pacts `provider` must verify.
    pub async fn pacts_for_verification(
        &self,
        provider: &str,
        request: VerificationRequest,
    ) -> Result<Vec<VerifiablePact>> {
        let inputs = request.selectors.clone();
        let (mut violations, query) = request.validate();
        let lookback_days = self.settings().verified_by_other_branch_lookback_days;
        let mut conn = self.store.conn().await?;
        // One snapshot: a publication landing mid-request cannot make the
        // heads, the pending status and the WIP pacts disagree.
        conn.build_transaction()
            .read_only()
            .repeatable_read()
            .run(async |conn| {
                store::plan_for_the_values(conn).await?;
                check_environments(conn, &inputs, &mut violations).await?;
                violations.into_result()?;
                let provider = existing_pacticipant(conn, provider).await?;
                let consumers = store::consumers(conn, provider.id).await?;
                let selectors = if query.selectors.is_empty() {
                    default_selectors(&consumers)
                } else {
                    query.selectors.clone()
                };
                let chooser = Chooser {
                    lookback_days,
                    provider_id: provider.id,
                    provider: &provider.name,
                    consumers: &consumers,
                };
                let mut chosen = Vec::new();
                for group in same_query(&selectors) {
                    chosen.extend(chooser.choose(conn, &group).await?);
                }
                let mut pacts = verifiable::merge(chosen);
                if query.include_pending {
                    chooser.set_pending(conn, &mut pacts, &query).await?;
                }
                if let Some(since) = query.wip_since
                    && (query.branch.is_some() || !query.tags.is_empty())
                {
                    let wip = chooser.wip(conn, &pacts, &query, since).await?;
                    pacts.extend(wip);
                }
                Ok(pacts)
            })
            .await
    }
}

/// Environments named by selectors must exist.
async fn check_environments(
    conn: &mut Conn,
    inputs: &[SelectorInput],
    violations: &mut Violations,
) -> Result<()> {
    let named: Vec<String> = inputs
        .iter()
        .filter_map(|s| s.environment.clone())
        .collect();
    if named.is_empty() {
        return Ok(());
    }
    let known: HashSet<String> = environments::find_by_names(conn, &named)
        .await?
        .into_iter()
        .map(|e| e.name)
        .collect();
    for (i, input) in inputs.iter().enumerate() {
        if let Some(name) = &input.environment
            && !known.contains(name)
        {
            violations.add(
                "consumer_version_selectors",
                format!("Environment with name '{name}' does not exist (at index {i})"),
            );
        }
    }
    Ok(())
}

/// The Pact Broker's defaults: for each consumer, the head of its main
/// branch, else its latest version tagged with the main branch's name,
/// else its latest version; and every version deployed or released.
fn default_selectors(consumers: &[Consumer]) -> Vec<Selector> {
    let mut selectors: Vec<Selector> = consumers
        .iter()
        .map(|c| {
            let kind = match &c.main_branch {
                Some(_) if c.main_branch_exists => Kind::MainBranch,
                Some(main) if c.main_branch_tagged => Kind::LatestTag {
                    tag: main.clone(),
                    fallback: None,
                },
                _ => Kind::Latest,
            };
            Selector::for_consumer(kind, &c.name)
        })
        .collect();
    selectors.push(Selector::new(Kind::Deployed { environment: None }));
    selectors.push(Selector::new(Kind::Released { environment: None }));
    selectors
}

/// Groups selectors that one query answers: those of the same kind, and
/// for every-version-with-tag and deployed or released selectors, the same
/// tag or environment. The default selectors (one per consumer) then cost
/// a few queries, not a few per consumer.
fn same_query(selectors: &[Selector]) -> Vec<Vec<&Selector>> {
    let key = |s: &Selector| {
        let detail = match &s.kind {
            Kind::AllTag { tag } => Some(tag.clone()),
            Kind::Deployed { environment } | Kind::Released { environment } => environment.clone(),
            _ => None,
        };
        (std::mem::discriminant(&s.kind), detail)
    };
    let mut groups: Vec<Vec<&Selector>> = Vec::new();
    for selector in selectors {
        match groups.iter_mut().find(|g| key(g[0]) == key(selector)) {
            Some(group) => group.push(selector),
            None => groups.push(vec![selector]),
        }
    }
    groups
}

struct Chooser<'a> {
    /// Only verifications executed this many days back take a pact out of
    /// the work in progress pacts.
    lookback_days: u32,
    provider_id: i64,
    provider: &'a str,
    consumers: &'a [Consumer],
}

impl Chooser<'_> {
    /// The consumers a selector applies to.
    fn consumers_of(&self, selector: &Selector) -> Vec<&Consumer> {
        self.consumers
            .iter()
            .filter(|c| {
                selector
                    .consumer
                    .as_ref()
                    .is_none_or(|name| *name == c.name)
            })
            .collect()
    }

    fn pact(&self, selector: &Selector, candidate: Candidate, fallback: bool) -> VerifiablePact {
        let consumer = self
            .consumers
            .iter()
            .find(|c| c.id == candidate.consumer_id)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        VerifiablePact {
            consumer,
            provider: self.provider.to_owned(),
            consumer_version: candidate.consumer_version.clone(),
            consumer_version_id: candidate.consumer_version_id,
            content_id: candidate.pact_version_id,
            sha: candidate.sha,
            selectors: vec![Matched {
                selector: selector.clone(),
                consumer_version_id: candidate.consumer_version_id,
                consumer_version: candidate.consumer_version,
                label: candidate.label,
                fallback,
            }],
            pending: None,
            wip: false,
            pending_provider_tags: Vec::new(),
            non_pending_provider_tags: Vec::new(),
            provider_branch: None,
        }
    }

    /// The (consumer, branch or tag name) pairs a selector asks about:
    /// its own name, or each consumer's main branch.
    fn wanted(&self, selector: &Selector, name: Option<&str>) -> Vec<(i64, String)> {
        self.consumers_of(selector)
            .into_iter()
            .filter_map(|c| match (&selector.kind, name) {
                (Kind::MainBranch, _) => c.main_branch.clone().map(|b| (c.id, b)),
                (_, Some(name)) => Some((c.id, name.to_owned())),
                (_, None) => Some((c.id, String::new())),
            })
            .collect()
    }

    /// The pacts chosen by selectors that one query answers (see
    /// `same_query`): the query asks about every consumer and name they
    /// want, and each result goes to the selectors that wanted it.
    async fn choose(&self, conn: &mut Conn, group: &[&Selector]) -> Result<Vec<VerifiablePact>> {
        let first = group[0];
        let name = |s: &Selector| match &s.kind {
            Kind::Branch { name, .. } => Some(name.clone()),
            Kind::LatestTag { tag, .. } | Kind::AllTag { tag } => Some(tag.clone()),
            _ => None,
        };
        let mut wanted: Vec<(i64, String)> = Vec::new();
        for selector in group {
            for pair in self.wanted(selector, name(selector).as_deref()) {
                if !wanted.contains(&pair) {
                    wanted.push(pair);
                }
            }
        }
        let ids: Vec<i64> = wanted.iter().map(|(id, _)| *id).collect();
        let found = self.query(conn, &first.kind, &wanted, &ids).await?;
        let mut pacts = Vec::new();
        let mut fallbacks: Vec<(&Selector, (i64, String))> = Vec::new();
        for selector in group {
            let asked = self.wanted(selector, name(selector).as_deref());
            let matches = |c: &Candidate| {
                asked.iter().any(|(id, want)| {
                    *id == c.consumer_id
                        && (want.is_empty() || c.label.as_deref() == Some(want.as_str()))
                })
            };
            let mine: Vec<&Candidate> = found.iter().filter(|c| matches(c)).collect();
            // A fallback applies to each consumer the selector found nothing for.
            let fallback = match &selector.kind {
                Kind::Branch { fallback, .. } | Kind::LatestTag { fallback, .. } => {
                    fallback.as_deref()
                }
                _ => None,
            };
            if let Some(fallback) = fallback {
                for (id, _) in &asked {
                    if !mine.iter().any(|c| c.consumer_id == *id) {
                        fallbacks.push((selector, (*id, fallback.to_owned())));
                    }
                }
            }
            pacts.extend(
                mine.into_iter()
                    .map(|c| self.pact(selector, c.clone(), false)),
            );
        }
        if !fallbacks.is_empty() {
            let pairs: Vec<(i64, String)> = fallbacks.iter().map(|(_, p)| p.clone()).collect();
            let found = if matches!(first.kind, Kind::Branch { .. }) {
                store::branch_heads(conn, self.provider_id, &pairs).await?
            } else {
                store::tag_heads(conn, self.provider_id, &pairs).await?
            };
            for (selector, (id, name)) in &fallbacks {
                let hits = found
                    .iter()
                    .filter(|c| c.consumer_id == *id && c.label.as_deref() == Some(name.as_str()));
                pacts.extend(hits.map(|c| self.pact(selector, c.clone(), true)));
            }
        }
        Ok(pacts)
    }

    /// Runs the query of a kind of selector for these consumers and names.
    async fn query(
        &self,
        conn: &mut Conn,
        kind: &Kind,
        wanted: &[(i64, String)],
        ids: &[i64],
    ) -> Result<Vec<Candidate>> {
        let provider_id = self.provider_id;
        Ok(match kind {
            Kind::MainBranch | Kind::Branch { .. } => {
                store::branch_heads(conn, provider_id, wanted).await?
            }
            Kind::AllBranches => store::all_branch_heads(conn, provider_id, ids).await?,
            Kind::Latest => store::overall_latest(conn, provider_id, ids).await?,
            Kind::LatestTag { .. } => store::tag_heads(conn, provider_id, wanted).await?,
            Kind::AllTag { tag } => store::all_with_tag(conn, provider_id, ids, tag).await?,
            Kind::Deployed { environment } => {
                store::placed(
                    conn,
                    provider_id,
                    ids,
                    Placement::Deployed,
                    environment.as_deref(),
                )
                .await?
            }
            Kind::Released { environment } => {
                store::placed(
                    conn,
                    provider_id,
                    ids,
                    Placement::Released,
                    environment.as_deref(),
                )
                .await?
            }
        })
    }

    /// Marks each pact pending unless the provider has verified its content
    /// successfully: on the provider version branch, else with each of the
    /// provider version tags, else at all.
    async fn set_pending(
        &self,
        conn: &mut Conn,
        pacts: &mut [VerifiablePact],
        query: &Query,
    ) -> Result<()> {
        let ids: Vec<i64> = pacts.iter().map(|p| p.content_id).collect();
        let any = |group| VerifiedBy {
            group,
            include_wip: true,
            executed_since: None,
        };
        if let Some(branch) = &query.branch {
            let verified: HashSet<i64> = store::verified(
                conn,
                self.provider_id,
                &ids,
                any(Some(Group::Branch(branch))),
            )
            .await?
            .into_iter()
            .collect();
            for pact in pacts.iter_mut() {
                pact.pending = Some(!verified.contains(&pact.content_id));
                pact.provider_branch = Some(branch.clone());
            }
        } else if !query.tags.is_empty() {
            let mut verified_by_tag: HashMap<&str, HashSet<i64>> = HashMap::new();
            for tag in &query.tags {
                let verified =
                    store::verified(conn, self.provider_id, &ids, any(Some(Group::Tag(tag))))
                        .await?;
                verified_by_tag.insert(tag, verified.into_iter().collect());
            }
            for pact in pacts.iter_mut() {
                let (done, pending): (Vec<String>, Vec<String>) = query
                    .tags
                    .iter()
                    .cloned()
                    .partition(|tag| verified_by_tag[tag.as_str()].contains(&pact.content_id));
                pact.pending = Some(!pending.is_empty());
                pact.pending_provider_tags = pending;
                pact.non_pending_provider_tags = done;
            }
        } else {
            let verified: HashSet<i64> = store::verified(conn, self.provider_id, &ids, any(None))
                .await?
                .into_iter()
                .collect();
            for pact in pacts.iter_mut() {
                pact.pending = Some(!verified.contains(&pact.content_id));
            }
        }
        Ok(())
    }

    /// The work in progress pacts: pacts of branch and tag heads published
    /// since `since` that the selectors did not choose and that the provider
    /// branch (or each tag) has not verified outside work in progress.
    async fn wip(
        &self,
        conn: &mut Conn,
        explicit: &[VerifiablePact],
        query: &Query,
        since: DateTime<Utc>,
    ) -> Result<Vec<VerifiablePact>> {
        let chosen: HashSet<(&str, &str)> = explicit
            .iter()
            .map(|p| (p.consumer.as_str(), p.sha.as_str()))
            .collect();
        let candidates: Vec<VerifiablePact> = store::wip_candidates(conn, self.provider_id, since)
            .await?
            .into_iter()
            .map(|w| {
                let label = w.candidate.label.clone().unwrap_or_default();
                let kind = if w.is_branch {
                    Kind::Branch {
                        name: label,
                        fallback: None,
                    }
                } else {
                    Kind::LatestTag {
                        tag: label,
                        fallback: None,
                    }
                };
                self.pact(&Selector::new(kind), w.candidate, false)
            })
            .filter(|p| !chosen.contains(&(p.consumer.as_str(), p.sha.as_str())))
            .collect();
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = candidates.iter().map(|p| p.content_id).collect();
        // Branches only look back so far, so stale branches are not read;
        // tags count as they were when each result was published.
        let not_wip = |group| VerifiedBy {
            group: Some(group),
            include_wip: false,
            executed_since: matches!(group, Group::Branch(_))
                .then(|| Utc::now() - Duration::days(i64::from(self.lookback_days))),
        };
        let mut wip = Vec::new();
        let groups: Vec<(Group, Option<&String>)> = match &query.branch {
            Some(branch) => vec![(Group::Branch(branch), None)],
            None => query
                .tags
                .iter()
                .map(|t| (Group::TagWhenVerified(t), Some(t)))
                .collect(),
        };
        for (group, tag) in groups {
            let verified: HashSet<i64> =
                store::verified(conn, self.provider_id, &ids, not_wip(group))
                    .await?
                    .into_iter()
                    .collect();
            for pact in candidates
                .iter()
                .filter(|p| !verified.contains(&p.content_id))
            {
                let mut pact = pact.clone();
                pact.wip = true;
                pact.pending = Some(true);
                pact.provider_branch = query.branch.clone();
                pact.pending_provider_tags = tag.into_iter().cloned().collect();
                wip.push(pact);
            }
        }
        Ok(verifiable::merge(wip))
    }
}
