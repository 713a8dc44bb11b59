//! Pact documents: parsing, the content hash, merging and a readable diff.
//!
//! A pact's identity is the SHA-1 of the content that affects verification:
//! its interactions, messages and specification version, with object keys
//! sorted and interactions in a canonical order. Metadata, key order,
//! white space and interaction order do not change it, so an identical
//! republish under a new consumer version is recognised as already verified.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

pub type Document = Map<String, Value>;

/// Which pact of a consumer and provider: that of a consumer version, or
/// of the newest consumer version that has a pact and is what the variant
/// says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PactSelector {
    ConsumerVersion(String),
    Latest,
    Tag(String),
    Branch(String),
    /// Without any tag.
    Untagged,
    /// Whose pact has this content hash.
    Sha(String),
}

/// Parses published pact bytes: UTF-8 JSON whose top level is an object.
pub fn parse(bytes: &[u8]) -> Result<Document, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "is not valid UTF-8".to_string())?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(doc)) => Ok(doc),
        Ok(_) => Err("must be a JSON object".into()),
        Err(err) => Err(format!("is not valid JSON: {err}")),
    }
}

/// `consumer.name` of the document, if present.
pub fn consumer_name(doc: &Document) -> Option<&str> {
    doc.get("consumer")?.get("name")?.as_str()
}

/// `provider.name` of the document, if present.
pub fn provider_name(doc: &Document) -> Option<&str> {
    doc.get("provider")?.get("name")?.as_str()
}

/// The specification version from whichever metadata key the tool wrote.
pub fn specification_version(doc: &Document) -> Option<&str> {
    let metadata = doc.get("metadata")?;
    metadata
        .get("pactSpecification")
        .or_else(|| metadata.get("pact-specification"))
        .and_then(|spec| spec.get("version"))
        .or_else(|| metadata.get("pactSpecificationVersion"))
        .and_then(Value::as_str)
}

/// The hex SHA-1 identifying the content that affects verification.
pub fn content_sha(doc: &Document) -> String {
    let mut relevant = Map::new();
    for key in ["interactions", "messages"] {
        if let Some(Value::Array(items)) = doc.get(key) {
            relevant.insert(key.into(), Value::Array(sorted_items(items)));
        }
    }
    if let Some(version) = specification_version(doc) {
        relevant.insert(
            "pactSpecificationVersion".into(),
            Value::String(version.into()),
        );
    }
    let canonical = serde_json::to_string(&canonical(&Value::Object(relevant)))
        .expect("a JSON value always serialises");
    hex::encode(Sha1::digest(canonical.as_bytes()))
}

/// The number of interactions and of messages.
pub fn counts(doc: &Document) -> (i32, i32) {
    let len = |key: &str| {
        doc.get(key)
            .and_then(Value::as_array)
            .map_or(0, |items| i32::try_from(items.len()).unwrap_or(i32::MAX))
    };
    (len("interactions"), len("messages"))
}

/// Merges `incoming` into `existing`: an incoming interaction replaces the
/// existing one with the same description and provider state, others are
/// appended. Everything outside interactions and messages comes from
/// `incoming`. Linear in the two documents: each identity is computed once
/// and looked up in an index.
pub fn merge(existing: &Document, incoming: &Document) -> Document {
    let mut merged = incoming.clone();
    for key in ["interactions", "messages"] {
        let old = existing.get(key).and_then(Value::as_array);
        let new = incoming.get(key).and_then(Value::as_array);
        if old.is_none() && new.is_none() {
            continue;
        }
        let mut items: Vec<Value> = old.cloned().unwrap_or_default();
        // The first item of each identity is the one replaced.
        let mut index: HashMap<String, usize> = HashMap::with_capacity(items.len());
        for (position, item) in items.iter().enumerate() {
            index.entry(interaction_identity(item)).or_insert(position);
        }
        for item in new.into_iter().flatten() {
            match index.entry(interaction_identity(item)) {
                Entry::Occupied(found) => items[*found.get()] = item.clone(),
                Entry::Vacant(slot) => {
                    slot.insert(items.len());
                    items.push(item.clone());
                }
            }
        }
        merged.insert(key.into(), Value::Array(items));
    }
    merged
}

