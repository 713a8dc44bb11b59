//! The matrix: which consumer versions' pacts were verified by which
//! provider versions, and the can-i-deploy verdict drawn from it.
//!
//! Pure logic over rows and selectors the store has resolved: describing
//! selectors, keeping the latest rows per key (`latestby`), splitting off
//! ignored rows, and the summary with the Pact Broker's counts, reasons and
//! texts. The verdict is computed over every row; any row limit is applied
//! by the caller afterwards.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::notice::NoticeKind;

/// Versions of one pacticipant as a client chose them: nothing but the name
/// means every version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionSelector {
    pub pacticipant: String,
    pub version: Option<String>,
    pub latest: bool,
    pub tag: Option<String>,
    pub branch: Option<String>,
    pub main_branch: bool,
    pub environment: Option<String>,
}

impl VersionSelector {
    pub fn pacticipant(name: &str) -> VersionSelector {
        VersionSelector {
            pacticipant: name.to_owned(),
            ..VersionSelector::default()
        }
    }

    pub fn version(name: &str, number: &str) -> VersionSelector {
        VersionSelector {
            version: Some(number.to_owned()),
            ..VersionSelector::pacticipant(name)
        }
    }

    /// Only the name: every version of the pacticipant.
    pub fn only_pacticipant(&self) -> bool {
        self.version.is_none()
            && !self.latest
            && self.tag.is_none()
            && self.branch.is_none()
            && !self.main_branch
            && self.environment.is_none()
    }
}

/// Where the specified versions are going; the versions of integrated
/// pacticipants there are inferred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// The latest version with this tag (`latest=true&tag=`), or every
    /// version with it (`tag=` alone).
    Tag { tag: String, latest: bool },
    /// The versions currently deployed or released and supported there.
    Environment(String),
    /// The head (with latest) or every version of each main branch.
    MainBranch { latest: bool },
    /// `latest=true` alone: the latest version of every other pacticipant.
    Latest,
}

impl Destination {
    /// The selector inferred for an integrated pacticipant.
    pub fn selector_for(&self, pacticipant: &str) -> VersionSelector {
        let mut selector = VersionSelector::pacticipant(pacticipant);
        match self {
            Destination::Tag { tag, latest } => {
                selector.tag = Some(tag.clone());
                selector.latest = *latest;
            }
            Destination::Environment(environment) => {
                selector.environment = Some(environment.clone())
            }
            Destination::MainBranch { latest } => {
                selector.main_branch = true;
                selector.latest = *latest;
            }
            Destination::Latest => selector.latest = true,
        }
        selector
    }

    /// A to-tag, environment or main branch: the Pact Broker does not warn
    /// that no environment was given.
    pub fn names_a_target(&self) -> bool {
        !matches!(self, Destination::Latest)
    }
}

/// Whether the user named a selector, the broker inferred it from the
/// destination, or it says what to ignore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorKind {
    Specified,
    Inferred,
    Ignore,
}

/// The versions a selector stands for once looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Every version (only the name was given).
    AllVersions,
    /// One version.
    Version { id: i64, number: String },
    /// No version matches.
    NoVersion,
    /// No pacticipant has the name (only possible for ignore selectors).
    NoPacticipant,
}

/// A selector with its pacticipant and one version (or all, or none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSelector {
    pub pacticipant_id: i64,
    pub pacticipant: String,
    pub resolution: Resolution,
    pub original: VersionSelector,
    /// The branch named, or the main branch's name when the version is the
    /// main branch's.
    pub branch: Option<String>,
    pub kind: SelectorKind,
    pub ignore: bool,
    /// The selector matched several versions and this is one of them.
    pub one_of_many: bool,
}

impl ResolvedSelector {
    pub fn version_id(&self) -> Option<i64> {
        match &self.resolution {
            Resolution::Version { id, .. } => Some(*id),
            _ => None,
        }
    }

    fn version_number(&self) -> Option<&str> {
        match &self.resolution {
            Resolution::Version { number, .. } => Some(number),
            Resolution::NoVersion => self.original.version.as_deref(),
            _ => None,
        }
    }

    pub fn version_missing(&self) -> bool {
        self.resolution == Resolution::NoVersion
    }

    pub fn missing(&self) -> bool {
        matches!(
            self.resolution,
            Resolution::NoVersion | Resolution::NoPacticipant
        )
    }

    pub fn specified(&self) -> bool {
        self.kind == SelectorKind::Specified
    }

    /// Every version of a pacticipant, for rows and integrations no
    /// selector describes.
    fn any_version_of(id: i64, name: &str) -> ResolvedSelector {
        ResolvedSelector {
            pacticipant_id: id,
            pacticipant: name.to_owned(),
            resolution: Resolution::AllVersions,
            original: VersionSelector::pacticipant(name),
            branch: None,
            kind: SelectorKind::Inferred,
            ignore: false,
            one_of_many: false,
        }
    }

    fn version_of(id: i64, name: &str, version: &VersionRef) -> ResolvedSelector {
        ResolvedSelector {
            resolution: Resolution::Version {
                id: version.id,
                number: version.number.clone(),
            },
            ..ResolvedSelector::any_version_of(id, name)
        }
    }

