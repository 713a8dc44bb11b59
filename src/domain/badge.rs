//! Status badges: what the Pact Broker's badges say (their label, message
//! and colour), and the SVG pactwire draws for them itself instead of
//! sending browsers to shields.io.
//!
//! The wording follows the Pact Broker's `badges/service.rb` and
//! `verifications/pseudo_branch_status.rb`.

mod svg;

use std::sync::LazyLock;

use regex::Regex;

pub use svg::{escape, text_width};

/// The colours of shields.io that the Pact Broker's badges use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    BrightGreen,
    Red,
    Orange,
    LightGrey,
}

impl Colour {
    pub fn hex(self) -> &'static str {
        match self {
            Colour::BrightGreen => "#4c1",
            Colour::Red => "#e05d44",
            Colour::Orange => "#fe7d37",
            Colour::LightGrey => "#9f9f9f",
        }
    }
}

/// A two-part badge: the label on grey, the message on its colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub label: String,
    pub message: String,
    pub colour: Colour,
}

impl Badge {
    fn new(label: impl Into<String>, message: impl Into<String>, colour: Colour) -> Badge {
        Badge {
            label: label.into(),
            message: message.into(),
            colour,
        }
    }

    /// The badge as a standalone SVG document.
    pub fn svg(&self) -> String {
        svg::render(self)
    }
}

/// Where the latest pact of a consumer and provider (or of their tags)
/// stands with its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PactStatus {
    /// No verification result yet.
    Unknown,
    /// The latest result passed, for this very content.
    Verified,
    /// The latest result passed, but for earlier content: the pact changed
    /// since.
    Changed,
    /// The latest result failed while the pact was pending, so it did not
    /// fail the provider's build.
    FailedPending,
    Failed,
}

/// The latest verification result that the status is drawn from.
#[derive(Debug, Clone, Copy)]
pub struct LatestResult<'a> {
    /// The hash of the content it verified.
    pub sha: &'a str,
    pub success: bool,
    /// Whether the pact was pending for the provider when it was verified.
    pub pending: bool,
}

impl PactStatus {
    /// The status of the pact with content `pact_sha` given the latest
    /// result of its pseudo branch (which may be for earlier content).
    pub fn of(pact_sha: &str, latest: Option<LatestResult>) -> PactStatus {
        match latest {
            None => PactStatus::Unknown,
            Some(r) if r.success && r.sha == pact_sha => PactStatus::Verified,
            Some(r) if r.success => PactStatus::Changed,
            Some(r) if r.pending => PactStatus::FailedPending,
            Some(_) => PactStatus::Failed,
        }
    }

    fn message(self) -> &'static str {
        match self {
            PactStatus::Unknown => "unknown",
            PactStatus::Verified => "verified",
            PactStatus::Changed => "changed",
            PactStatus::FailedPending => "failed (pending)",
            PactStatus::Failed => "failed",
        }
    }

    fn colour(self) -> Colour {
        match self {
            PactStatus::Unknown => Colour::LightGrey,
            PactStatus::Verified => Colour::BrightGreen,
            PactStatus::Changed => Colour::Orange,
            PactStatus::FailedPending | PactStatus::Failed => Colour::Red,
        }
    }
}

/// A pact badge's pacticipants, as the badge names them.
#[derive(Debug, Clone, Copy, Default)]
pub struct PactLabel<'a> {
    /// `?label=`: `consumer` or `provider` (any case) shows only that
    /// name; anything else both.
    pub only: Option<&'a str>,
    /// `?initials=true`: initials for names of several words.
    pub initials: bool,
    /// Tags shown after each name, as the matrix badge does.
    pub consumer_tag: Option<&'a str>,
    pub provider_tag: Option<&'a str>,
}

/// The badge of a pact between `names` (consumer, provider), or of a pact
/// that does not exist when `names` is `None`.
pub fn pact(names: Option<(&str, &str)>, label: PactLabel, status: PactStatus) -> Badge {
    let Some((consumer, provider)) = names else {
        return Badge::new("pact not found", "unknown", Colour::LightGrey);
    };
    let consumer = badge_name(consumer, label.initials, label.consumer_tag);
    let provider = badge_name(provider, label.initials, label.provider_tag);
    let title = match label.only.map(str::to_lowercase).as_deref() {
        Some("consumer") => consumer,
        Some("provider") => provider,
        _ => format!("{consumer}/{provider}"),
    };
    Badge::new(
        format!("{title} pact").to_lowercase(),
        status.message(),
        status.colour(),
    )
}

