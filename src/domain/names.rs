//! Rules for the names users choose: pacticipants, version numbers,
//! branches, tags, labels, and for the free text stored beside them. Each
//! check returns the message to report.

/// Longest accepted name or version number, in characters.
pub const MAX_NAME_LEN: usize = 255;

/// A required single-line, non-blank value of at most `MAX_NAME_LEN`
/// characters, without control characters (no NUL, tab, new line, ...).
pub fn single_line(value: &str) -> Result<&str, String> {
    if value.trim().is_empty() {
        return Err("cannot be blank".into());
    }
    if value.contains(['\n', '\r']) {
        return Err("cannot contain a new line".into());
    }
    if value.chars().any(char::is_control) {
        return Err("cannot contain control characters".into());
    }
    if value.chars().count() > MAX_NAME_LEN {
        return Err(format!("cannot be longer than {MAX_NAME_LEN} characters"));
    }
    Ok(value)
}

/// Branch names: single line, and no leading or trailing white space, so a
/// branch cannot be confused with its trimmed twin.
pub fn branch(value: &str) -> Result<&str, String> {
    single_line(value)?;
    if value.trim() != value {
        return Err("cannot start or end with white space".into());
    }
    Ok(value)
}

/// Free text stored as given (display names, repository names and URLs,
/// build URLs): anything but NUL, which no text column can hold.
pub fn text(value: &str) -> Result<&str, String> {
    if value.contains('\0') {
        return Err("cannot contain NUL characters".into());
    }
    Ok(value)
}

/// Environment names: single line and, as the Pact Broker requires, no
/// white space (they appear unquoted in CLI arguments and selectors).
pub fn environment(value: &str) -> Result<&str, String> {
    single_line(value)?;
    if value.chars().any(char::is_whitespace) {
        return Err("cannot contain spaces".into());
    }
    Ok(value)
}

/// The display name the Pact Broker derives from a name: words split at
/// case changes and at `-`, `_`, `.` and spaces, each capitalised, so
/// `preProduction` and `pre-production` both read "Pre Production".
pub fn display_name(name: &str) -> String {
    use std::sync::LazyLock;
    static RULES: LazyLock<[(regex::Regex, &str); 3]> = LazyLock::new(|| {
        [
            (r"([A-Z])([A-Z])([a-z])", "$1 $2$3"),
            (r"([a-z\d])([A-Z])(\S)", "$1 $2$3"),
            (r"(\S)([-_\s.])(\S)", "$1 $3"),
        ]
        .map(|(pattern, replacement)| {
            (
                regex::Regex::new(pattern).expect("a valid regex"),
                replacement,
            )
        })
    });
    let mut spaced = name.to_owned();
    for (pattern, replacement) in RULES.iter() {
        spaced = pattern.replace_all(&spaced, *replacement).into_owned();
    }
    spaced
        .split_whitespace()
        .map(capitalise)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Ruby's `camelcase(true)` on one word: a run of underscores before a
/// lower case letter goes and the letter is upper cased, as is the first.
fn capitalise(word: &str) -> String {
    use std::sync::LazyLock;
    static UNDERSCORES: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new("_+([a-z])").expect("a valid regex"));
    let joined = UNDERSCORES.replace_all(word, |c: &regex::Captures| c[1].to_ascii_uppercase());
    let mut chars = joined.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Whether something could have been stored under `value`: names with a
/// control character are refused on the way in, so a lookup by one can
/// answer "not found" without asking the database (which cannot even hold
/// a NUL).
pub fn can_exist(value: &str) -> bool {
    !value.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_rules() {
        let cases = [
            ("1.0.0", true),
            ("feat/x", true),
            ("a b", true),
            ("", false),
            ("   ", false),
            ("\t", false),
            ("a\nb", false),
            ("a\r", false),
            ("a\0b", false),
            ("\0", false),
            ("a\tb", false),
            ("a\u{1b}[31m", false),
            ("a\u{7f}", false),
            ("a\u{85}b", false),
            (&*"x".repeat(255), true),
            (&*"x".repeat(256), false),
        ];
        for (value, ok) in cases {
            assert_eq!(single_line(value).is_ok(), ok, "{value:?}");
        }
    }

    #[test]
    fn single_line_names_the_problem() {
        assert_eq!(
            single_line("a\nb").unwrap_err(),
            "cannot contain a new line"
        );
        for value in ["a\0b", "a\tb", "\u{1}"] {
            assert_eq!(
                single_line(value).unwrap_err(),
                "cannot contain control characters",
                "{value:?}"
            );
        }
    }

    #[test]
    fn single_line_counts_characters_not_bytes() {
        // 255 characters of two, three and four bytes each.
        for c in ['é', '€', '😀'] {
            let at_limit: String = std::iter::repeat_n(c, MAX_NAME_LEN).collect();
            assert!(at_limit.len() > MAX_NAME_LEN);
            assert!(single_line(&at_limit).is_ok(), "{c}");
            let over: String = std::iter::repeat_n(c, MAX_NAME_LEN + 1).collect();
            assert_eq!(
                single_line(&over).unwrap_err(),
                "cannot be longer than 255 characters",
                "{c}"
            );
        }
    }

    #[test]
    fn branch_rejects_surrounding_space() {
        assert!(branch("main").is_ok());
        assert!(branch(" main").is_err());
        assert!(branch("main ").is_err());
        assert!(branch("ma\0in").is_err());
    }

    #[test]
    fn text_refuses_only_nul() {
        for (value, ok) in [
            ("", true),
            ("Foo Service", true),
            ("line\nbreak\tand tab", true),
            ("http://x/a\0b", false),
            ("\0", false),
        ] {
            assert_eq!(text(value).is_ok(), ok, "{value:?}");
        }
    }

    #[test]
    fn environment_names_have_no_spaces() {
        assert!(environment("production").is_ok());
        assert_eq!(
            environment("pre prod").unwrap_err(),
            "cannot contain spaces"
        );
        assert_eq!(
            environment("pre\tprod").unwrap_err(),
            "cannot contain control characters"
        );
        assert_eq!(environment("").unwrap_err(), "cannot be blank");
    }

    #[test]
    fn display_names_are_derived_like_the_pact_brokers() {
        for (name, display) in [
            ("production", "Production"),
            ("pre-production", "Pre Production"),
            ("pre_production", "Pre Production"),
            ("preProduction", "Pre Production"),
            ("HTTPServer", "HTTP Server"),
            ("test.eu", "Test Eu"),
            ("prod2", "Prod2"),
            ("_x", "X"),
            ("a__", "A _"),
        ] {
            assert_eq!(display_name(name), display, "{name}");
        }
    }

    #[test]
    fn only_names_without_control_characters_can_exist() {
        assert!(can_exist("main"));
        assert!(can_exist("feat/x y"));
        assert!(can_exist(""));
        assert!(!can_exist("a\0"));
        assert!(!can_exist("a\tb"));
        assert!(!can_exist("a\nb"));
    }
}