    /// The Pact Broker's description of the selector, used in reasons.
    pub fn description(&self) -> String {
        let name = &self.pacticipant;
        let o = &self.original;
        let number = self.version_number();
        let branch = self.branch.as_deref().or(o.branch.as_deref());
        let found = number.filter(|_| !self.version_missing());
        match (o.tag.as_deref(), branch, o.environment.as_deref()) {
            (Some(tag), _, _) if o.latest => match found {
                Some(n) => format!("the latest version of {name} with tag {tag} ({n})"),
                None => {
                    format!("the latest version of {name} with tag {tag} (no such version exists)")
                }
            },
            _ if o.latest && o.main_branch && number.is_none() => format!(
                "the latest version of {name} from the main branch (no versions exist for this branch)"
            ),
            _ if o.main_branch && number.is_none() => {
                format!(
                    "any version of {name} from the main branch (no versions exist for this branch)"
                )
            }
            (_, Some(branch), _) if o.latest => match found {
                Some(n) => format!("the latest version of {name} from branch {branch} ({n})"),
                None => format!(
                    "the latest version of {name} from branch {branch} (no such version exists)"
                ),
            },
            (_, Some(branch), _) => match found {
                Some(n) => {
                    let prefix = if self.one_of_many {
                        "one of the versions "
                    } else {
                        "the version "
                    };
                    format!("{prefix}of {name} from branch {branch} ({n})")
                }
                None => {
                    format!("a version of {name} from branch {branch} (no such version exists)")
                }
            },
            _ if o.latest => match found {
                Some(n) => format!("the latest version of {name} ({n})"),
                None => format!("the latest version of {name} (no such version exists)"),
            },
            (Some(tag), _, _) => match found {
                Some(n) => format!("a version of {name} with tag {tag} ({n})"),
                None => format!("a version of {name} with tag {tag} (no such version exists)"),
            },
            (_, _, Some(environment)) => match found {
                Some(n) => {
                    let prefix = if self.one_of_many {
                        "one of the versions"
                    } else {
                        "the version"
                    };
                    format!("{prefix} of {name} currently in {environment} ({n})")
                }
                None => format!(
                    "a version of {name} currently in {environment} (no version is currently recorded as deployed/released in this environment)"
                ),
            },
            _ => match (number, &self.resolution) {
                (Some(n), Resolution::NoVersion) => {
                    format!("version {n} of {name} (no such version exists)")
                }
                (Some(n), _) => format!("version {n} of {name}"),
                (None, Resolution::NoPacticipant) => {
                    format!("any version of {name} (no such pacticipant exists)")
                }
                _ => format!("any version of {name}"),
            },
        }
    }

    /// Why a selector that matched no version cannot be deployed.
    pub fn no_version_description(&self) -> String {
        let name = &self.pacticipant;
        let o = &self.original;
        if let Some(tag) = &o.tag {
            format!("No version with tag {tag} exists for {name}")
        } else if let Some(branch) = &o.branch {
            format!("No version of {name} from branch {branch} exists")
        } else if o.main_branch {
            format!("No version of {name} from the main branch exists")
        } else if let Some(environment) = &o.environment {
            format!(
                "No version of {name} is currently recorded as deployed or released in environment {environment}"
            )
        } else if let Some(number) = &o.version {
            format!("No pacts or verifications have been published for version {number} of {name}")
        } else {
            format!("No pacts or verifications have been published for {name}")
        }
    }
}

/// A version in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRef {
    /// Also the version's order: ids follow creation.
    pub id: i64,
    pub number: String,
}

/// The verification in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowVerification {
    pub id: i64,
    pub number: i64,
    pub success: bool,
    pub build_url: Option<String>,
    pub executed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A pact of a consumer version for a provider, and its verification by
/// one provider version, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub consumer_id: i64,
    pub consumer: String,
    pub consumer_version: VersionRef,
    pub provider_id: i64,
    pub provider: String,
    pub provider_version: Option<VersionRef>,
    pub pact_version_sha: String,
    pub pact_revision: i32,
    pub pact_created_at: DateTime<Utc>,
    pub verification: Option<RowVerification>,
}

impl Row {
    pub fn success(&self) -> Option<bool> {
        self.verification.as_ref().map(|v| v.success)
    }

    /// The Pact Broker's row order: consumer name, newest consumer version,
    /// newest revision, provider name, unverified first, newest provider
    /// version, newest verification.
    pub fn display_order(&self, other: &Row) -> Ordering {
        fn desc<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
            match (a, b) {
                (Some(a), Some(b)) => b.cmp(&a),
                (Some(_), None) => Ordering::Greater,
                (None, _) => Ordering::Less,
            }
        }
        self.consumer
            .cmp(&other.consumer)
            .then_with(|| other.consumer_version.id.cmp(&self.consumer_version.id))
            .then_with(|| other.pact_revision.cmp(&self.pact_revision))
            .then_with(|| self.provider.cmp(&other.provider))
            .then_with(|| {
                desc(
                    self.provider_version.as_ref().map(|v| v.id),
                    other.provider_version.as_ref().map(|v| v.id),
                )
            })
            .then_with(|| {
                desc(
                    self.verification.as_ref().map(|v| v.id),
                    other.verification.as_ref().map(|v| v.id),
                )
            })
    }
}

