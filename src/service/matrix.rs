//! The matrix and can-i-deploy: resolve the selectors, find the
//! integrations of the specified versions, infer the versions of the other
//! pacticipants at the destination, read the rows, and draw the verdict
//! over all of them. A row limit only trims the rows returned.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Broker;
use crate::domain::matrix::{
    self, Destination, Integration, LatestBy, Resolution, ResolvedSelector, Row, SelectorKind,
    Summary, VersionRef, VersionSelector,
};
use crate::domain::names;
use crate::error::{Result, Violations};
use crate::store::matrix::{self as store, RowScope};
use crate::store::models::PacticipantRow;
use crate::store::{Conn, pacticipants as pacticipant_store, versions as version_store};

/// A matrix query, as the Pact Broker's `/matrix` takes it.
#[derive(Debug, Clone, Default)]
pub struct MatrixQuery {
    pub selectors: Vec<VersionSelector>,
    pub latest_by: Option<LatestBy>,
    pub destination: Option<Destination>,
    pub ignore: Vec<VersionSelector>,
    /// Keep only rows whose verification result is one of these (`None`:
    /// no verification).
    pub success: Option<Vec<Option<bool>>>,
    /// Whether the `success` filter also decides which rows the summary
    /// counts, as the Pact Broker's `/matrix` does; otherwise the summary
    /// covers every row and the filter only chooses the rows returned.
    pub summary_after_success_filter: bool,
}

/// Where can-i-deploy checks a version against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployTarget {
    Tag(String),
    Environment(String),
    MainBranch,
}

impl MatrixQuery {
    /// The query `can-i-deploy` stands for: `cvp` to a tag or main branch,
    /// `cvpv` to an environment so every co-resident version is checked.
    pub fn can_i_deploy(
        selector: VersionSelector,
        target: DeployTarget,
        ignore: Vec<VersionSelector>,
    ) -> MatrixQuery {
        let (latest_by, destination) = match target {
            DeployTarget::Tag(tag) => (LatestBy::Cvp, Destination::Tag { tag, latest: true }),
            DeployTarget::Environment(name) => (LatestBy::Cvpv, Destination::Environment(name)),
            DeployTarget::MainBranch => (LatestBy::Cvp, Destination::MainBranch { latest: true }),
        };
        MatrixQuery {
            selectors: vec![selector],
            latest_by: Some(latest_by),
            destination: Some(destination),
            ignore,
            success: None,
            summary_after_success_filter: false,
        }
    }
}

/// A row and whether an ignore selector covers it.
#[derive(Debug, Clone)]
pub struct ShownRow {
    pub row: Row,
    pub ignored: bool,
}

/// The verdict over every row, and the rows asked for.
#[derive(Debug, Clone)]
pub struct MatrixAnswer {
    pub summary: Summary,
    /// Considered rows then ignored rows, from `offset`, at most `limit`.
    pub rows: Vec<ShownRow>,
    /// Every row, considered and ignored.
    pub total: usize,
    /// What the shown rows show of their versions.
    pub details: VersionDetails,
}

/// What the shown rows show of their versions.
#[derive(Debug, Clone, Default)]
pub struct VersionDetails {
    pub branches: Vec<VersionBranch>,
    pub tags: Vec<VersionTag>,
    pub environments: Vec<VersionEnvironment>,
}

/// A branch a version is on.
#[derive(Debug, Clone)]
pub struct VersionBranch {
    pub version_id: i64,
    pub name: String,
    /// The version is the branch's head.
    pub latest: bool,
}

/// A tag of a version.
#[derive(Debug, Clone)]
pub struct VersionTag {
    pub version_id: i64,
    pub name: String,
    /// No newer version of the pacticipant has the tag.
    pub latest: bool,
}

