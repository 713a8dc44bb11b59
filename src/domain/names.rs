//! Rules for the names users choose: pacticipants, version numbers,
//! branches, tags, labels. Each check returns the message to report.

/// Longest accepted name or version number, in bytes.
pub const MAX_NAME_LEN: usize = 255;

/// A required single-line, non-blank value of at most `MAX_NAME_LEN` bytes.
pub fn single_line(value: &str) -> Result<&str, String> {
    if value.trim().is_empty() {
        return Err("cannot be blank".into());
    }
    if value.contains(['\n', '\r']) {
        return Err("cannot contain a new line".into());
    }
    if value.len() > MAX_NAME_LEN {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_rules() {
        let cases = [
            ("1.0.0", true),
            ("feat/x", true),
            ("", false),
            ("   ", false),
            ("a\nb", false),
            ("a\r", false),
            (&*"x".repeat(256), false),
        ];
        for (value, ok) in cases {
            assert_eq!(single_line(value).is_ok(), ok, "{value:?}");
        }
    }

    #[test]
    fn branch_rejects_surrounding_space() {
        assert!(branch("main").is_ok());
        assert!(branch(" main").is_err());
        assert!(branch("main ").is_err());
    }
}