/// The interactions of `incoming` that have the description and provider
/// state of an interaction of `existing` but a different request. Merging
/// would silently replace what the consumer asked for, so the legacy PATCH
/// refuses such a merge (the Pact Broker's `Merger.conflict?`).
pub fn merge_conflicts(existing: &Document, incoming: &Document) -> Vec<String> {
    let mut requests: HashMap<String, Vec<Vec<Value>>> = HashMap::new();
    for (identity, item) in items_by_identity(existing, "interactions") {
        requests.entry(identity).or_default().push(request_of(item));
    }
    items_by_identity(incoming, "interactions")
        .into_iter()
        .filter(|(identity, item)| {
            requests.get(identity).is_some_and(|before| {
                let request = request_of(item);
                before.iter().any(|b| *b != request)
            })
        })
        .map(|(identity, _)| identity)
        .collect()
}

/// The parts of an interaction's request that identify it.
fn request_of(item: &Value) -> Vec<Value> {
    let request = item.get("request");
    ["method", "path", "query", "headers", "body"]
        .iter()
        .map(|key| {
            request
                .and_then(|r| r.get(*key))
                .map(canonical)
                .unwrap_or(Value::Null)
        })
        .collect()
}

/// A short, human-readable account of how `new` differs from `old`, by
/// interaction, for conflict notices.
pub fn describe_difference(old: &Document, new: &Document) -> String {
    let mut lines = Vec::new();
    for key in ["interactions", "messages"] {
        let old_items = items_by_identity(old, key);
        let new_items = items_by_identity(new, key);
        let mut before: HashMap<&str, &Value> = HashMap::with_capacity(old_items.len());
        for (identity, item) in &old_items {
            before.entry(identity.as_str()).or_insert(item);
        }
        let after: HashSet<&str> = new_items.iter().map(|(id, _)| id.as_str()).collect();
        for (identity, item) in &new_items {
            match before.get(identity.as_str()) {
                None => lines.push(format!("+ added {identity}")),
                Some(before) if canonical(before) != canonical(item) => {
                    lines.push(format!("~ changed {identity}"))
                }
                Some(_) => {}
            }
        }
        for (identity, _) in &old_items {
            if !after.contains(identity.as_str()) {
                lines.push(format!("- removed {identity}"));
            }
        }
    }
    if lines.is_empty() {
        lines.push("~ the specification version changed".into());
    }
    lines.join("\n")
}

fn items_by_identity<'a>(doc: &'a Document, key: &str) -> Vec<(String, &'a Value)> {
    doc.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().map(|i| (interaction_identity(i), i)).collect())
        .unwrap_or_default()
}

/// Description plus provider state(s): what makes two interactions "the
/// same interaction" for merging.
fn interaction_identity(item: &Value) -> String {
    let description = item
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("");
    let state = item
        .get("providerStates")
        .or_else(|| item.get("providerState"))
        .or_else(|| item.get("provider_state"))
        .map(|s| serde_json::to_string(&canonical(s)).unwrap_or_default());
    match state {
        Some(state) if state != "null" => format!("interaction '{description}' given {state}"),
        _ => format!("interaction '{description}'"),
    }
}

fn sorted_items(items: &[Value]) -> Vec<Value> {
    let mut keyed: Vec<(String, Value)> = items
        .iter()
        .map(|item| {
            let canon = canonical(item);
            (serde_json::to_string(&canon).unwrap_or_default(), canon)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, v)| v).collect()
}