/// An environment a version is currently deployed or released to.
#[derive(Debug, Clone)]
pub struct VersionEnvironment {
    pub version_id: i64,
    pub uuid: String,
    pub name: String,
    pub display_name: Option<String>,
    pub production: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::VersionDetails> for VersionDetails {
    fn from(found: store::VersionDetails) -> VersionDetails {
        VersionDetails {
            branches: found
                .branches
                .into_iter()
                .map(|b| VersionBranch {
                    version_id: b.version_id,
                    name: b.name,
                    latest: b.latest,
                })
                .collect(),
            tags: found
                .tags
                .into_iter()
                .map(|t| VersionTag {
                    version_id: t.version_id,
                    name: t.name,
                    latest: t.latest,
                })
                .collect(),
            environments: found
                .environments
                .into_iter()
                .map(|e| VersionEnvironment {
                    version_id: e.version_id,
                    uuid: e.uuid,
                    name: e.name,
                    display_name: e.display_name,
                    production: e.production,
                    created_at: e.created_at,
                    updated_at: e.updated_at,
                })
                .collect(),
        }
    }
}

/// Which rows to return.
#[derive(Debug, Clone, Copy)]
pub struct RowWindow {
    pub offset: usize,
    pub limit: Option<usize>,
}

impl Broker {
    /// Everything wrong with `query`, looking up the pacticipants and the
    /// environment it names: for a transport that found problems of its
    /// own reading the request, so it reports every problem at once.
    pub async fn matrix_query_problems(&self, query: &MatrixQuery) -> Result<Violations> {
        let mut violations = Violations::default();
        check_shape(query, &mut violations);
        let mut conn = self.store.conn().await?;
        known_pacticipants(&mut conn, query, &mut violations).await?;
        destination_environment(&mut conn, query, &mut violations).await?;
        Ok(violations)
    }

    /// Answers a matrix query.
    pub async fn query_matrix(
        &self,
        query: MatrixQuery,
        window: RowWindow,
    ) -> Result<MatrixAnswer> {
        let mut violations = Violations::default();
        let mut query = query;
        check_shape(&query, &mut violations);
        // Several versions of a pacticipant can be live in an environment
        // (instances, supported releases); keeping only the newest provider
        // version per consumer version would hide the others. So the Ruby
        // CLI's `cvp` gets the same answer as the Rust CLI's `cvpv`.
        if matches!(query.destination, Some(Destination::Environment(_)))
            && query.latest_by == Some(LatestBy::Cvp)
        {
            query.latest_by = Some(LatestBy::Cvpv);
        }
        let mut conn = self.store.conn().await?;
        conn.build_transaction()
            .read_only()
            .repeatable_read()
            .run(async |conn| {
                store::plan_for_any_size(conn).await?;
                let known = known_pacticipants(conn, &query, &mut violations).await?;
                let environments = destination_environment(conn, &query, &mut violations).await?;
                violations.into_result()?;
                let resolver = Resolver {
                    conn,
                    pacticipants: known,
                    environments,
                };
                answer(resolver, &query, window).await
            })
            .await
    }

    /// Whether `version` of `pacticipant` can be deployed to `target`.
    pub async fn can_i_deploy(
        &self,
        pacticipant: &str,
        version: &str,
        target: Option<DeployTarget>,
        ignore: Vec<VersionSelector>,
        window: RowWindow,
    ) -> Result<MatrixAnswer> {
        let mut violations = Violations::default();
        if pacticipant.is_empty() {
            violations.add("pacticipant", "is missing");
        }
        if version.is_empty() {
            violations.add("version", "is missing");
        }
        if target.is_none() {
            violations.add(
                "target",
                "Must specify either an environment or a 'to' tag.",
            );
        }
        violations.into_result()?;
        let Some(target) = target else {
            unreachable!("a missing target is reported above")
        };
        let query = MatrixQuery::can_i_deploy(
            VersionSelector::version(pacticipant, version),
            target,
            ignore,
        );
        self.query_matrix(query, window).await
    }

    /// Whether the latest version of `pacticipant` chosen by `latest` can
    /// be deployed to `target`, or what of them does not exist.
    pub async fn can_i_deploy_latest(
        &self,
        pacticipant: &str,
        latest: LatestVersion,
        target: DeployTarget,
        window: RowWindow,
    ) -> Result<LatestVerdict> {
        let found = {
            let mut conn = self.store.conn().await?;
            find_latest(&mut conn, pacticipant, &latest, &target).await?
        };
        let selector = match found {
            LatestLookup::Found(selector) => selector,
            LatestLookup::Missing(missing) => return Ok(LatestVerdict::Missing(missing)),
        };
        let query = MatrixQuery::can_i_deploy(selector, target, Vec::new());
        let answer = self.query_matrix(query, window).await?;
        Ok(LatestVerdict::Answer(answer))
    }
}

/// What a can-i-deploy of a latest version found: the matrix, or the
/// first thing on the way to the version that does not exist.
#[derive(Debug)]
pub enum LatestVerdict {
    Answer(MatrixAnswer),
    Missing(Missing),
}

/// Which version of a pacticipant a can-i-deploy or can-i-merge resource
/// is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LatestVersion {
    /// The latest version with this tag.
    Tag(String),
    /// The head of this branch.
    Branch(String),
    /// The head of the pacticipant's main branch.
    MainBranch,
}

