//! Verifiable pacts: the pacts handed to a provider to verify, each with
//! the selectors that chose it, its pending and work in progress status,
//! and the texts the verifiers print about it (the Pact Broker's wording).

use std::collections::BTreeMap;

use super::metadata;
use super::selector::{Kind, Selector};

const READ_MORE_PENDING: &str = "Read more at https://docs.pact.io/go/pending";
const READ_MORE_WIP: &str = "Read more at https://docs.pact.io/go/wip";

/// A selector resolved to one consumer version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub selector: Selector,
    pub consumer_version_id: i64,
    pub consumer_version: String,
    /// The branch, tag or environment that matched: the fallback's when
    /// `fallback` is set, the consumer's main branch for `MainBranch`.
    pub label: Option<String>,
    /// Matched by the selector's fallback branch or tag.
    pub fallback: bool,
}

impl Matched {
    fn rank(&self) -> u8 {
        match self.selector.kind {
            Kind::Latest => 0,
            Kind::MainBranch | Kind::Branch { .. } | Kind::AllBranches => 1,
            Kind::LatestTag { .. } => 2,
            Kind::AllTag { .. } => 3,
            Kind::Deployed { .. } => 4,
            Kind::Released { .. } => 5,
        }
    }

    fn label(&self) -> &str {
        self.label.as_deref().unwrap_or_default()
    }

    /// Short enough for a test name (Pact Go builds one from it).
    fn short_description(&self) -> String {
        match &self.selector.kind {
            Kind::Latest => "latest".into(),
            Kind::LatestTag { .. } => format!("latest with tag {}", self.label()),
            Kind::MainBranch => "latest from main branch".into(),
            Kind::Branch { .. } | Kind::AllBranches => {
                format!("latest from branch {}", self.label())
            }
            Kind::AllTag { tag } => match &self.selector.consumer {
                Some(consumer) => format!("one of {consumer} {tag}"),
                None => format!("one of {tag}"),
            },
            Kind::Deployed { .. } => format!("deployed to {}", self.label()),
            Kind::Released { .. } => format!("released in {}", self.label()),
        }
    }

    fn description(&self, provider: &str) -> String {
        let version_label = match &self.selector.consumer {
            Some(consumer) => format!("version of {consumer}"),
            None => "version".to_owned(),
        };
        let text = match &self.selector.kind {
            Kind::Latest => format!(
                "latest version of {} that has a pact with {provider}",
                self.selector.consumer.as_deref().unwrap_or("a consumer")
            ),
            Kind::LatestTag { tag, .. } if self.fallback => format!(
                "latest {version_label} tagged '{}' (fallback tag used as no pact was found with tag '{tag}')",
                self.label()
            ),
            Kind::LatestTag { tag, .. } => format!("latest {version_label} tagged '{tag}'"),
            Kind::MainBranch => format!(
                "latest {version_label} from the main branch '{}'",
                self.label()
            ),
            Kind::Branch { name, .. } if self.fallback => format!(
                "latest {version_label} from branch '{}' (fallback branch used as no pact was found from branch '{name}')",
                self.label()
            ),
            Kind::Branch { .. } | Kind::AllBranches => {
                format!("latest {version_label} from branch '{}'", self.label())
            }
            Kind::AllTag { tag } => match &self.selector.consumer {
                Some(consumer) => format!("all {consumer} versions tagged '{tag}'"),
                None => format!("all consumer versions tagged '{tag}'"),
            },
            // Described in groups; see `selector_descriptions`.
            Kind::Deployed { .. } | Kind::Released { .. } => self.label().to_owned(),
        };
        format!("{text} ({})", self.consumer_version)
    }

