//! Conversions between service types and protobuf messages.

use chrono::{DateTime, Utc};
use tonic::Status;

use super::pb;
use crate::domain::access::Role;
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::page::Page;
use crate::error::Error;
use crate::service::{Branch, Pact, Pacticipant, Tag, Version};

pub fn timestamp(time: DateTime<Utc>) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: i32::try_from(time.timestamp_subsec_nanos()).unwrap_or(0),
    })
}

/// A timestamp a client sent, if it is one: protobuf's range (years 1 to
/// 9999) and nanos below a second; anything else is refused rather than
/// read as something it did not say.
pub fn time_sent(t: &prost_types::Timestamp) -> Result<DateTime<Utc>, String> {
    const FIRST: i64 = -62_135_596_800; // 0001-01-01T00:00:00Z
    const LAST: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    let nanos = u32::try_from(t.nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .ok_or_else(|| format!("nanos must be from 0 to 999999999, not {}", t.nanos))?;
    if !(FIRST..=LAST).contains(&t.seconds) {
        return Err(format!(
            "seconds must be from {FIRST} to {LAST} (years 1 to 9999), not {}",
            t.seconds
        ));
    }
    DateTime::from_timestamp(t.seconds, nanos).ok_or_else(|| "is not a valid timestamp".into())
}

/// Empty proto strings mean "not set".
pub fn optional(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

/// How a request message names the service's input, where its names
/// differ: `within`, the message field that holds the input (`pacticipant`
/// in CreatePacticipant), and `renames`, a message name for the first name
/// of a service path (`ignore` is `ignore_selectors`).
pub struct ProtoFields {
    pub within: Option<&'static str>,
    pub renames: &'static [(&'static str, &'static str)],
}

impl ProtoFields {
    /// `err` with its field paths in the request message's names.
    pub fn status(&self, err: Error) -> Status {
        err.map_fields(|path| {
            let end = path.find(['.', '[']).unwrap_or(path.len());
            let (first, rest) = path.split_at(end);
            let first = self
                .renames
                .iter()
                .find(|(service, _)| *service == first)
                .map_or(first, |(_, proto)| proto);
            match self.within {
                Some(within) => format!("{within}.{first}{rest}"),
                None => format!("{first}{rest}"),
            }
        })
        .into()
    }
}

pub fn page(page_size: i32, page_token: &str) -> Result<Page, Status> {
    Page::from_token(page_size, page_token)
        .map_err(|(field, message)| Error::invalid(field, message).into())
}

pub fn pacticipant(p: Pacticipant) -> pb::Pacticipant {
    pb::Pacticipant {
        name: p.name,
        display_name: p.display_name,
        main_branch: p.main_branch.unwrap_or_default(),
        repository_url: p.repository_url.unwrap_or_default(),
        repository_name: p.repository_name.unwrap_or_default(),
        repository_namespace: p.repository_namespace.unwrap_or_default(),
        labels: p.labels,
        create_time: timestamp(p.created_at),
        update_time: timestamp(p.updated_at),
        latest_version: p.latest_version.map(version),
    }
}

pub fn version(v: Version) -> pb::Version {
    pb::Version {
        pacticipant: v.pacticipant,
        number: v.number,
        build_url: v.build_url.unwrap_or_default(),
        branches: v
            .branches
            .into_iter()
            .map(|b| pb::BranchVersion {
                branch: b.name,
                latest: b.latest,
                auto_created: b.auto_created,
                create_time: timestamp(b.created_at),
            })
            .collect(),
        tags: v.tags.into_iter().map(tag).collect(),
        create_time: timestamp(v.created_at),
        update_time: timestamp(v.updated_at),
    }
}

pub fn tag(t: Tag) -> pb::Tag {
    pb::Tag {
        name: t.name,
        latest: t.latest,
        create_time: timestamp(t.created_at),
    }
}

pub fn branch(b: Branch) -> pb::Branch {
    pb::Branch {
        pacticipant: b.pacticipant,
        name: b.name,
        latest_version: b.latest_version.unwrap_or_default(),
        create_time: timestamp(b.created_at),
        update_time: timestamp(b.updated_at),
    }
}

/// A pact, with or without its content.
pub fn pact(p: Pact, with_content: bool) -> pb::Pact {
    pb::Pact {
        consumer: p.consumer,
        provider: p.provider,
        consumer_version: p.consumer_version,
        content_sha: p.sha,
        content: if with_content {
            p.content.into_bytes()
        } else {
            Vec::new()
        },
        content_type: "application/json".into(),
        create_time: timestamp(p.created_at),
        consumer_version_branches: p.consumer_version_branches,
        consumer_version_tags: p.consumer_version_tags,
    }
}

pub fn notice(n: Notice) -> pb::Notice {
    let kind = match n.kind {
        NoticeKind::Debug => pb::NoticeType::Debug,
        NoticeKind::Info => pb::NoticeType::Info,
        NoticeKind::Warning => pb::NoticeType::Warning,
        NoticeKind::Prompt => pb::NoticeType::Prompt,
        NoticeKind::Success => pb::NoticeType::Success,
        NoticeKind::Error => pb::NoticeType::Error,
        NoticeKind::Danger => pb::NoticeType::Danger,
    };
    pb::Notice {
        r#type: kind as i32,
        text: n.text,
    }
}

/// A JSON value as a `google.protobuf.Value`.
pub fn struct_value(value: serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    let kind = match value {
        serde_json::Value::Null => Kind::NullValue(0),
        serde_json::Value::Bool(b) => Kind::BoolValue(b),
        serde_json::Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Kind::StringValue(s),
        serde_json::Value::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.into_iter().map(struct_value).collect(),
        }),
        serde_json::Value::Object(map) => Kind::StructValue(prost_types::Struct {
            fields: map.into_iter().map(|(k, v)| (k, struct_value(v))).collect(),
        }),
    };
    prost_types::Value { kind: Some(kind) }
}