/// What a can-i-deploy of a latest version could not find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The Pact Broker's name for it on a badge, such as `pacticipant` or
    /// `main branch version`.
    pub what: &'static str,
    pub message: String,
}

/// What [`find_latest`] found: the selector of the version, or the first
/// thing on the way to it that does not exist.
enum LatestLookup {
    Found(VersionSelector),
    Missing(Missing),
}

impl LatestLookup {
    fn missing(what: &'static str, message: String) -> LatestLookup {
        LatestLookup::Missing(Missing { what, message })
    }
}

/// The selector of the version `latest` stands for, after checking that
/// it and the target environment exist, in the Pact Broker's order:
/// pacticipant, branch, version, environment.
async fn find_latest(
    conn: &mut Conn,
    pacticipant: &str,
    latest: &LatestVersion,
    target: &DeployTarget,
) -> Result<LatestLookup> {
    let found = if names::can_exist(pacticipant) {
        pacticipant_store::find(conn, pacticipant).await?
    } else {
        None
    };
    let Some(p) = found else {
        return Ok(LatestLookup::missing(
            "pacticipant",
            format!("No pacticipant with name '{pacticipant}' found"),
        ));
    };
    // Nothing is tagged, branched or named with a name that cannot exist.
    let lookup = match latest {
        LatestVersion::Tag(tag) => latest_with_tag(conn, &p, tag).await?,
        LatestVersion::Branch(branch) => latest_on_branch(conn, &p, branch).await?,
        LatestVersion::MainBranch => main_branch_head(conn, &p).await?,
    };
    let LatestLookup::Found(selector) = lookup else {
        return Ok(lookup);
    };
    if let DeployTarget::Environment(environment) = target
        && environment_id(conn, environment).await?.is_none()
    {
        return Ok(LatestLookup::missing(
            "environment",
            format!("No environment with name '{environment}' found"),
        ));
    }
    Ok(LatestLookup::Found(selector))
}

async fn latest_with_tag(conn: &mut Conn, p: &PacticipantRow, tag: &str) -> Result<LatestLookup> {
    if !names::can_exist(tag)
        || version_store::latest_with_tag(conn, p.id, tag)
            .await?
            .is_none()
    {
        return Ok(LatestLookup::missing(
            "version",
            format!(
                "No version of pacticipant '{}' with tag '{tag}' found",
                p.name
            ),
        ));
    }
    Ok(LatestLookup::Found(VersionSelector {
        latest: true,
        tag: Some(tag.to_owned()),
        ..VersionSelector::pacticipant(&p.name)
    }))
}

async fn latest_on_branch(
    conn: &mut Conn,
    p: &PacticipantRow,
    branch: &str,
) -> Result<LatestLookup> {
    if !names::can_exist(branch)
        || version_store::find_branch(conn, p.id, branch)
            .await?
            .is_none()
    {
        return Ok(LatestLookup::missing(
            "branch",
            format!("No branch '{branch}' of pacticipant '{}' found", p.name),
        ));
    }
    if version_store::branch_head(conn, p.id, branch)
        .await?
        .is_none()
    {
        return Ok(LatestLookup::missing(
            "version",
            format!(
                "No version of pacticipant '{}' on branch '{branch}' found",
                p.name
            ),
        ));
    }
    Ok(LatestLookup::Found(VersionSelector {
        latest: true,
        branch: Some(branch.to_owned()),
        ..VersionSelector::pacticipant(&p.name)
    }))
}

async fn main_branch_head(conn: &mut Conn, p: &PacticipantRow) -> Result<LatestLookup> {
    let head = match &p.main_branch {
        Some(main) => version_store::branch_head(conn, p.id, main).await?,
        None => None,
    };
    Ok(match head {
        // The version itself, as the Pact Broker's can_i_merge asks.
        Some(head) => LatestLookup::Found(VersionSelector::version(&p.name, &head.number)),
        None => LatestLookup::missing(
            "main branch version",
            format!(
                "No version of pacticipant '{}' on its main branch found",
                p.name
            ),
        ),
    })
}