    /// The selector's entry in the metadata segment: `b`ranch, `t`ag,
    /// `l`atest, `e`nvironment and `cv` (the consumer version id).
    fn metadata(&self) -> Vec<(&'static str, String)> {
        let mut entry = Vec::new();
        let label = || self.label().to_owned();
        match &self.selector.kind {
            Kind::MainBranch | Kind::Branch { .. } | Kind::AllBranches => {
                entry.push(("b", label()));
                entry.push(("l", "true".into()));
            }
            Kind::Latest => entry.push(("l", "true".into())),
            Kind::LatestTag { .. } => {
                entry.push(("t", label()));
                entry.push(("l", "true".into()));
            }
            Kind::AllTag { tag } => entry.push(("t", tag.clone())),
            Kind::Deployed { .. } | Kind::Released { .. } => entry.push(("e", label())),
        }
        entry.push(("cv", self.consumer_version_id.to_string()));
        entry
    }
}

/// A pact to verify.
#[derive(Debug, Clone)]
pub struct VerifiablePact {
    pub consumer: String,
    pub provider: String,
    /// The newest of the selected consumer versions with this content.
    pub consumer_version: String,
    pub consumer_version_id: i64,
    /// The stored content's id.
    pub content_id: i64,
    pub sha: String,
    pub selectors: Vec<Matched>,
    /// `None` when pending status was not asked for.
    pub pending: Option<bool>,
    pub wip: bool,
    /// In tag mode: the provider tags the pact is pending for, and the rest.
    pub pending_provider_tags: Vec<String>,
    pub non_pending_provider_tags: Vec<String>,
    pub provider_branch: Option<String>,
}

/// A message for the verifier to print; `when` is the Pact Broker's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationNotice {
    pub when: &'static str,
    pub text: String,
}

/// Merges pacts with the same consumer and content into one, for the
/// newest consumer version, keeping every selector that chose them;
/// ordered by consumer name, then consumer version.
pub fn merge(pacts: Vec<VerifiablePact>) -> Vec<VerifiablePact> {
    let mut merged: BTreeMap<(String, String), VerifiablePact> = BTreeMap::new();
    for pact in pacts {
        match merged.entry((pact.consumer.clone(), pact.sha.clone())) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(pact);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let kept = slot.get_mut();
                if pact.consumer_version_id > kept.consumer_version_id {
                    kept.consumer_version_id = pact.consumer_version_id;
                    kept.consumer_version = pact.consumer_version;
                }
                for selector in pact.selectors {
                    if !kept.selectors.contains(&selector) {
                        kept.selectors.push(selector);
                    }
                }
                kept.pending = match (kept.pending, pact.pending) {
                    (None, None) => None,
                    (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
                };
                kept.wip |= pact.wip;
                for tag in pact.pending_provider_tags {
                    if !kept.pending_provider_tags.contains(&tag) {
                        kept.pending_provider_tags.push(tag);
                    }
                }
                kept.non_pending_provider_tags
                    .retain(|t| !kept.pending_provider_tags.contains(t));
            }
        }
    }
    let mut pacts: Vec<VerifiablePact> = merged.into_values().collect();
    for pact in &mut pacts {
        pact.selectors.sort_by(|a, b| {
            (a.rank(), a.label(), a.consumer_version_id).cmp(&(
                b.rank(),
                b.label(),
                b.consumer_version_id,
            ))
        });
    }
    pacts.sort_by(|a, b| {
        (&a.consumer, a.consumer_version_id).cmp(&(&b.consumer, b.consumer_version_id))
    });
    pacts
}

impl VerifiablePact {
    /// The link name the Pact Broker gives a pact.
    pub fn name(&self) -> String {
        format!(
            "Pact between {} ({}) and {}",
            self.consumer, self.consumer_version, self.provider
        )
    }