/// A `google.protobuf.Value` as JSON; numbers that JSON cannot hold (NaN,
/// infinities) become null.
pub fn json_value(value: prost_types::Value) -> serde_json::Value {
    use prost_types::value::Kind;
    match value.kind {
        None | Some(Kind::NullValue(_)) => serde_json::Value::Null,
        Some(Kind::BoolValue(b)) => serde_json::Value::Bool(b),
        Some(Kind::NumberValue(n)) => serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Some(Kind::StringValue(s)) => serde_json::Value::String(s),
        Some(Kind::ListValue(list)) => {
            serde_json::Value::Array(list.values.into_iter().map(json_value).collect())
        }
        Some(Kind::StructValue(s)) => serde_json::Value::Object(
            s.fields
                .into_iter()
                .map(|(k, v)| (k, json_value(v)))
                .collect(),
        ),
    }
}

pub fn verification(v: crate::service::verifications::Verification) -> pb::VerificationResult {
    let verified_by = v.verified_by.as_ref().map(|by| pb::VerifiedBy {
        implementation: by["implementation"].as_str().unwrap_or_default().to_owned(),
        version: by["version"].as_str().unwrap_or_default().to_owned(),
    });
    pb::VerificationResult {
        consumer: v.consumer,
        provider: v.provider,
        content_sha: v.sha,
        number: v.number,
        success: v.success,
        provider_version: v.provider_version,
        provider_version_tags: v.provider_version_tags,
        wip: v.wip,
        pending: v.pending,
        build_url: v.build_url.unwrap_or_default(),
        test_results: v.test_results.map(struct_value),
        verified_by,
        verify_time: timestamp(v.verification_date),
        create_time: timestamp(v.created_at),
    }
}

pub fn environment(e: crate::service::environments::Environment) -> pb::Environment {
    pb::Environment {
        uuid: e.uuid,
        name: e.name,
        display_name: e.display_name,
        production: e.production,
        contacts: e
            .contacts
            .into_iter()
            .flatten()
            .map(|c| pb::Contact {
                name: c.name,
                // Details given over REST may hold any JSON; proto details
                // are strings, so other values travel as their JSON text.
                details: c
                    .details
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => (k, s),
                        other => (k, other.to_string()),
                    })
                    .collect(),
            })
            .collect(),
        create_time: timestamp(e.created_at),
        update_time: timestamp(e.updated_at),
    }
}