/// The id of the environment with this name; a name no environment can
/// have is not looked up (the database could not even take a NUL).
async fn environment_id(conn: &mut Conn, name: &str) -> Result<Option<i64>> {
    if names::can_exist(name) {
        store::environment_id(conn, name).await
    } else {
        Ok(None)
    }
}

fn by_name(pacticipants: Vec<PacticipantRow>) -> HashMap<String, PacticipantRow> {
    pacticipants
        .into_iter()
        .map(|p| (p.name.clone(), p))
        .collect()
}

/// The Pact Broker's checks of the query's shape.
fn check_shape(query: &MatrixQuery, violations: &mut Violations) {
    if query.selectors.is_empty() {
        violations.add("selectors", "Please provide 1 or more version selectors.");
    }
    for (i, s) in query.selectors.iter().enumerate() {
        if s.pacticipant.is_empty() {
            violations.add(
                format!("selectors[{i}].pacticipant"),
                "Please specify the pacticipant name",
            );
        } else if s.version.is_some() && s.latest {
            violations.add(
                format!("selectors[{i}]"),
                format!(
                    "A version number and latest flag cannot both be specified for {}",
                    s.pacticipant
                ),
            );
        }
    }
    for (i, s) in query.ignore.iter().enumerate() {
        if s.pacticipant.is_empty() {
            violations.add(
                format!("ignore[{i}].pacticipant"),
                "Please specify the pacticipant name to ignore",
            );
        }
    }
}

/// The pacticipants the selectors and ignore selectors name, by name;
/// a specified one that does not exist is a violation.
async fn known_pacticipants(
    conn: &mut Conn,
    query: &MatrixQuery,
    violations: &mut Violations,
) -> Result<HashMap<String, PacticipantRow>> {
    // A name no pacticipant can have is not looked up: it is not found,
    // and the database could not even take a NUL.
    let names: Vec<String> = query
        .selectors
        .iter()
        .chain(&query.ignore)
        .map(|s| s.pacticipant.clone())
        .filter(|name| names::can_exist(name))
        .collect();
    let known = by_name(store::pacticipants(conn, &names).await?);
    for (i, s) in query.selectors.iter().enumerate() {
        if !s.pacticipant.is_empty() && !known.contains_key(&s.pacticipant) {
            violations.add(
                format!("selectors[{i}].pacticipant"),
                format!("Pacticipant {} not found", s.pacticipant),
            );
        }
    }
    Ok(known)
}

/// The id of the destination environment, by name; one that does not
/// exist is a violation.
async fn destination_environment(
    conn: &mut Conn,
    query: &MatrixQuery,
    violations: &mut Violations,
) -> Result<HashMap<String, i64>> {
    let mut environments = HashMap::new();
    if let Some(Destination::Environment(name)) = &query.destination {
        match environment_id(conn, name).await? {
            Some(id) => {
                environments.insert(name.clone(), id);
            }
            None => violations.add(
                "environment",
                format!("Environment with name '{name}' does not exist"),
            ),
        }
    }
    Ok(environments)
}

/// The matrix of a query whose pacticipants and environment exist:
/// resolve the selectors, add the versions inferred at the destination,
/// read and split the rows, draw the verdict, show the window.
async fn answer(
    mut resolver: Resolver<'_>,
    query: &MatrixQuery,
    window: RowWindow,
) -> Result<MatrixAnswer> {
    let ignore = resolver
        .resolve_all(&query.ignore, SelectorKind::Ignore, &[])
        .await?;
    let mut selectors = resolver
        .resolve_all(&query.selectors, SelectorKind::Specified, &ignore)
        .await?;
    let integrations = integrations(resolver.conn, &selectors, query).await?;
    if let Some(destination) = &query.destination {
        let partners = unselected_partners(&integrations, &selectors);
        let inferred = resolver.infer(destination, &partners, &ignore).await?;
        selectors.extend(inferred);
    }
    let conn = resolver.conn;
    let rows = read_rows(conn, &selectors, query.latest_by).await?;
    let verdict = Verdict {
        selectors: &selectors,
        ignore: &ignore,
        integrations: &integrations,
        destination: query.destination.as_ref(),
    };
    let (summary, rows) = summarise_and_filter(&verdict, query, Rows::split(rows, &ignore));
    let total = rows.considered.len() + rows.ignored.len();
    let shown = rows.window(window);
    let details = details_of(conn, &shown).await?;
    Ok(MatrixAnswer {
        summary,
        rows: shown,
        total,
        details,
    })
}