/// Which rows to keep when several have the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatestBy {
    /// One row per consumer version and provider version.
    Cvpv,
    /// One row per consumer version and provider: the newest provider
    /// version's.
    Cvp,
    /// One row per consumer and provider: the newest provider version's.
    Cp,
}

impl LatestBy {
    pub fn parse(text: &str) -> Option<LatestBy> {
        match text {
            "cvpv" => Some(LatestBy::Cvpv),
            "cvp" => Some(LatestBy::Cvp),
            "cp" => Some(LatestBy::Cp),
            _ => None,
        }
    }
}

/// Keeps, of each group of rows with the same key, the row of the newest
/// provider version; an unverified row stands for its group as it is.
/// `rows` come newest activity first, which decides ties.
pub fn latest_by(rows: Vec<Row>, by: Option<LatestBy>) -> Vec<Row> {
    let Some(by) = by else { return rows };
    let key = |row: &Row| -> (i64, Option<i64>, i64, Option<i64>) {
        let pv = row.provider_version.as_ref().map(|v| v.id);
        match by {
            LatestBy::Cvpv => (
                row.consumer_id,
                Some(row.consumer_version.id),
                row.provider_id,
                pv,
            ),
            LatestBy::Cvp => (
                row.consumer_id,
                Some(row.consumer_version.id),
                row.provider_id,
                None,
            ),
            LatestBy::Cp => (row.consumer_id, None, row.provider_id, None),
        }
    };
    let mut index: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    let mut kept: Vec<Row> = Vec::new();
    for row in rows {
        match index.get(&key(&row)) {
            None => {
                index.insert(key(&row), kept.len());
                kept.push(row);
            }
            Some(&at) => {
                let current = &kept[at];
                let current_order = current.provider_version.as_ref().map(|v| v.id);
                let order = row.provider_version.as_ref().map(|v| v.id);
                if current_order.is_some() && order > current_order {
                    kept[at] = row;
                }
            }
        }
    }
    kept
}

/// Gives every selected version of a provider a row for each pact it must
/// satisfy. When a provider has several selected versions (co-deployed
/// instances, supported releases), a consumer version's pact that some of
/// them verified has rows for those only; each selected version without one
/// gets a row with that provider version and no verification (unknown), so
/// the verdict cannot pass while a version in the target never verified
/// the pact. A pact none of them verified keeps one row per selected
/// version in place of the provider-less row. Providers with one selected
/// version are left as they are: their unverified row is the Pact Broker's.
/// Meant for `cvpv` and every-row queries, which keep a row per provider
/// version; `cvp` and `cp` keep only the newest.
pub fn complete_rows(rows: Vec<Row>, selectors: &[ResolvedSelector]) -> Vec<Row> {
    use std::collections::{HashMap, HashSet};
    let mut selected: HashMap<i64, Vec<VersionRef>> = HashMap::new();
    for s in selectors {
        if let Resolution::Version { id, number } = &s.resolution {
            let versions = selected.entry(s.pacticipant_id).or_default();
            if !versions.iter().any(|v| v.id == *id) {
                versions.push(VersionRef {
                    id: *id,
                    number: number.clone(),
                });
            }
        }
    }
    selected.retain(|_, versions| versions.len() > 1);
    if selected.is_empty() {
        return rows;
    }
    // The provider versions with a row, per consumer version, provider and
    // pact revision.
    let key = |r: &Row| (r.consumer_version.id, r.provider_id, r.pact_revision);
    let mut covered: HashMap<(i64, i64, i32), HashSet<i64>> = HashMap::new();
    for r in rows
        .iter()
        .filter(|r| selected.contains_key(&r.provider_id))
    {
        let versions = covered.entry(key(r)).or_default();
        if let Some(v) = &r.provider_version {
            versions.insert(v.id);
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(versions) = selected.get(&row.provider_id) else {
            out.push(row);
            continue;
        };
        let Some(have) = covered.get(&key(&row)) else {
            // The group was completed at its first row.
            if row.provider_version.is_some() {
                out.push(row);
            }
            continue;
        };
        let missing: Vec<&VersionRef> = versions.iter().filter(|v| !have.contains(&v.id)).collect();
        if missing.is_empty() {
            out.push(row);
            continue;
        }
        covered.remove(&key(&row));
        for v in missing {
            out.push(Row {
                provider_version: Some(v.clone()),
                verification: None,
                ..row.clone()
            });
        }
        if row.provider_version.is_some() {
            out.push(row);
        }
    }
    out
}

/// Whether an ignore selector covers the row.
pub fn ignores_row(ignore: &[ResolvedSelector], row: &Row) -> bool {
    ignore.iter().any(|s| {
        let covers = |pacticipant_id: i64, version_id: Option<i64>| {
            s.pacticipant_id == pacticipant_id
                && (s.original.only_pacticipant()
                    || (s.version_id().is_some() && s.version_id() == version_id))
        };
        covers(row.consumer_id, Some(row.consumer_version.id))
            || covers(row.provider_id, row.provider_version.as_ref().map(|v| v.id))
    })
}

/// Whether an ignore selector covers a pacticipant version (`None`: every
/// version, as when no version was found).
pub fn ignores_version(
    ignore: &[ResolvedSelector],
    pacticipant_id: i64,
    version_id: Option<i64>,
) -> bool {
    ignore.iter().any(|s| {
        s.pacticipant_id == pacticipant_id
            && (s.original.only_pacticipant()
                || (version_id.is_some() && s.version_id() == version_id))
    })
}

/// A consumer and provider whose pact matters to the query; `required`
/// when the consumer was specified (a consumer needs its providers, a
/// provider does not need its consumers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    pub consumer_id: i64,
    pub consumer: String,
    pub provider_id: i64,
    pub provider: String,
    pub required: bool,
}