/// The can-i-deploy badge of the latest version `from` (a tag or branch)
/// to `to` (a tag or environment). Unknown is red, as in the Pact Broker:
/// only a definite yes is green.
pub fn can_i_deploy(label: Option<&str>, from: &str, to: &str, deployable: Option<bool>) -> Badge {
    let colour = if deployable == Some(true) {
        Colour::BrightGreen
    } else {
        Colour::Red
    };
    Badge::new(
        label.unwrap_or("can-i-deploy"),
        format!("{from} to {to}"),
        colour,
    )
}

/// The can-i-merge badge of the head of a main branch.
pub fn can_i_merge(deployable: Option<bool>) -> Badge {
    let (message, colour) = match deployable {
        None => ("unknown", Colour::LightGrey),
        Some(true) => ("success", Colour::BrightGreen),
        Some(false) => ("failed", Colour::Red),
    };
    Badge::new("can-i-merge", message, colour)
}

/// The badge saying what a can-i-deploy or can-i-merge badge could not
/// find, such as `pacticipant` or `main branch version`.
pub fn not_found(what: &str) -> Badge {
    Badge::new(what, "not found", Colour::LightGrey)
}

/// The badge shown instead when drawing one failed: the reference of the
/// logged error.
pub fn error(reference: &str) -> Badge {
    Badge::new(
        "error",
        format!("reference: {reference}"),
        Colour::LightGrey,
    )
}

/// A name as a pact badge shows it: lower case, or its initials when asked
/// for and it has several words, with the tag after it.
pub fn badge_name(name: &str, initials: bool, tag: Option<&str>) -> String {
    let suffix = tag.map(|t| format!(" ({t})")).unwrap_or_default();
    if initials {
        let mut words: Vec<String> = split_words(name);
        if words.len() == 1 {
            words = split_camel_case(name);
        }
        if words.len() > 1 {
            // An empty word (from `a--b`) has no initial but still counts,
            // as in the Pact Broker.
            let letters: String = words.iter().filter_map(|w| w.chars().next()).collect();
            return letters.to_lowercase() + &suffix;
        }
    }
    name.to_lowercase() + &suffix
}

/// Words separated by white space, `_` or `-`. Like Ruby's `split`, empty
/// words are kept except at the end.
fn split_words(name: &str) -> Vec<String> {
    ruby_split(name.split([' ', '\t', '\n', '\x0b', '\x0c', '\r', '_', '-']))
}

/// The words of a camel-cased name: `FooApp` is `Foo`, `App`; `HTTPServer`
/// is `HTTP`, `Server`; `doAThing` is `do`, `A`, `Thing`.
fn split_camel_case(name: &str) -> Vec<String> {
    static ACRONYM_END: LazyLock<Regex> =
        LazyLock::new(|| Regex::new("([A-Z]+)([A-Z][a-z])").expect("a valid regex"));
    static LOWER_UPPER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new("([a-z0-9])([A-Z])").expect("a valid regex"));
    let split = ACRONYM_END.replace_all(name, "${1}_${2}");
    let split = LOWER_UPPER.replace_all(&split, "${1}_${2}");
    ruby_split(split.replace('-', "_").split('_'))
}