/// The pacticipants of the integrations that no selector names, in order
/// of first appearance: their versions at the destination are inferred.
fn unselected_partners(
    integrations: &[Integration],
    selectors: &[ResolvedSelector],
) -> Vec<String> {
    let mut partners: Vec<String> = Vec::new();
    for i in integrations {
        for name in [&i.consumer, &i.provider] {
            if !selectors.iter().any(|s| &s.pacticipant == name) && !partners.contains(name) {
                partners.push(name.clone());
            }
        }
    }
    partners
}

/// Which versions the selectors cover, as the row queries take them.
fn row_scope(selectors: &[ResolvedSelector]) -> RowScope {
    let mut scope = RowScope::default();
    for s in selectors {
        match &s.resolution {
            Resolution::Version { id, .. } => {
                scope.version_ids.push(*id);
                scope.version_pacticipant_ids.push(s.pacticipant_id);
            }
            Resolution::AllVersions => scope.all_versions_of.push(s.pacticipant_id),
            _ => {}
        }
        scope.pacticipant_ids.push(s.pacticipant_id);
        if s.specified() {
            scope.specified_ids.push(s.pacticipant_id);
        }
    }
    scope
}

/// The rows of the selected versions, the latest per `latest_by` key.
async fn read_rows(
    conn: &mut Conn,
    selectors: &[ResolvedSelector],
    latest_by: Option<LatestBy>,
) -> Result<Vec<Row>> {
    let scope = row_scope(selectors);
    let every_row = latest_by.is_none();
    let rows = if selectors.len() == 1 {
        let latest_only = matches!(latest_by, Some(LatestBy::Cvp | LatestBy::Cp));
        store::rows_for_one(conn, &scope, every_row, latest_only).await?
    } else {
        store::rows_between(conn, &scope, every_row).await?
    };
    let rows = matrix::latest_by(rows, latest_by);
    Ok(if matches!(latest_by, None | Some(LatestBy::Cvpv)) {
        // Every version of a provider in the target must have verified the
        // pact, not just one of them.
        matrix::complete_rows(rows, selectors)
    } else {
        rows
    })
}

/// What the verdict is drawn from besides the rows.
struct Verdict<'a> {
    selectors: &'a [ResolvedSelector],
    ignore: &'a [ResolvedSelector],
    integrations: &'a [Integration],
    destination: Option<&'a Destination>,
}

impl Verdict<'_> {
    fn summarise(&self, rows: &Rows) -> Summary {
        matrix::summarise(&matrix::Query {
            selectors: self.selectors,
            ignore_selectors: self.ignore,
            integrations: self.integrations,
            considered: &rows.considered,
            ignored: &rows.ignored,
            destination: self.destination,
        })
    }
}

/// The rows an ignore selector covers apart from the others, each in
/// display order.
struct Rows {
    considered: Vec<Row>,
    ignored: Vec<Row>,
}

impl Rows {
    fn split(rows: Vec<Row>, ignore: &[ResolvedSelector]) -> Rows {
        let (mut ignored, mut considered): (Vec<Row>, Vec<Row>) = rows
            .into_iter()
            .partition(|r| matrix::ignores_row(ignore, r));
        considered.sort_by(|a, b| a.display_order(b));
        ignored.sort_by(|a, b| a.display_order(b));
        Rows {
            considered,
            ignored,
        }
    }

    /// Keeps the rows whose verification result is one of `success`.
    fn retain_success(&mut self, success: &[Option<bool>]) {
        self.considered.retain(|r| success.contains(&r.success()));
        self.ignored.retain(|r| success.contains(&r.success()));
    }

    /// Considered rows then ignored rows, from the window's offset.
    fn window(self, window: RowWindow) -> Vec<ShownRow> {
        let considered = self.considered.into_iter().map(|row| ShownRow {
            row,
            ignored: false,
        });
        let ignored = self
            .ignored
            .into_iter()
            .map(|row| ShownRow { row, ignored: true });
        considered
            .chain(ignored)
            .skip(window.offset)
            .take(window.limit.unwrap_or(usize::MAX))
            .collect()
    }
}