    /// Why the pact was chosen, in a few words.
    pub fn short_description(&self) -> String {
        self.selectors
            .iter()
            .map(Matched::short_description)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The metadata segment of the pact's URL: the selectors and pending
    /// status, or only the WIP flag for a work in progress pact.
    pub fn metadata(&self) -> String {
        if self.wip {
            return metadata::encode(&[("w", "true".into())], &[]);
        }
        let selectors: Vec<Vec<(&str, String)>> =
            self.selectors.iter().map(Matched::metadata).collect();
        let mut flat: Vec<(&str, String)> = Vec::new();
        if let Some(pending) = self.pending {
            flat.push(("p", pending.to_string()));
        }
        metadata::encode(&flat, &selectors)
    }

    /// The notices the verifiers print before and after verifying: why the
    /// pact is verified, and with `include_pending` its pending status.
    /// `deprecated` adds the warning the GET form of the request earns.
    pub fn notices(
        &self,
        pact_url: &str,
        include_pending: bool,
        deprecated: bool,
    ) -> Vec<VerificationNotice> {
        let mut notices = Vec::new();
        let mut add = |when: &'static str, text: Option<String>| {
            if let Some(text) = text {
                notices.push(VerificationNotice { when, text });
            }
        };
        if deprecated {
            add("before_verification", Some("WARNING - this version of the Pact library uses a beta version of the API which will be removed in the future. Please upgrade your Pact library. See https://docs.pact.io/pact_broker/advanced_topics/provider_verification_results/#pacts-for-verification for minimum required versions.".into()));
        }
        add("before_verification", Some(self.inclusion_reason(pact_url)));
        if include_pending {
            let pending = self.pending == Some(true);
            add("before_verification", Some(self.pending_reason()));
            add(
                "after_verification:success_true_published_false",
                pending.then(|| {
                    format!(
                        "This pact is still in pending state for {} as the successful verification results {}have not yet been published.",
                        self.pending_description("any"),
                        self.with_these_tags()
                    )
                }),
            );
            let still_pending = pending.then(|| {
                format!(
                    "This pact is still in pending state for {} as a successful verification result {}has not yet been published",
                    self.pending_description("any"),
                    self.with_these_tags()
                )
            });
            add(
                "after_verification:success_false_published_false",
                still_pending.clone(),
            );
            add(
                "after_verification:success_true_published_true",
                pending.then(|| {
                    format!(
                        "This pact is no longer in pending state for {}, as a successful verification result {}has been published. If a verification for a version of {} {}fails in the future, it will fail the build. {READ_MORE_PENDING}",
                        self.pending_description("any"),
                        self.with_these_tags(),
                        self.provider,
                        self.with_these_tags()
                    )
                }),
            );
            add(
                "after_verification:success_false_published_true",
                still_pending,
            );
        }
        notices
    }

    fn inclusion_reason(&self, pact_url: &str) -> String {
        if self.wip {
            let branches = self.labels(|k| matches!(k, Kind::Branch { .. } | Kind::AllBranches));
            let tags = self.labels(|k| matches!(k, Kind::LatestTag { .. }));
            let version_text = if branches.len() == 1 || tags.len() == 1 {
                "version"
            } else {
                "versions"
            };
            let mut parts = Vec::new();
            if !branches.is_empty() {
                let noun = if branches.len() == 1 {
                    "branch"
                } else {
                    "branches"
                };
                parts.push(format!("from {noun} {}", join_quoted(&branches)));
            }
            if !tags.is_empty() {
                parts.push(format!("tagged with {}", join_quoted(&tags)));
            }
            let same_content = match self.selectors.len() {
                1 => "",
                2 => " (both have the same content)",
                _ => " (all have the same content)",
            };
            format!(
                "The pact at {pact_url} is being verified because it is a 'work in progress' pact (ie. it is the pact for the latest {version_text} of {} {}{same_content} and it has not yet been successfully verified by {} when the pact's application version was explicitly specified in the consumer version selectors). {READ_MORE_WIP}",
                self.consumer,
                parts.join(" and "),
                self.pending_description("a")
            )
        } else {
            let count = self.selectors.len();
            format!(
                "The pact at {pact_url} is being verified because the pact content belongs to {} matching the following {}:\n{}",
                if count == 1 {
                    "the consumer version"
                } else {
                    "the consumer versions"
                },
                if count == 1 { "criterion" } else { "criteria" },
                self.selector_descriptions()
            )
        }
    }

