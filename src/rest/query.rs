//! Query strings in Rack's nested form, as the Pact Broker reads them and
//! the Pact tools write them (`q[][pacticipant]=Foo&q[][version]=1`).

use serde_json::{Map, Value};

/// A Rack nested query as JSON: `a=1`, `list[]=x` (an array of strings)
/// and `list[][key]=v` (an array of objects; a repeated key starts the
/// next object).
pub fn nested_query(query: &str) -> Value {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut root = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (decode(key), Value::String(decode(value)));
        let Some((name, rest)) = key.split_once('[') else {
            root.insert(key, value);
            continue;
        };
        let list = root
            .entry(name.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(list) = list else { continue };
        match rest.strip_prefix("][").and_then(|k| k.strip_suffix(']')) {
            Some(inner) => {
                let starts_next = match list.last() {
                    Some(Value::Object(last)) => last.contains_key(inner),
                    _ => true,
                };
                if starts_next {
                    list.push(Value::Object(Map::new()));
                }
                if let Some(Value::Object(last)) = list.last_mut() {
                    last.insert(inner.to_owned(), value);
                }
            }
            None => list.push(value),
        }
    }
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_rack_nested_queries() {
        let query = "provider_version_tags[]=main&provider_version_tags[]=prod\
                     &consumer_version_selectors[][tag]=prod&consumer_version_selectors[][latest]=true\
                     &consumer_version_selectors[][tag]=feat%2Fx&include_pending_status=false";
        assert_eq!(
            nested_query(query),
            json!({
                "provider_version_tags": ["main", "prod"],
                "consumer_version_selectors": [{"tag": "prod", "latest": "true"}, {"tag": "feat/x"}],
                "include_pending_status": "false",
            })
        );
    }
}