/// The verdict, over the rows before or after the `success` filter as the
/// query says, and the rows the filter keeps.
fn summarise_and_filter(verdict: &Verdict, query: &MatrixQuery, mut rows: Rows) -> (Summary, Rows) {
    let Some(success) = &query.success else {
        return (verdict.summarise(&rows), rows);
    };
    if query.summary_after_success_filter {
        rows.retain_success(success);
        (verdict.summarise(&rows), rows)
    } else {
        let summary = verdict.summarise(&rows);
        rows.retain_success(success);
        (summary, rows)
    }
}

/// What the shown rows show of their versions.
async fn details_of(conn: &mut Conn, shown: &[ShownRow]) -> Result<VersionDetails> {
    let mut version_ids: Vec<i64> = shown
        .iter()
        .flat_map(|r| {
            std::iter::once(r.row.consumer_version.id)
                .chain(r.row.provider_version.as_ref().map(|v| v.id))
        })
        .collect();
    version_ids.sort_unstable();
    version_ids.dedup();
    if version_ids.is_empty() {
        Ok(VersionDetails::default())
    } else {
        Ok(store::version_details(conn, &version_ids).await?.into())
    }
}

/// Looks up the versions selectors stand for, remembering the
/// pacticipants and environments found.
struct Resolver<'a> {
    conn: &'a mut Conn,
    pacticipants: HashMap<String, PacticipantRow>,
    environments: HashMap<String, i64>,
}

impl Resolver<'_> {
    async fn resolve_all(
        &mut self,
        selectors: &[VersionSelector],
        kind: SelectorKind,
        ignore: &[ResolvedSelector],
    ) -> Result<Vec<ResolvedSelector>> {
        let mut resolved = Vec::new();
        for s in selectors {
            resolved.extend(self.resolve(s, kind, ignore, None).await?);
        }
        Ok(resolved)
    }

    /// The destination's versions of these pacticipants.
    async fn infer(
        &mut self,
        destination: &Destination,
        pacticipants: &[String],
        ignore: &[ResolvedSelector],
    ) -> Result<Vec<ResolvedSelector>> {
        let unknown: Vec<String> = pacticipants
            .iter()
            .filter(|n| !self.pacticipants.contains_key(*n))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            let found = store::pacticipants(self.conn, &unknown).await?;
            self.pacticipants.extend(by_name(found));
        }
        // An environment's versions of every pacticipant in one statement
        // (a can-i-deploy of a front end infers one selector per provider).
        let in_environment = match destination {
            Destination::Environment(name) => {
                let environment = if names::can_exist(name) {
                    self.environment_id(name).await?
                } else {
                    None
                };
                let mut ids: Vec<i64> = pacticipants
                    .iter()
                    .filter_map(|name| self.pacticipants.get(name).map(|p| p.id))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                Some(match environment {
                    Some(environment) => {
                        store::versions_in_environment(self.conn, &ids, environment).await?
                    }
                    None => HashMap::new(),
                })
            }
            _ => None,
        };
        let mut resolved = Vec::new();
        for name in pacticipants {
            let known = in_environment.as_ref().map(|found| {
                self.pacticipants
                    .get(name)
                    .and_then(|p| found.get(&p.id))
                    .cloned()
                    .unwrap_or_default()
            });
            let selector = destination.selector_for(name);
            resolved.extend(
                self.resolve(&selector, SelectorKind::Inferred, ignore, known)
                    .await?,
            );
        }
        Ok(resolved)
    }

    /// The selector with its pacticipant and versions: one resolved
    /// selector per version found, one saying none was found, or one for
    /// every version when only the name was given. `known` are the
    /// versions it stands for when already looked up.
    async fn resolve(
        &mut self,
        selector: &VersionSelector,
        kind: SelectorKind,
        ignore: &[ResolvedSelector],
        known: Option<Vec<VersionRef>>,
    ) -> Result<Vec<ResolvedSelector>> {
        let base = |id: i64, name: &str| ResolvedSelector {
            pacticipant_id: id,
            pacticipant: name.to_owned(),
            resolution: Resolution::AllVersions,
            original: selector.clone(),
            branch: selector.branch.clone(),
            kind,
            ignore: false,
            one_of_many: false,
        };
        let Some(p) = self.pacticipants.get(&selector.pacticipant).cloned() else {
            return Ok(vec![ResolvedSelector {
                resolution: Resolution::NoPacticipant,
                ..base(-1, &selector.pacticipant)
            }]);
        };
        if selector.only_pacticipant() {
            return Ok(vec![ResolvedSelector {
                ignore: matrix::ignores_version(ignore, p.id, None),
                ..base(p.id, &p.name)
            }]);
        }
        let versions = match known {
            Some(versions) => versions,
            None => self.versions_of(&p, selector).await?,
        };
        if versions.is_empty() {
            return Ok(vec![ResolvedSelector {
                resolution: Resolution::NoVersion,
                ignore: matrix::ignores_version(ignore, p.id, None),
                ..base(p.id, &p.name)
            }]);
        }
        let one_of_many = versions.len() > 1;
        let branch = if selector.main_branch {
            p.main_branch.clone()
        } else {
            selector.branch.clone()
        };
        Ok(versions
            .into_iter()
            .map(|v| ResolvedSelector {
                ignore: matrix::ignores_version(ignore, p.id, Some(v.id)),
                resolution: Resolution::Version {
                    id: v.id,
                    number: v.number,
                },
                branch: branch.clone(),
                one_of_many,
                ..base(p.id, &p.name)
            })
            .collect())
    }

    /// The versions of `p` the selector stands for.
    async fn versions_of(
        &mut self,
        p: &PacticipantRow,
        selector: &VersionSelector,
    ) -> Result<Vec<VersionRef>> {
        let criteria = [
            &selector.version,
            &selector.tag,
            &selector.branch,
            &selector.environment,
        ];
        if criteria
            .into_iter()
            .flatten()
            .any(|value| !names::can_exist(value))
        {
            // No version, tag, branch or environment can have this name.
            return Ok(Vec::new());
        }
        let environment_id = match &selector.environment {
            Some(name) => self.environment_id(name).await?,
            None => None,
        };
        store::versions_for(self.conn, p, selector, environment_id).await
    }

    async fn environment_id(&mut self, name: &str) -> Result<Option<i64>> {
        if let Some(id) = self.environments.get(name) {
            return Ok(Some(*id));
        }
        let id = store::environment_id(self.conn, name).await?;
        if let Some(id) = id {
            self.environments.insert(name.to_owned(), id);
        }
        Ok(id)
    }
}

