//! What PostgreSQL's `jsonb` can store: no NUL character in a string or a
//! key, and numbers within `numeric`'s range (digits up to 10^131071 and
//! down to 10^-16383). JSON allows both; checking before a write turns
//! what would be a database error into a precise one.

use serde_json::Value;

/// The highest and lowest decimal digit positions `numeric` holds.
const HIGHEST_DIGIT: i64 = 131_071;
const LOWEST_DIGIT: i64 = -16_383;

/// Whether `value` can be stored as `jsonb`, or why not.
pub fn storable(value: &Value) -> Result<(), String> {
    match value {
        Value::String(text) => no_nul(text),
        Value::Number(number) => in_numeric_range(&number.to_string()),
        Value::Array(items) => items.iter().try_for_each(storable),
        Value::Object(map) => map.iter().try_for_each(|(key, value)| {
            no_nul(key)?;
            storable(value)
        }),
        Value::Null | Value::Bool(_) => Ok(()),
    }
}

fn no_nul(text: &str) -> Result<(), String> {
    if text.contains('\0') {
        Err("cannot contain NUL characters".into())
    } else {
        Ok(())
    }
}

/// Whether a JSON number's text has all its significant digits within
/// `numeric`'s positions.
fn in_numeric_range(text: &str) -> Result<(), String> {
    let out_of_range = || Err(format!("cannot hold the number {text}: it is out of range"));
    let unsigned = text.trim_start_matches('-');
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => match exponent.trim_start_matches('+').parse::<i64>() {
            Ok(exponent) => (mantissa, exponent),
            // Only a mantissa of zeros makes such an exponent harmless.
            Err(_) if mantissa.chars().all(|c| c == '0' || c == '.') => return Ok(()),
            Err(_) => return out_of_range(),
        },
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).collect();
    let Some(first) = digits.iter().position(|d| *d != b'0') else {
        return Ok(());
    };
    let last = digits.iter().rposition(|d| *d != b'0').unwrap_or(first);
    // The position of digit i is (whole.len() - 1 - i) + exponent.
    let position = |i: usize| whole.len() as i64 - 1 - i as i64 + exponent;
    if position(first) > HIGHEST_DIGIT || position(last) < LOWEST_DIGIT {
        out_of_range()
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::storable;
    use serde_json::{Value, json};

    #[test]
    fn what_jsonb_can_store() {
        // Each bound was checked against PostgreSQL 15's jsonb input.
        for (text, ok) in [
            ("1", true),
            ("-12.5e3", true),
            ("0e999999999999999999999", true),
            ("1e131071", true),
            ("1e131072", false),
            ("10e131070", true),
            ("100e131070", false),
            ("1e-16383", true),
            ("1.5e-16383", false),
            ("1e-16384", false),
            ("1e999999", false),
            ("1e-999999", false),
            ("1e99999999999999999999", false),
            ("-1E+131071", true),
            ("0.000", true),
        ] {
            let value: Value = serde_json::from_str(text).expect("a JSON number");
            assert_eq!(storable(&value).is_ok(), ok, "{text}");
        }
        assert!(storable(&json!({"a": ["b", {"c": null}], "d": true})).is_ok());
        assert!(storable(&json!({"a": ["b\u{0}c"]})).is_err());
        assert!(storable(&json!({"a\u{0}": 1})).is_err());
    }
}