    fn selector_descriptions(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        for (rank, where_) in [
            (4, "currently deployed to"),
            (5, "released and supported in"),
        ] {
            // Deployed and released versions are described per consumer.
            let mut by_consumer: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
            for matched in self.selectors.iter().filter(|m| m.rank() == rank) {
                by_consumer
                    .entry(matched.selector.consumer.as_deref())
                    .or_default()
                    .push(format!(
                        "{} ({})",
                        matched.label(),
                        matched.consumer_version
                    ));
            }
            for (consumer, places) in by_consumer {
                let who = match consumer {
                    Some(consumer) => format!("version(s) of {consumer}"),
                    None => "consumer version(s)".to_owned(),
                };
                lines.push(format!("{who} {where_} {}", join(&places, " and ")));
            }
        }
        let mut described: Vec<String> = self
            .selectors
            .iter()
            .filter(|m| m.rank() < 4)
            .map(|m| m.description(&self.provider))
            .collect();
        described.extend(lines);
        described
            .iter()
            .map(|d| format!("    * {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn pending_reason(&self) -> String {
        if self.pending == Some(true) && self.wip {
            format!(
                "This pact is in pending state for this version of {} because it was included as a 'work in progress' pact. If this verification fails, it will not cause the overall build to fail. {READ_MORE_PENDING}",
                self.provider
            )
        } else if self.pending == Some(true) {
            format!(
                "This pact is in pending state for this version of {} because a successful verification result for {} has not yet been published. If this verification fails, it will not cause the overall build to fail. {READ_MORE_PENDING}",
                self.provider,
                self.pending_description("a")
            )
        } else {
            let by = match (
                &self.provider_branch,
                self.non_pending_provider_tags.as_slice(),
            ) {
                (Some(branch), _) => {
                    format!("a version of {} from branch '{branch}'", self.provider)
                }
                (None, []) => self.provider.clone(),
                (None, [tag]) => format!("a version of {} with tag '{tag}'", self.provider),
                (None, tags) => format!(
                    "a version of {} with tag {}",
                    self.provider,
                    join_quoted(tags)
                ),
            };
            format!(
                "This pact has previously been successfully verified by {by}. If this verification fails, it will fail the build. {READ_MORE_PENDING}"
            )
        }
    }

    fn pending_description(&self, any_or_a: &str) -> String {
        if let Some(branch) = &self.provider_branch {
            return format!(
                "{any_or_a} version of {} from branch '{branch}'",
                self.provider
            );
        }
        match self.pending_provider_tags.as_slice() {
            [] => self.provider.clone(),
            [tag] => format!("{any_or_a} version of {} with tag '{tag}'", self.provider),
            tags => format!(
                "{any_or_a} versions of {} with tag {}",
                self.provider,
                join_quoted(tags)
            ),
        }
    }

    fn with_these_tags(&self) -> &'static str {
        match self.pending_provider_tags.len() {
            0 => "",
            1 => "with this tag ",
            _ => "with these tags ",
        }
    }

    fn labels(&self, kind: impl Fn(&Kind) -> bool) -> Vec<String> {
        let mut labels: Vec<String> = Vec::new();
        for matched in self.selectors.iter().filter(|m| kind(&m.selector.kind)) {
            if !labels.iter().any(|l| l == matched.label()) {
                labels.push(matched.label().to_owned());
            }
        }
        labels
    }
}

fn join_quoted(words: &[String]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    join(&quoted, " and ")
}

/// "a", "a and b", "a, b and c".
fn join(words: &[String], last: &str) -> String {
    match words {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., final_word] => format!("{}{last}{final_word}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched(kind: Kind, version: (i64, &str), label: &str) -> Matched {
        Matched {
            selector: Selector::new(kind),
            consumer_version_id: version.0,
            consumer_version: version.1.into(),
            label: Some(label.into()),
            fallback: false,
        }
    }

    fn pact(
        consumer: &str,
        sha: &str,
        version: (i64, &str),
        selectors: Vec<Matched>,
    ) -> VerifiablePact {
        VerifiablePact {
            consumer: consumer.into(),
            provider: "Bar".into(),
            consumer_version: version.1.into(),
            consumer_version_id: version.0,
            content_id: 0,
            sha: sha.into(),
            selectors,
            pending: None,
            wip: false,
            pending_provider_tags: vec![],
            non_pending_provider_tags: vec![],
            provider_branch: None,
        }
    }

    #[test]
    fn merges_by_consumer_and_content_keeping_the_newest_version() {
        let main = matched(Kind::MainBranch, (2, "2"), "main");
        let prod = matched(Kind::Deployed { environment: None }, (1, "1"), "prod");
        let merged = merge(vec![
            pact("Foo", "abc", (2, "2"), vec![main.clone()]),
            pact("Foo", "abc", (1, "1"), vec![prod.clone()]),
            pact("Baz", "abc", (1, "1"), vec![prod.clone()]),
            pact("Foo", "def", (3, "3"), vec![main.clone()]),
        ]);
        let summary: Vec<(&str, &str, &str, String)> = merged
            .iter()
            .map(|p| {
                (
                    p.consumer.as_str(),
                    p.sha.as_str(),
                    p.consumer_version.as_str(),
                    p.short_description(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("Baz", "abc", "1", "deployed to prod".into()),
                (
                    "Foo",
                    "abc",
                    "2",
                    "latest from main branch, deployed to prod".into()
                ),
                ("Foo", "def", "3", "latest from main branch".into()),
            ]
        );
    }

    #[test]
    fn describes_why_a_pact_is_verified() {
        let mut p = pact(
            "Foo",
            "abc",
            (2, "2.0"),
            vec![
                matched(Kind::Deployed { environment: None }, (1, "1.0"), "prod"),
                matched(Kind::Deployed { environment: None }, (2, "2.0"), "test"),
                matched(Kind::MainBranch, (2, "2.0"), "main"),
            ],
        );
        p = merge(vec![p]).remove(0);
        let notices = p.notices("URL", false, false);
        assert_eq!(notices.len(), 1);
        assert_eq!(
            notices[0].text,
            "The pact at URL is being verified because the pact content belongs to the consumer versions matching the following criteria:\n    * latest version from the main branch 'main' (2.0)\n    * consumer version(s) currently deployed to prod (1.0) and test (2.0)"
        );
    }

    #[test]
    fn pending_notices_name_the_provider_branch() {
        let mut p = pact(
            "Foo",
            "abc",
            (1, "1"),
            vec![matched(Kind::Latest, (1, "1"), "")],
        );
        p.pending = Some(true);
        p.provider_branch = Some("main".into());
        let whens: Vec<&str> = p
            .notices("URL", true, true)
            .iter()
            .map(|n| n.when)
            .collect();
        assert_eq!(
            whens,
            [
                "before_verification",
                "before_verification",
                "before_verification",
                "after_verification:success_true_published_false",
                "after_verification:success_false_published_false",
                "after_verification:success_true_published_true",
                "after_verification:success_false_published_true",
            ]
        );
        assert!(p.notices("URL", true, false)[1].text.contains(
            "because a successful verification result for a version of Bar from branch 'main' has not yet been published"
        ));
        p.pending = Some(false);
        let texts: Vec<String> = p
            .notices("URL", true, false)
            .into_iter()
            .map(|n| n.text)
            .collect();
        assert_eq!(
            texts.len(),
            2,
            "no after-verification notices once verified"
        );
        assert!(texts[1].starts_with("This pact has previously been successfully verified by a version of Bar from branch 'main'"));
    }

    #[test]
    fn metadata_carries_selectors_or_the_wip_flag() {
        let mut p = pact(
            "Foo",
            "abc",
            (7, "1"),
            vec![matched(Kind::MainBranch, (7, "1"), "main")],
        );
        p.pending = Some(false);
        let decoded = metadata::decode(&p.metadata()).unwrap();
        assert!(!decoded.pending && !decoded.wip);
        p.wip = true;
        let decoded = metadata::decode(&p.metadata()).unwrap();
        assert!(decoded.wip);
    }
}