/// A reason or notice, with the Pact Broker's type and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub kind: NoticeKind,
    pub text: String,
}

/// What the verdict is drawn from.
pub struct Query<'a> {
    /// Specified and inferred selectors.
    pub selectors: &'a [ResolvedSelector],
    pub ignore_selectors: &'a [ResolvedSelector],
    pub integrations: &'a [Integration],
    pub considered: &'a [Row],
    pub ignored: &'a [Row],
    pub destination: Option<&'a Destination>,
}

/// The verdict over every row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub deployable: Option<bool>,
    pub success: usize,
    pub failed: usize,
    pub unknown: usize,
    /// Only when ignore selectors were given.
    pub ignored: Option<usize>,
    pub reasons: Vec<Reason>,
}

impl Summary {
    /// The reasons as one text, one per line.
    pub fn reason(&self) -> String {
        self.reasons
            .iter()
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The verdict: counts, and the reasons in the Pact Broker's order
/// (warnings, then the errors, or the success when there are none).
pub fn summarise(q: &Query) -> Summary {
    let gaps = Gaps::of(q);
    let errors = error_reasons(q, &gaps);
    let mut reasons = warnings(q);
    if errors.is_empty() {
        reasons.extend(success_reason(q, &gaps));
    } else {
        reasons.extend(errors);
    }
    let count = |success| {
        q.considered
            .iter()
            .filter(|r| r.success() == success)
            .count()
    };
    Summary {
        deployable: deployable(q, &gaps),
        success: count(Some(true)),
        failed: count(Some(false)),
        unknown: gaps.integrations.len() + count(None),
        ignored: (!q.ignore_selectors.is_empty()).then_some(q.ignored.len()),
        reasons,
    }
}

/// What the rows cannot show: specified versions that do not exist, and
/// required integrations without a row (considered or ignored).
struct Gaps<'a> {
    selectors: Vec<&'a ResolvedSelector>,
    integrations: Vec<&'a Integration>,
}

impl<'a> Gaps<'a> {
    fn of(q: &Query<'a>) -> Gaps<'a> {
        let has_row = |i: &Integration| {
            q.considered
                .iter()
                .chain(q.ignored)
                .any(|r| r.consumer_id == i.consumer_id && r.provider_id == i.provider_id)
        };
        Gaps {
            selectors: q
                .selectors
                .iter()
                .filter(|s| s.specified() && !s.ignore && s.missing())
                .collect(),
            integrations: q
                .integrations
                .iter()
                .filter(|i| i.required && !has_row(i))
                .collect(),
        }
    }
}

/// No when a specified version is missing; unknown while a pact is
/// unverified or missing; otherwise whether every considered row succeeded.
fn deployable(q: &Query, gaps: &Gaps) -> Option<bool> {
    if !gaps.selectors.is_empty() {
        Some(false)
    } else if q.considered.iter().any(|r| r.success().is_none()) || !gaps.integrations.is_empty() {
        None
    } else {
        Some(q.considered.iter().all(|r| r.success() == Some(true)))
    }
}

/// Why the versions cannot be deployed, each text once: the missing
/// specified versions alone, else missing, failed and unverified pacts.
fn error_reasons(q: &Query, gaps: &Gaps) -> Vec<Reason> {
    let texts: Vec<String> = if gaps.selectors.is_empty() {
        pact_errors(q, gaps)
    } else {
        gaps.selectors
            .iter()
            .map(|s| s.no_version_description())
            .collect()
    };
    let mut seen = std::collections::HashSet::new();
    texts
        .into_iter()
        .filter(|text| seen.insert(text.clone()))
        .map(|text| Reason {
            kind: NoticeKind::Error,
            text,
        })
        .collect()
}

/// Integrations without a pact, then failed and unverified rows.
fn pact_errors(q: &Query, gaps: &Gaps) -> Vec<String> {
    let describe = Describer::new(q);
    let rows_with = |success| -> Vec<(String, String)> {
        q.considered
            .iter()
            .filter(|r| r.success() == success)
            .map(|r| describe.row(r))
            .collect()
    };
    let missing = gaps.integrations.iter().map(|i| {
        format!(
            "There is no verified pact between {} and {}",
            describe.selector(&i.consumer, None),
            describe.selector(&i.provider, None)
        )
    });
    let failed = rows_with(Some(false))
        .into_iter()
        .map(|(consumer, provider)| {
            format!("The verification for the pact between {consumer} and {provider} failed")
        });
    let unverified = rows_with(None).into_iter().map(|(consumer, provider)| {
        format!("There is no verified pact between {consumer} and {provider}")
    });
    missing.chain(failed).chain(unverified).collect()
}

/// Ignore selectors that match nothing, and what makes the result
/// unreliable: no target, or no version number.
fn warnings(q: &Query) -> Vec<Reason> {
    let specified: Vec<&ResolvedSelector> = q.selectors.iter().filter(|s| s.specified()).collect();
    let no_target = specified.len() == 1 && !q.destination.is_some_and(Destination::names_a_target);
    let no_version_number = specified.iter().any(|s| !s.original.only_pacticipant())
        && !specified.iter().any(|s| s.original.version.is_some());
    let cannot_ignore = q
        .ignore_selectors
        .iter()
        .filter(|s| s.missing())
        .map(|s| format!("WARN: Cannot ignore {}", s.description()));
    let unreliable = [
        (
            no_target,
            "WARN: It is recommended to specify the environment into which you are deploying. Without the environment, this result will not be reliable.",
        ),
        (
            no_version_number,
            "WARN: It is recommended to specify the version number (rather than the tag or branch) of the pacticipant you wish to deploy to avoid race conditions. Without a version number, this result will not be reliable.",
        ),
    ]
    .into_iter()
    .filter(|(applies, _)| *applies)
    .map(|(_, text)| text.to_owned());
    cannot_ignore
        .chain(unreliable)
        .map(|text| Reason {
            kind: NoticeKind::Warning,
            text,
        })
        .collect()
}

/// The success reason, when every considered row succeeded and no required
/// integration lacks a row.
fn success_reason(q: &Query, gaps: &Gaps) -> Option<Reason> {
    let all_verified = q.considered.iter().all(|r| r.success() == Some(true));
    (all_verified && gaps.integrations.is_empty()).then(|| Reason {
        kind: NoticeKind::Success,
        text: if q.considered.is_empty() {
            "There are no missing dependencies".into()
        } else {
            "All required verification results are published and successful".into()
        },
    })
}

/// Finds the selector that brought a row's pacticipant version into the
/// query, falling back to one made from the rows and integrations.
struct Describer<'a> {
    selectors: &'a [ResolvedSelector],
    fallbacks: Vec<ResolvedSelector>,
}

impl<'a> Describer<'a> {
    fn new(q: &Query<'a>) -> Describer<'a> {
        let mut fallbacks: Vec<ResolvedSelector> = Vec::new();
        for row in q.considered {
            fallbacks.push(ResolvedSelector::version_of(
                row.consumer_id,
                &row.consumer,
                &row.consumer_version,
            ));
            fallbacks.push(match &row.provider_version {
                Some(v) => ResolvedSelector::version_of(row.provider_id, &row.provider, v),
                None => ResolvedSelector::any_version_of(row.provider_id, &row.provider),
            });
        }
        for i in q.integrations {
            fallbacks.push(ResolvedSelector::any_version_of(i.consumer_id, &i.consumer));
            fallbacks.push(ResolvedSelector::any_version_of(i.provider_id, &i.provider));
        }
        Describer {
            selectors: q.selectors,
            fallbacks,
        }
    }

    fn selector(&self, name: &str, number: Option<&str>) -> String {
        let found: Vec<&ResolvedSelector> = self
            .selectors
            .iter()
            .filter(|s| s.pacticipant == name)
            .collect();
        let chosen = if found.len() == 1 {
            Some(found[0])
        } else {
            number.and_then(|n| {
                found.into_iter().find(
                    |s| matches!(&s.resolution, Resolution::Version { number, .. } if number == n),
                )
            })
        };
        chosen
            .or_else(|| self.fallbacks.iter().find(|s| s.pacticipant == name))
            .map(ResolvedSelector::description)
            .unwrap_or_else(|| format!("any version of {name}"))
    }

    fn row(&self, row: &Row) -> (String, String) {
        (
            self.selector(&row.consumer, Some(&row.consumer_version.number)),
            self.selector(
                &row.provider,
                row.provider_version.as_ref().map(|v| v.number.as_str()),
            ),
        )
    }
}

/// The `text/plain` rendering: the rows as a table, then the verdict.
pub fn render_text(rows: &[Row], summary: &Summary) -> String {
    let headers = [
        "CONSUMER",
        "C_VERSION",
        "REVISION",
        "PROVIDER",
        "P_VERSION",
        "NUMBER",
        "SUCCESS",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.consumer.clone(),
                r.consumer_version.number.clone(),
                r.pact_revision.to_string(),
                r.provider.clone(),
                r.provider_version
                    .as_ref()
                    .map(|v| v.number.clone())
                    .unwrap_or_default(),
                r.verification
                    .as_ref()
                    .map(|v| v.number.to_string())
                    .unwrap_or_default(),
                r.success().map(|s| s.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let mut widths = headers.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |values: Vec<&str>| {
        values
            .iter()
            .zip(widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect::<Vec<_>>()
            .join(" | ")
            .trim_end()
            .to_owned()
    };
    let mut out = String::new();
    if cells.is_empty() {
        out.push_str("No data");
    } else {
        out.push_str(&line(headers.to_vec()));
        out.push('\n');
        out.push_str(
            &widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("-|-"),
        );
        for row in &cells {
            out.push('\n');
            out.push_str(&line(row.iter().map(String::as_str).collect()));
        }
    }
    let deployable = match summary.deployable {
        Some(true) => "true",
        Some(false) => "false",
        None => "nil",
    };
    out.push_str(&format!(
        "\n\nDeployable: {deployable}\nReason: {}\n",
        summary.reason()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 1, 1, 0, minute, 0).unwrap()
    }

    /// Pacticipant ids: Foo 1, Bar 2, Baz 3. Version ids are given.
    fn id_of(name: &str) -> i64 {
        match name {
            "Foo" => 1,
            "Bar" => 2,
            _ => 3,
        }
    }

    fn row(consumer: &str, cv: (i64, &str), provider: &str, pv: Option<(i64, &str, bool)>) -> Row {
        Row {
            consumer_id: id_of(consumer),
            consumer: consumer.into(),
            consumer_version: VersionRef {
                id: cv.0,
                number: cv.1.into(),
            },
            provider_id: id_of(provider),
            provider: provider.into(),
            provider_version: pv.map(|(id, n, _)| VersionRef {
                id,
                number: n.into(),
            }),
            pact_version_sha: "sha".into(),
            pact_revision: 1,
            pact_created_at: at(0),
            verification: pv.map(|(id, _, success)| RowVerification {
                id: id * 10,
                number: id,
                success,
                build_url: None,
                executed_at: at(1),
                created_at: at(1),
            }),
        }
    }

    fn specified(name: &str, version: (i64, &str)) -> ResolvedSelector {
        ResolvedSelector {
            kind: SelectorKind::Specified,
            original: VersionSelector::version(name, version.1),
            ..ResolvedSelector::version_of(
                id_of(name),
                name,
                &VersionRef {
                    id: version.0,
                    number: version.1.into(),
                },
            )
        }
    }

    fn in_env(name: &str, version: Option<(i64, &str)>, one_of_many: bool) -> ResolvedSelector {
        ResolvedSelector {
            pacticipant_id: id_of(name),
            pacticipant: name.into(),
            resolution: match version {
                Some((id, n)) => Resolution::Version {
                    id,
                    number: n.into(),
                },
                None => Resolution::NoVersion,
            },
            original: Destination::Environment("prod".into()).selector_for(name),
            branch: None,
            kind: SelectorKind::Inferred,
            ignore: false,
            one_of_many,
        }
    }

    fn integration(consumer: &str, provider: &str, required: bool) -> Integration {
        Integration {
            consumer_id: id_of(consumer),
            consumer: consumer.into(),
            provider_id: id_of(provider),
            provider: provider.into(),
            required,
        }
    }

    fn summary(
        selectors: &[ResolvedSelector],
        integrations: &[Integration],
        rows: &[Row],
    ) -> Summary {
        let prod = Destination::Environment("prod".into());
        summarise(&Query {
            selectors,
            ignore_selectors: &[],
            integrations,
            considered: rows,
            ignored: &[],
            destination: Some(&prod),
        })
    }

    #[test]
    fn all_rows_successful_is_deployable() {
        let s = summary(
            &[
                specified("Foo", (1, "1")),
                in_env("Bar", Some((2, "2")), false),
            ],
            &[integration("Foo", "Bar", true)],
            &[row("Foo", (1, "1"), "Bar", Some((2, "2", true)))],
        );
        assert_eq!(s.deployable, Some(true));
        assert_eq!((s.success, s.failed, s.unknown, s.ignored), (1, 0, 0, None));
        assert_eq!(
            s.reason(),
            "All required verification results are published and successful"
        );
        assert_eq!(s.reasons[0].kind, NoticeKind::Success);
    }

    #[test]
    fn a_failed_verification_is_not_deployable() {
        let s = summary(
            &[
                specified("Foo", (1, "1")),
                in_env("Bar", Some((2, "2")), false),
            ],
            &[integration("Foo", "Bar", true)],
            &[row("Foo", (1, "1"), "Bar", Some((2, "2", false)))],
        );
        assert_eq!(s.deployable, Some(false));
        assert_eq!(
            s.reason(),
            "The verification for the pact between version 1 of Foo and the version of Bar currently in prod (2) failed"
        );
    }

    #[test]
    fn a_missing_verification_is_unknown_even_with_a_failure() {
        let s = summary(
            &[
                specified("Foo", (1, "1")),
                in_env("Bar", Some((2, "2")), false),
                in_env("Baz", None, false),
            ],
            &[
                integration("Foo", "Bar", true),
                integration("Foo", "Baz", true),
            ],
            &[
                row("Foo", (1, "1"), "Bar", Some((2, "2", false))),
                row("Foo", (1, "1"), "Baz", None),
            ],
        );
        assert_eq!(s.deployable, None);
        assert_eq!((s.success, s.failed, s.unknown), (0, 1, 1));
        assert_eq!(
            s.reasons
                .iter()
                .map(|r| r.text.as_str())
                .collect::<Vec<_>>(),
            [
                "The verification for the pact between version 1 of Foo and the version of Bar currently in prod (2) failed",
                "There is no verified pact between version 1 of Foo and a version of Baz currently in prod (no version is currently recorded as deployed/released in this environment)",
            ]
        );
    }

    #[test]
    fn a_required_integration_without_a_row_is_unknown() {
        let s = summary(
            &[specified("Foo", (1, "1")), in_env("Bar", None, false)],
            &[integration("Foo", "Bar", true)],
            &[],
        );
        assert_eq!(s.deployable, None);
        assert_eq!(s.unknown, 1);
        assert!(s.reason().starts_with(
            "There is no verified pact between version 1 of Foo and a version of Bar currently in prod"
        ));
    }

    #[test]
    fn a_provider_needs_no_consumer() {
        let s = summary(
            &[specified("Bar", (2, "2")), in_env("Foo", None, false)],
            &[integration("Foo", "Bar", false)],
            &[],
        );
        assert_eq!(s.deployable, Some(true));
        assert_eq!(s.reason(), "There are no missing dependencies");
    }

    #[test]
    fn a_specified_version_that_does_not_exist_is_not_deployable() {
        let mut foo = specified("Foo", (1, "9"));
        foo.resolution = Resolution::NoVersion;
        let s = summary(&[foo], &[], &[]);
        assert_eq!(s.deployable, Some(false));
        assert_eq!(
            s.reason(),
            "No pacts or verifications have been published for version 9 of Foo"
        );
    }

    #[test]
    fn warns_without_a_destination_or_a_version_number() {
        let mut foo = specified("Foo", (1, "1"));
        foo.original = VersionSelector {
            latest: true,
            ..VersionSelector::pacticipant("Foo")
        };
        let s = summarise(&Query {
            selectors: &[foo],
            ignore_selectors: &[],
            integrations: &[],
            considered: &[],
            ignored: &[],
            destination: Some(&Destination::Latest),
        });
        assert_eq!(s.deployable, Some(true));
        let kinds: Vec<_> = s.reasons.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                NoticeKind::Warning,
                NoticeKind::Warning,
                NoticeKind::Success
            ]
        );
        assert!(
            s.reasons[0]
                .text
                .starts_with("WARN: It is recommended to specify the environment")
        );
        assert!(
            s.reasons[1]
                .text
                .starts_with("WARN: It is recommended to specify the version number")
        );
    }

    #[test]
    fn ignored_rows_do_not_count_and_unknown_ignore_selectors_warn() {
        let ignore = vec![
            ResolvedSelector {
                kind: SelectorKind::Ignore,
                ..ResolvedSelector::any_version_of(3, "Baz")
            },
            ResolvedSelector {
                pacticipant_id: -1,
                resolution: Resolution::NoPacticipant,
                kind: SelectorKind::Ignore,
                ..ResolvedSelector::any_version_of(-1, "Nope")
            },
        ];
        let rows = vec![
            row("Foo", (1, "1"), "Bar", Some((2, "2", true))),
            row("Foo", (1, "1"), "Baz", Some((3, "3", false))),
        ];
        let (ignored, considered): (Vec<Row>, Vec<Row>) =
            rows.into_iter().partition(|r| ignores_row(&ignore, r));
        let prod = Destination::Environment("prod".into());
        let s = summarise(&Query {
            selectors: &[specified("Foo", (1, "1"))],
            ignore_selectors: &ignore,
            integrations: &[
                integration("Foo", "Bar", true),
                integration("Foo", "Baz", true),
            ],
            considered: &considered,
            ignored: &ignored,
            destination: Some(&prod),
        });
        assert_eq!(s.deployable, Some(true));
        assert_eq!((s.success, s.failed, s.ignored), (1, 0, Some(1)));
        assert_eq!(
            s.reason(),
            "WARN: Cannot ignore any version of Nope (no such pacticipant exists)\n\
             All required verification results are published and successful"
        );
    }

    #[test]
    fn latest_by_keeps_the_newest_provider_version_per_key() {
        let rows = vec![
            row("Foo", (5, "5"), "Bar", Some((7, "7", false))),
            row("Foo", (5, "5"), "Bar", Some((8, "8", true))),
            row("Foo", (4, "4"), "Bar", Some((9, "9", true))),
            row("Foo", (4, "4"), "Baz", None),
        ];
        let numbers = |rows: Vec<Row>| -> Vec<(String, Option<String>)> {
            rows.into_iter()
                .map(|r| {
                    (
                        r.consumer_version.number,
                        r.provider_version.map(|v| v.number),
                    )
                })
                .collect()
        };
        assert_eq!(latest_by(rows.clone(), Some(LatestBy::Cvpv)).len(), 4);
        assert_eq!(
            numbers(latest_by(rows.clone(), Some(LatestBy::Cvp))),
            [
                ("5".into(), Some("8".into())),
                ("4".into(), Some("9".into())),
                ("4".into(), None)
            ]
        );
        assert_eq!(
            numbers(latest_by(rows.clone(), Some(LatestBy::Cp))),
            [("4".into(), Some("9".into())), ("4".into(), None)]
        );
        assert_eq!(latest_by(rows, None).len(), 4);
    }

    #[test]
    fn every_co_deployed_provider_version_gets_a_row() {
        let selectors = [
            specified("Foo", (1, "1")),
            in_env("Bar", Some((9, "9")), true),
            in_env("Bar", Some((10, "10")), true),
            in_env("Baz", Some((3, "3")), false),
        ];
        let versions = |rows: &[Row]| -> Vec<(String, Option<String>, Option<bool>)> {
            rows.iter()
                .map(|r| {
                    (
                        r.provider.clone(),
                        r.provider_version.as_ref().map(|v| v.number.clone()),
                        r.success(),
                    )
                })
                .collect()
        };
        // Bar 10 verified, Bar 9 did not: Bar 9 gets an unverified row.
        let rows = complete_rows(
            vec![
                row("Foo", (1, "1"), "Bar", Some((10, "10", true))),
                row("Foo", (1, "1"), "Baz", None),
            ],
            &selectors,
        );
        assert_eq!(
            versions(&rows),
            [
                ("Bar".into(), Some("9".into()), None),
                ("Bar".into(), Some("10".into()), Some(true)),
                ("Baz".into(), None, None),
            ]
        );
        let s = summary(
            &selectors[..3],
            &[integration("Foo", "Bar", true)],
            &rows[..2],
        );
        assert_eq!(s.deployable, None);
        assert_eq!((s.success, s.failed, s.unknown), (1, 0, 1));
        assert_eq!(
            s.reason(),
            "There is no verified pact between version 1 of Foo and one of the versions of Bar currently in prod (9)"
        );
        // Neither verified: one unverified row per version.
        let rows = complete_rows(vec![row("Foo", (1, "1"), "Bar", None)], &selectors);
        assert_eq!(
            versions(&rows),
            [
                ("Bar".into(), Some("9".into()), None),
                ("Bar".into(), Some("10".into()), None),
            ]
        );
        // Both verified: nothing to add.
        let both = vec![
            row("Foo", (1, "1"), "Bar", Some((10, "10", true))),
            row("Foo", (1, "1"), "Bar", Some((9, "9", false))),
        ];
        assert_eq!(complete_rows(both.clone(), &selectors), both);
    }

    #[test]
    fn describes_selectors_like_the_pact_broker() {
        let found = |original: VersionSelector, one_of_many: bool, branch: Option<&str>| {
            ResolvedSelector {
                original,
                one_of_many,
                branch: branch.map(str::to_owned),
                ..ResolvedSelector::version_of(
                    1,
                    "Foo",
                    &VersionRef {
                        id: 1,
                        number: "1".into(),
                    },
                )
            }
            .description()
        };
        let s = |f: fn(&mut VersionSelector)| {
            let mut s = VersionSelector::pacticipant("Foo");
            f(&mut s);
            s
        };
        assert_eq!(
            found(
                s(|s| {
                    s.tag = Some("prod".into());
                    s.latest = true
                }),
                false,
                None
            ),
            "the latest version of Foo with tag prod (1)"
        );
        assert_eq!(
            found(
                s(|s| {
                    s.main_branch = true;
                    s.latest = true
                }),
                false,
                Some("main")
            ),
            "the latest version of Foo from branch main (1)"
        );
        assert_eq!(
            found(s(|s| s.branch = Some("feat".into())), true, None),
            "one of the versions of Foo from branch feat (1)"
        );
        assert_eq!(
            found(s(|s| s.environment = Some("prod".into())), true, None),
            "one of the versions of Foo currently in prod (1)"
        );
        assert_eq!(
            found(s(|s| s.latest = true), false, None),
            "the latest version of Foo (1)"
        );
        assert_eq!(
            found(VersionSelector::version("Foo", "1"), false, None),
            "version 1 of Foo"
        );
        let missing = ResolvedSelector {
            resolution: Resolution::NoVersion,
            original: s(|s| {
                s.main_branch = true;
                s.latest = true
            }),
            ..ResolvedSelector::any_version_of(1, "Foo")
        };
        assert_eq!(
            missing.description(),
            "the latest version of Foo from the main branch (no versions exist for this branch)"
        );
        assert_eq!(
            missing.no_version_description(),
            "No version of Foo from the main branch exists"
        );
    }

    #[test]
    fn renders_text() {
        let rows = vec![row("Foo", (1, "1"), "Bar", Some((2, "2", true)))];
        let s = summary(
            &[
                specified("Foo", (1, "1")),
                in_env("Bar", Some((2, "2")), false),
            ],
            &[integration("Foo", "Bar", true)],
            &rows,
        );
        let text = render_text(&rows, &s);
        assert!(text.starts_with(
            "CONSUMER | C_VERSION | REVISION | PROVIDER | P_VERSION | NUMBER | SUCCESS\n"
        ));
        assert!(
            text.contains("Foo      | 1         | 1        | Bar      | 2         | 2      | true")
        );
        assert!(text.ends_with("Deployable: true\nReason: All required verification results are published and successful\n"));
    }
}
