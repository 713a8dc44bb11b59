//! Pact documents for tests to publish.

use serde_json::{Value, json};

/// A pact between `consumer` and `provider` with these interactions.
pub fn pact(consumer: &str, provider: &str, interactions: Value) -> Value {
    json!({
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    })
}

/// A pact from `consumer` to `provider` with one interaction, about
/// `content`: pacts about different contents differ.
pub fn pact_about(consumer: &str, provider: &str, content: &str) -> Value {
    pact(
        consumer,
        provider,
        json!([{
            "description": format!("a request for {content}"),
            "request": {"method": "GET", "path": format!("/{content}")},
            "response": {"status": 200},
        }]),
    )
}