/// The integrations the verdict needs: with a destination or one selector,
/// every integration of the specified versions (their providers required,
/// their consumers not); otherwise those between the selectors.
async fn integrations(
    conn: &mut Conn,
    selectors: &[ResolvedSelector],
    query: &MatrixQuery,
) -> Result<Vec<Integration>> {
    let version_ids: Vec<i64> = selectors.iter().filter_map(|s| s.version_id()).collect();
    let all_of: Vec<i64> = selectors
        .iter()
        .filter(|s| s.resolution == Resolution::AllVersions)
        .map(|s| s.pacticipant_id)
        .collect();
    let ids: Vec<i64> = selectors
        .iter()
        .map(|s| s.pacticipant_id)
        .filter(|id| *id >= 0)
        .collect();
    let mut found: Vec<Integration> = Vec::new();
    let mut add = |pair: store::Pair, required: bool| match found
        .iter_mut()
        .find(|i| i.consumer_id == pair.consumer_id && i.provider_id == pair.provider_id)
    {
        Some(existing) => existing.required |= required,
        None => found.push(Integration {
            consumer_id: pair.consumer_id,
            consumer: pair.consumer,
            provider_id: pair.provider_id,
            provider: pair.provider,
            required,
        }),
    };
    if query.destination.is_some() || selectors.len() == 1 {
        for pair in store::pairs_as_consumer(conn, &version_ids, &all_of, None).await? {
            add(pair, true);
        }
        for pair in store::pairs_as_provider(conn, &ids).await? {
            add(pair, false);
        }
    } else {
        for pair in store::pairs_as_consumer(conn, &version_ids, &all_of, Some(&ids)).await? {
            let required = selectors
                .iter()
                .any(|s| s.specified() && s.pacticipant == pair.consumer);
            add(pair, required);
        }
    }
    found.sort_by(|a, b| (&a.consumer, &a.provider).cmp(&(&b.consumer, &b.provider)));
    Ok(found)
}