fn ruby_split<'a>(parts: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut words: Vec<String> = parts.map(str::to_owned).collect();
    while words.last().is_some_and(String::is_empty) {
        words.pop();
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(sha: &str, success: bool, pending: bool) -> Option<LatestResult<'_>> {
        Some(LatestResult {
            sha,
            success,
            pending,
        })
    }

    #[test]
    fn pact_status_from_the_latest_result() {
        let cases = [
            (None, PactStatus::Unknown),
            (result("a", true, false), PactStatus::Verified),
            (result("a", true, true), PactStatus::Verified),
            (result("b", true, false), PactStatus::Changed),
            (result("a", false, false), PactStatus::Failed),
            (result("b", false, false), PactStatus::Failed),
            (result("a", false, true), PactStatus::FailedPending),
        ];
        for (latest, expected) in cases {
            assert_eq!(PactStatus::of("a", latest), expected, "{latest:?}");
        }
    }

    #[test]
    fn pact_status_messages_and_colours() {
        let cases = [
            (PactStatus::Unknown, "unknown", "#9f9f9f"),
            (PactStatus::Verified, "verified", "#4c1"),
            (PactStatus::Changed, "changed", "#fe7d37"),
            (PactStatus::FailedPending, "failed (pending)", "#e05d44"),
            (PactStatus::Failed, "failed", "#e05d44"),
        ];
        for (status, message, colour) in cases {
            let badge = pact(Some(("Foo", "Bar")), PactLabel::default(), status);
            assert_eq!(badge.message, message);
            assert_eq!(badge.colour.hex(), colour, "{status:?}");
        }
    }

    #[test]
    fn pact_badge_labels() {
        // The Pact Broker's own examples (spec/lib/pact_broker/badges/service_spec.rb).
        let consumer = "Foo-Bar";
        let provider = "Thing_Blah";
        let label = |only, initials| PactLabel {
            only,
            initials,
            ..PactLabel::default()
        };
        let cases = [
            (label(None, false), "foo-bar/thing_blah pact"),
            (label(None, true), "fb/tb pact"),
            (label(Some("consumer"), false), "foo-bar pact"),
            (label(Some("Consumer"), true), "fb pact"),
            (label(Some("provider"), false), "thing_blah pact"),
            (label(Some("provider"), true), "tb pact"),
            (label(Some("other"), false), "foo-bar/thing_blah pact"),
            (
                PactLabel {
                    consumer_tag: Some("prod"),
                    provider_tag: Some("Master"),
                    ..PactLabel::default()
                },
                "foo-bar (prod)/thing_blah (master) pact",
            ),
        ];
        for (label, expected) in cases {
            let badge = pact(Some((consumer, provider)), label, PactStatus::Verified);
            assert_eq!(badge.label, expected, "{label:?}");
        }
    }

    #[test]
    fn a_missing_pact_has_its_own_badge() {
        let badge = pact(None, PactLabel::default(), PactStatus::Unknown);
        assert_eq!(
            badge,
            Badge::new("pact not found", "unknown", Colour::LightGrey)
        );
    }

    #[test]
    fn initials() {
        let cases = [
            ("Foo", "foo"),
            ("FooApp", "fa"),
            ("barProvider", "bp"),
            ("doAThing", "dat"),
            ("HTTPServer", "hs"),
            ("Foo Bar Baz", "fbb"),
            ("foo_bar-baz", "fbb"),
            ("Foo--Bar", "fb"),
            ("-Foo", "f"),
            ("Foo-", "foo-"),
            ("v2Api", "va"),
            ("", ""),
            ("Émile Zola", "éz"),
        ];
        for (name, expected) in cases {
            assert_eq!(badge_name(name, true, None), expected, "{name}");
        }
        assert_eq!(badge_name("FooApp", false, None), "fooapp");
        assert_eq!(badge_name("FooApp", true, Some("prod")), "fa (prod)");
    }

    #[test]
    fn can_i_deploy_is_green_only_when_deployable() {
        let cases = [
            (Some(true), Colour::BrightGreen),
            (Some(false), Colour::Red),
            (None, Colour::Red),
        ];
        for (deployable, colour) in cases {
            let badge = can_i_deploy(None, "main", "prod", deployable);
            assert_eq!(
                badge,
                Badge::new("can-i-deploy", "main to prod", colour),
                "{deployable:?}"
            );
        }
        assert_eq!(can_i_deploy(Some("api"), "a", "b", None).label, "api");
    }

    #[test]
    fn can_i_merge_says_success_failed_or_unknown() {
        let cases = [
            (Some(true), "success", Colour::BrightGreen),
            (Some(false), "failed", Colour::Red),
            (None, "unknown", Colour::LightGrey),
        ];
        for (deployable, message, colour) in cases {
            assert_eq!(
                can_i_merge(deployable),
                Badge::new("can-i-merge", message, colour)
            );
        }
    }

    #[test]
    fn not_found_and_error_badges() {
        assert_eq!(
            not_found("main branch version"),
            Badge::new("main branch version", "not found", Colour::LightGrey)
        );
        assert_eq!(error("abc").message, "reference: abc");
    }
}