pub fn deployed_version(d: crate::service::deployments::DeployedVersion) -> pb::DeployedVersion {
    pb::DeployedVersion {
        uuid: d.uuid,
        pacticipant: d.pacticipant,
        version: d.version,
        environment: d.environment.name,
        application_instance: d.application_instance.unwrap_or_default(),
        currently_deployed: d.currently_deployed,
        create_time: timestamp(d.created_at),
        undeploy_time: d.undeployed_at.and_then(timestamp),
    }
}

pub fn released_version(r: crate::service::deployments::ReleasedVersion) -> pb::ReleasedVersion {
    pb::ReleasedVersion {
        uuid: r.uuid,
        pacticipant: r.pacticipant,
        version: r.version,
        environment: r.environment.name,
        currently_supported: r.currently_supported,
        create_time: timestamp(r.created_at),
        support_end_time: r.support_ended_at.and_then(timestamp),
    }
}

pub fn role(role: Role) -> pb::Role {
    match role {
        Role::Read => pb::Role::Read,
        Role::Write => pb::Role::Write,
        Role::Admin => pb::Role::Admin,
    }
}

/// A requested role by name for the service to check: `None` when
/// unspecified, the number when it is no role.
pub fn role_name(role: i32) -> Option<String> {
    match pb::Role::try_from(role) {
        Ok(pb::Role::Unspecified) => None,
        Ok(pb::Role::Read) => Some(Role::Read.to_string()),
        Ok(pb::Role::Write) => Some(Role::Write.to_string()),
        Ok(pb::Role::Admin) => Some(Role::Admin.to_string()),
        Err(_) => Some(role.to_string()),
    }
}

pub fn token(t: crate::service::tokens::Token) -> pb::Token {
    pb::Token {
        uuid: t.uuid,
        name: t.name,
        role: role(t.role) as i32,
        create_time: timestamp(t.created_at),
        last_use_time: t.last_used_at.and_then(timestamp),
        revoke_time: t.revoked_at.and_then(timestamp),
    }
}

#[cfg(test)]
mod tests {
    use super::{ProtoFields, time_sent};
    use crate::error::Error;

    #[test]
    fn only_timestamps_protobuf_allows_are_read() {
        let at = |seconds, nanos| prost_types::Timestamp { seconds, nanos };
        for (t, read) in [
            (at(0, 0), Some("1970-01-01T00:00:00Z")),
            (
                at(1_767_225_600, 999_999_999),
                Some("2026-01-01T00:00:00.999999999Z"),
            ),
            (at(-62_135_596_800, 0), Some("0001-01-01T00:00:00Z")),
            (at(253_402_300_799, 0), Some("9999-12-31T23:59:59Z")),
            (at(0, -1), None),
            (at(0, 1_000_000_000), None),
            (at(0, 2_000_000_000), None),
            (at(1 << 62, 0), None),
            (at(-62_135_596_801, 0), None),
            (at(253_402_300_800, 0), None),
        ] {
            let got = time_sent(&t)
                .ok()
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
            assert_eq!(got.as_deref(), read, "{t:?}");
        }
    }

    #[test]
    fn service_field_paths_in_the_request_messages_names() {
        let fields = ProtoFields {
            within: None,
            renames: &[("ignore", "ignore_selectors"), ("target", "destination")],
        };
        let within = ProtoFields {
            within: Some("pacticipant"),
            renames: &[],
        };
        for (fields, path, proto) in [
            (
                &fields,
                "ignore[2].pacticipant",
                "ignore_selectors[2].pacticipant",
            ),
            (&fields, "target", "destination"),
            (
                &fields,
                "selectors[0].pacticipant",
                "selectors[0].pacticipant",
            ),
            (&fields, "ignored", "ignored"),
            (&within, "display_name", "pacticipant.display_name"),
        ] {
            let status = fields.status(Error::invalid(path, "is wrong"));
            assert_eq!(status.message(), format!("{proto}: is wrong"), "{path}");
        }
    }
}