/// The value with every object's keys sorted, recursively.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(value: Value) -> Document {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn pact(interactions: Value, metadata: Value) -> Document {
        doc(json!({
            "consumer": {"name": "Foo"},
            "provider": {"name": "Bar"},
            "interactions": interactions,
            "metadata": metadata,
        }))
    }

    #[test]
    fn parse_rules() {
        assert!(parse(br#"{"a":1}"#).is_ok());
        assert_eq!(parse(b"[1]").unwrap_err(), "must be a JSON object");
        assert!(parse(b"{").unwrap_err().starts_with("is not valid JSON"));
        assert_eq!(parse(&[0xff, 0xfe]).unwrap_err(), "is not valid UTF-8");
    }

    #[test]
    fn sha_ignores_key_order_interaction_order_and_metadata() {
        let a = json!({"description": "a", "request": {"method": "GET", "path": "/a"}});
        let b = json!({"description": "b", "request": {"path": "/b", "method": "GET"}});
        let spec = json!({"pactSpecification": {"version": "2.0.0"}});
        let base = content_sha(&pact(json!([a.clone(), b.clone()]), spec.clone()));
        let reordered = content_sha(&pact(json!([b.clone(), a.clone()]), spec));
        let other_metadata = content_sha(&pact(
            json!([a.clone(), b.clone()]),
            json!({"pactSpecification": {"version": "2.0.0"}, "pact-js": {"version": "1"}}),
        ));
        assert_eq!(base, reordered);
        assert_eq!(base, other_metadata);
        assert_eq!(base.len(), 40);
    }

    #[test]
    fn sha_changes_with_content_and_spec_version() {
        let a = json!({"description": "a"});
        let spec2 = json!({"pactSpecification": {"version": "2.0.0"}});
        let spec3 = json!({"pactSpecification": {"version": "3.0.0"}});
        let base = content_sha(&pact(json!([a.clone()]), spec2.clone()));
        assert_ne!(
            base,
            content_sha(&pact(json!([{"description": "b"}]), spec2))
        );
        assert_ne!(base, content_sha(&pact(json!([a]), spec3)));
    }

    #[test]
    fn merge_replaces_same_interaction_and_appends_new() {
        let old = pact(
            json!([{"description": "a", "providerState": "s", "response": {"status": 200}},
                   {"description": "b"}]),
            json!({}),
        );
        let new = pact(
            json!([{"description": "a", "providerState": "s", "response": {"status": 201}},
                   {"description": "c"}]),
            json!({}),
        );
        let merged = merge(&old, &new);
        let items = merged["interactions"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["response"]["status"], 201);
        assert_eq!(items[2]["description"], "c");
        assert_eq!(counts(&merged), (3, 0));
    }

    #[test]
    fn merge_matches_v1_and_v2_provider_states() {
        let old = pact(
            json!([{"description": "a", "provider_state": "s", "response": {"status": 200}}]),
            json!({}),
        );
        let new = pact(
            json!([{"description": "a", "providerState": "s", "response": {"status": 201}}]),
            json!({}),
        );
        let merged = merge(&old, &new);
        assert_eq!(counts(&merged), (1, 0));
        assert_eq!(merged["interactions"][0]["response"]["status"], 201);
    }

    #[test]
    fn merge_conflicts_are_changed_requests_of_the_same_interaction() {
        let old = pact(
            json!([{"description": "a", "providerState": "s",
                    "request": {"method": "GET", "path": "/a", "headers": {"A": "1"}},
                    "response": {"status": 200}},
                   {"description": "b", "request": {"method": "GET", "path": "/b"}}]),
            json!({}),
        );
        let cases = [
            // Another response of the same request merges.
            (
                json!({"description": "a", "providerState": "s",
                    "request": {"headers": {"A": "1"}, "path": "/a", "method": "GET"},
                    "response": {"status": 500}}),
                false,
            ),
            (
                json!({"description": "a", "providerState": "s",
                    "request": {"method": "GET", "path": "/other", "headers": {"A": "1"}}}),
                true,
            ),
            (
                json!({"description": "a", "providerState": "s",
                    "request": {"method": "GET", "path": "/a"}}),
                true,
            ),
            (
                json!({"description": "a", "providerState": "s",
                    "request": {"method": "GET", "path": "/a", "headers": {"A": "1"}, "query": "x=1"}}),
                true,
            ),
            (
                json!({"description": "b", "request": {"method": "POST", "path": "/b"}}),
                true,
            ),
            // Another provider state is another interaction.
            (
                json!({"description": "a", "providerState": "t",
                    "request": {"method": "POST", "path": "/a"}}),
                false,
            ),
            (
                json!({"description": "c", "request": {"method": "POST", "path": "/a"}}),
                false,
            ),
        ];
        for (interaction, conflict) in cases {
            let new = pact(json!([interaction.clone()]), json!({}));
            assert_eq!(
                !merge_conflicts(&old, &new).is_empty(),
                conflict,
                "{interaction}"
            );
        }
    }

    /// Merging, conflicts and differences by their pairwise definitions
    /// (every incoming item against every existing one), which the indexed
    /// versions must agree with, duplicates included.
    #[test]
    fn indexed_merge_agrees_with_the_pairwise_definition() {
        fn pairwise_merge(old: &[Value], new: &[Value]) -> Vec<Value> {
            let mut items = old.to_vec();
            for item in new {
                let identity = interaction_identity(item);
                match items
                    .iter()
                    .position(|i| interaction_identity(i) == identity)
                {
                    Some(pos) => items[pos] = item.clone(),
                    None => items.push(item.clone()),
                }
            }
            items
        }
        let item = |description: &str, state: Option<&str>, path: &str, status: u16| {
            let mut i = json!({"description": description,
                "request": {"method": "GET", "path": path}, "response": {"status": status}});
            if let Some(state) = state {
                i["providerState"] = json!(state);
            }
            i
        };
        let old = vec![
            item("a", None, "/a", 200),
            item("a", Some("s"), "/a", 200),
            item("b", None, "/b", 200),
            // A duplicate identity: the first is the one replaced.
            item("a", None, "/a2", 201),
        ];
        let news = [
            vec![],
            vec![item("a", None, "/a", 500)],
            vec![item("a", None, "/x", 200), item("c", None, "/c", 200)],
            vec![
                item("c", None, "/c", 200),
                item("c", None, "/c", 404),
                item("b", None, "/b", 201),
            ],
            vec![
                item("a", Some("s"), "/a", 200),
                item("a", Some("t"), "/a", 200),
            ],
        ];
        for new in news {
            let merged = merge(
                &pact(json!(old), json!({})),
                &pact(json!(new.clone()), json!({})),
            );
            assert_eq!(
                merged["interactions"],
                json!(pairwise_merge(&old, &new)),
                "{new:?}"
            );
            let conflicts: Vec<String> = new
                .iter()
                .filter(|n| {
                    old.iter().any(|o| {
                        interaction_identity(o) == interaction_identity(n)
                            && request_of(o) != request_of(n)
                    })
                })
                .map(interaction_identity)
                .collect();
            assert_eq!(
                merge_conflicts(
                    &pact(json!(old), json!({})),
                    &pact(json!(new.clone()), json!({}))
                ),
                conflicts,
                "{new:?}"
            );
        }
        let diff = describe_difference(
            &pact(json!(old), json!({})),
            &pact(
                json!([item("a", None, "/a", 200), item("d", None, "/d", 200)]),
                json!({}),
            ),
        );
        assert_eq!(
            diff,
            "+ added interaction 'd'\n\
             - removed interaction 'a' given \"s\"\n\
             - removed interaction 'b'"
        );
    }

    #[test]
    fn difference_lists_interactions() {
        let old = pact(
            json!([{"description": "a"}, {"description": "b"}]),
            json!({}),
        );
        let new = pact(
            json!([{"description": "a", "x": 1}, {"description": "c"}]),
            json!({}),
        );
        let diff = describe_difference(&old, &new);
        assert!(diff.contains("~ changed interaction 'a'"), "{diff}");
        assert!(diff.contains("+ added interaction 'c'"), "{diff}");
        assert!(diff.contains("- removed interaction 'b'"), "{diff}");
    }
}
