//! The broker's REST resources by path, each path template declared once
//! ([`paths`]), and one named URL builder per resource that every link to
//! it uses: absolute hrefs under the public base URL, for the REST links
//! and for the URLs gRPC responses hand out (a verifier fetches pacts and
//! publishes results over REST). `rest/` routes each path with its access
//! rule and handlers.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::domain::verifiable::VerifiablePact;

/// Every REST path template. A `{name}` segment is a parameter: axum
/// routes it, and the URL builders fill it (or leave it, for a HAL
/// templated link, where its name is the link's variable).
pub mod paths {
    pub const INDEX: &str = "/";
    pub const HEARTBEAT: &str = "/diagnostic/status/heartbeat";

    pub const PACTICIPANTS: &str = "/pacticipants";
    pub const PACTICIPANT: &str = "/pacticipants/{pacticipant}";
    pub const PACTICIPANTS_WITH_LABEL: &str = "/pacticipants/label/{label}";
    pub const LABEL: &str = "/pacticipants/{pacticipant}/labels/{label}";
    pub const LABELS: &str = "/labels";

    pub const VERSIONS: &str = "/pacticipants/{pacticipant}/versions";
    pub const VERSION: &str = "/pacticipants/{pacticipant}/versions/{version}";
    pub const LATEST_VERSION: &str = "/pacticipants/{pacticipant}/latest-version";
    pub const LATEST_TAGGED_VERSION: &str = "/pacticipants/{pacticipant}/latest-version/{tag}";
    pub const TAG: &str = "/pacticipants/{pacticipant}/versions/{version}/tags/{tag}";
    pub const BRANCHES: &str = "/pacticipants/{pacticipant}/branches";
    pub const BRANCH: &str = "/pacticipants/{pacticipant}/branches/{branch}";
    pub const BRANCH_VERSIONS: &str = "/pacticipants/{pacticipant}/branches/{branch}/versions";
    pub const BRANCH_HEAD: &str = "/pacticipants/{pacticipant}/branches/{branch}/latest-version";
    pub const BRANCH_VERSION: &str =
        "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}";

    pub const PUBLISH_CONTRACTS: &str = "/contracts/publish";
    /// The pact of a consumer version, and the legacy way to publish one;
    /// the Pact Broker's index names its variable so.
    pub const PACT: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/version/{consumerApplicationVersion}";
    pub const LATEST_PACT: &str = "/pacts/provider/{provider}/consumer/{consumer}/latest";
    pub const LATEST_TAGGED_PACT: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}";
    pub const LATEST_BRANCH_PACT: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/branch/{branch}/latest";
    /// The permalink of a pact's content, the Pact Broker's pact version.
    pub const PACT_VERSION: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}";
    /// The same, with the verification metadata a verifier was handed.
    pub const PACT_VERSION_WITH_METADATA: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}";
    pub const PACT_VERSIONS: &str = "/pacts/provider/{provider}/consumer/{consumer}/versions";
    pub const BRANCH_PACT_VERSIONS: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/branch/{branch}";
    pub const LATEST_PACTS: &str = "/pacts/latest";
    pub const PROVIDER_LATEST_PACTS: &str = "/pacts/provider/{provider}/latest";
    pub const PROVIDER_LATEST_TAGGED_PACTS: &str = "/pacts/provider/{provider}/latest/{tag}";
    pub const PROVIDER_LATEST_MAIN_BRANCH_PACTS: &str = "/pacts/provider/{provider}/branch/latest";
    pub const PROVIDER_LATEST_BRANCH_PACTS: &str =
        "/pacts/provider/{provider}/branch/{branch}/latest";
    pub const PROVIDER_MAIN_BRANCH_PACTS: &str = "/pacts/provider/{provider}/branch";
    pub const PROVIDER_BRANCH_PACTS: &str = "/pacts/provider/{provider}/branch/{branch}";

    pub const VERIFICATION_RESULTS: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results";
    pub const VERIFICATION_RESULTS_WITH_METADATA: &str = "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}/verification-results";
    pub const LATEST_VERIFICATION_RESULT: &str = "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results/latest";
    pub const VERIFICATION_RESULT: &str = "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results/{number}";
    pub const VERIFICATION_RESULT_WITH_METADATA: &str = "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}/verification-results/{number}";
    pub const LATEST_VERIFICATION_RESULT_OF_VERSION: &str = "/pacts/provider/{provider}/consumer/{consumer}/version/{version}/verification-results/latest";
    pub const LATEST_VERIFICATION_RESULT_OF_LATEST: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/latest/verification-results/latest";
    pub const LATEST_VERIFICATION_RESULT_OF_TAGGED: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}/verification-results/latest";
    pub const VERIFICATION_SUMMARY: &str =
        "/verification-results/consumer/{consumer}/version/{version}/latest";
    pub const PACTS_FOR_VERIFICATION: &str = "/pacts/provider/{provider}/for-verification";

    pub const ENVIRONMENTS: &str = "/environments";
    pub const ENVIRONMENT: &str = "/environments/{uuid}";
    pub const CURRENTLY_DEPLOYED: &str =
        "/environments/{uuid}/deployed-versions/currently-deployed";
    pub const CURRENTLY_SUPPORTED: &str =
        "/environments/{uuid}/released-versions/currently-supported";
    pub const VERSION_DEPLOYMENTS: &str =
        "/pacticipants/{pacticipant}/versions/{version}/deployed-versions/environment/{uuid}";
    pub const VERSION_RELEASES: &str =
        "/pacticipants/{pacticipant}/versions/{version}/released-versions/environment/{uuid}";
    pub const DEPLOYED_VERSION: &str = "/deployed-versions/{uuid}";
    pub const RELEASED_VERSION: &str = "/released-versions/{uuid}";

    pub const MATRIX: &str = "/matrix";
    pub const CAN_I_DEPLOY: &str = "/can-i-deploy";
    pub const PAIR_MATRIX: &str = "/matrix/provider/{provider}/consumer/{consumer}";
    pub const CAN_I_DEPLOY_TAG_TO_TAG: &str =
        "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{environmentTag}";
    pub const CAN_I_DEPLOY_BRANCH_TO_ENVIRONMENT: &str = "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}";

    pub const LATEST_PACT_BADGE: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/latest/badge";
    pub const LATEST_TAGGED_PACT_BADGE: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}/badge";
    pub const LATEST_UNTAGGED_PACT_BADGE: &str =
        "/pacts/provider/{provider}/consumer/{consumer}/latest-untagged/badge";
    pub const MATRIX_BADGE: &str = "/matrix/provider/{provider}/latest/{providerTag}/consumer/{consumer}/latest/{consumerTag}/badge";
    pub const CAN_I_DEPLOY_TAG_TO_TAG_BADGE: &str =
        "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{environmentTag}/badge";
    pub const CAN_I_DEPLOY_BRANCH_TO_ENVIRONMENT_BADGE: &str = "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}/badge";
    pub const CAN_I_MERGE_BADGE: &str = "/pacticipants/{pacticipant}/main-branch/can-i-merge/badge";

    pub const TOKENS: &str = "/tokens";
    pub const TOKEN: &str = "/tokens/{uuid}";
}

/// Characters escaped inside one path segment: everything that would end or
/// change the segment, so names like `feat/x` stay one segment (`feat%2Fx`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']');

/// The absolute base URL of this request, without a trailing slash, and
/// the URL of every resource under it.
#[derive(Debug, Clone)]
pub struct Base(pub String);

fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

impl Base {
    /// The URL of `path` with its parameters filled, in order, by `values`,
    /// each escaped as one segment, so a name such as `{version}` comes out
    /// as `%7Bversion%7D` and can never be taken for a variable. Parameters
    /// beyond `values` stay as `{name}`: a HAL templated link.
    pub fn template(&self, path: &str, values: &[&str]) -> String {
        let mut url = self.0.clone();
        let mut values = values.iter();
        for segment in path.split('/').skip(1) {
            url.push('/');
            let value = if is_parameter(segment) {
                values.next()
            } else {
                None
            };
            match value {
                // A client that resolves dot segments (RFC 3986 §5.2.4)
                // would drop or climb over a literal `.` or `..`; escaped,
                // they stay names.
                Some(&".") => url.push_str("%2E"),
                Some(&"..") => url.push_str("%2E%2E"),
                Some(value) => url.extend(utf8_percent_encode(value, SEGMENT)),
                None => url.push_str(segment),
            }
        }
        debug_assert!(values.next().is_none(), "{path} has fewer parameters");
        url
    }

    /// The URL of `path` with every parameter filled.
    pub fn fill(&self, path: &str, values: &[&str]) -> String {
        debug_assert_eq!(
            path.split('/').filter(|s| is_parameter(s)).count(),
            values.len(),
            "{path}"
        );
        self.template(path, values)
    }

    pub fn index(&self) -> String {
        self.fill(paths::INDEX, &[])
    }

    pub fn heartbeat(&self) -> String {
        self.fill(paths::HEARTBEAT, &[])
    }

    pub fn pacticipants(&self) -> String {
        self.fill(paths::PACTICIPANTS, &[])
    }

    pub fn pacticipant(&self, pacticipant: &str) -> String {
        self.fill(paths::PACTICIPANT, &[pacticipant])
    }

    pub fn pacticipants_with_label(&self, label: &str) -> String {
        self.fill(paths::PACTICIPANTS_WITH_LABEL, &[label])
    }

    pub fn label(&self, pacticipant: &str, label: &str) -> String {
        self.fill(paths::LABEL, &[pacticipant, label])
    }

    pub fn labels(&self) -> String {
        self.fill(paths::LABELS, &[])
    }

    pub fn versions(&self, pacticipant: &str) -> String {
        self.fill(paths::VERSIONS, &[pacticipant])
    }

    pub fn version(&self, pacticipant: &str, version: &str) -> String {
        self.fill(paths::VERSION, &[pacticipant, version])
    }

    pub fn tag(&self, pacticipant: &str, version: &str, tag: &str) -> String {
        self.fill(paths::TAG, &[pacticipant, version, tag])
    }

    pub fn branches(&self, pacticipant: &str) -> String {
        self.fill(paths::BRANCHES, &[pacticipant])
    }

    pub fn branch(&self, pacticipant: &str, branch: &str) -> String {
        self.fill(paths::BRANCH, &[pacticipant, branch])
    }

    pub fn branch_versions(&self, pacticipant: &str, branch: &str) -> String {
        self.fill(paths::BRANCH_VERSIONS, &[pacticipant, branch])
    }

    pub fn branch_head(&self, pacticipant: &str, branch: &str) -> String {
        self.fill(paths::BRANCH_HEAD, &[pacticipant, branch])
    }

    pub fn branch_version(&self, pacticipant: &str, branch: &str, version: &str) -> String {
        self.fill(paths::BRANCH_VERSION, &[pacticipant, branch, version])
    }

    pub fn pact(&self, provider: &str, consumer: &str, consumer_version: &str) -> String {
        self.fill(paths::PACT, &[provider, consumer, consumer_version])
    }

    pub fn latest_pact(&self, provider: &str, consumer: &str) -> String {
        self.fill(paths::LATEST_PACT, &[provider, consumer])
    }

    /// The permalink of a pact's content between a consumer and provider.
    pub fn pact_version(&self, provider: &str, consumer: &str, sha: &str) -> String {
        self.fill(paths::PACT_VERSION, &[provider, consumer, sha])
    }

    pub fn pact_version_with_metadata(
        &self,
        provider: &str,
        consumer: &str,
        sha: &str,
        metadata: &str,
    ) -> String {
        self.fill(
            paths::PACT_VERSION_WITH_METADATA,
            &[provider, consumer, sha, metadata],
        )
    }

    pub fn pact_versions(&self, provider: &str, consumer: &str) -> String {
        self.fill(paths::PACT_VERSIONS, &[provider, consumer])
    }

    pub fn branch_pact_versions(&self, provider: &str, consumer: &str, branch: &str) -> String {
        self.fill(paths::BRANCH_PACT_VERSIONS, &[provider, consumer, branch])
    }

    pub fn latest_pacts(&self) -> String {
        self.fill(paths::LATEST_PACTS, &[])
    }

    pub fn provider_latest_pacts(&self, provider: &str) -> String {
        self.fill(paths::PROVIDER_LATEST_PACTS, &[provider])
    }

    pub fn provider_latest_tagged_pacts(&self, provider: &str, tag: &str) -> String {
        self.fill(paths::PROVIDER_LATEST_TAGGED_PACTS, &[provider, tag])
    }

    pub fn provider_latest_main_branch_pacts(&self, provider: &str) -> String {
        self.fill(paths::PROVIDER_LATEST_MAIN_BRANCH_PACTS, &[provider])
    }

    pub fn provider_latest_branch_pacts(&self, provider: &str, branch: &str) -> String {
        self.fill(paths::PROVIDER_LATEST_BRANCH_PACTS, &[provider, branch])
    }

    pub fn provider_main_branch_pacts(&self, provider: &str) -> String {
        self.fill(paths::PROVIDER_MAIN_BRANCH_PACTS, &[provider])
    }

    pub fn provider_branch_pacts(&self, provider: &str, branch: &str) -> String {
        self.fill(paths::PROVIDER_BRANCH_PACTS, &[provider, branch])
    }

    /// Where results of a pact's content are published, with the metadata
    /// of the URL the pact was fetched by, if any.
    pub fn verification_results(
        &self,
        provider: &str,
        consumer: &str,
        sha: &str,
        metadata: Option<&str>,
    ) -> String {
        match metadata {
            Some(metadata) => self.fill(
                paths::VERIFICATION_RESULTS_WITH_METADATA,
                &[provider, consumer, sha, metadata],
            ),
            None => self.fill(paths::VERIFICATION_RESULTS, &[provider, consumer, sha]),
        }
    }

    pub fn latest_verification_result(&self, provider: &str, consumer: &str, sha: &str) -> String {
        self.fill(
            paths::LATEST_VERIFICATION_RESULT,
            &[provider, consumer, sha],
        )
    }

    pub fn verification_result(
        &self,
        provider: &str,
        consumer: &str,
        sha: &str,
        number: &str,
    ) -> String {
        self.fill(
            paths::VERIFICATION_RESULT,
            &[provider, consumer, sha, number],
        )
    }

    pub fn verification_summary(&self, consumer: &str, version: &str) -> String {
        self.fill(paths::VERIFICATION_SUMMARY, &[consumer, version])
    }

    pub fn pacts_for_verification(&self, provider: &str) -> String {
        self.fill(paths::PACTS_FOR_VERIFICATION, &[provider])
    }

    pub fn environments(&self) -> String {
        self.fill(paths::ENVIRONMENTS, &[])
    }

    pub fn environment(&self, uuid: &str) -> String {
        self.fill(paths::ENVIRONMENT, &[uuid])
    }

    pub fn currently_deployed(&self, environment: &str) -> String {
        self.fill(paths::CURRENTLY_DEPLOYED, &[environment])
    }

    pub fn currently_supported(&self, environment: &str) -> String {
        self.fill(paths::CURRENTLY_SUPPORTED, &[environment])
    }

    pub fn version_deployments(&self, pacticipant: &str, version: &str, env: &str) -> String {
        self.fill(paths::VERSION_DEPLOYMENTS, &[pacticipant, version, env])
    }

    pub fn version_releases(&self, pacticipant: &str, version: &str, env: &str) -> String {
        self.fill(paths::VERSION_RELEASES, &[pacticipant, version, env])
    }

    pub fn deployed_version(&self, uuid: &str) -> String {
        self.fill(paths::DEPLOYED_VERSION, &[uuid])
    }

    pub fn released_version(&self, uuid: &str) -> String {
        self.fill(paths::RELEASED_VERSION, &[uuid])
    }

    pub fn tokens(&self) -> String {
        self.fill(paths::TOKENS, &[])
    }

    pub fn token(&self, uuid: &str) -> String {
        self.fill(paths::TOKEN, &[uuid])
    }
}

/// The URL a verifier fetches a pact to verify from (its content
/// permalink with the verification metadata), and the URL its notices
/// name: the plain permalink, or the same URL for a work in progress pact.
pub fn verifiable_pact(base: &Base, pact: &VerifiablePact) -> (String, String) {
    let with_metadata = base.pact_version_with_metadata(
        &pact.provider,
        &pact.consumer,
        &pact.sha,
        &pact.metadata(),
    );
    let named = if pact.wip {
        with_metadata.clone()
    } else {
        base.pact_version(&pact.provider, &pact.consumer, &pact.sha)
    };
    (with_metadata, named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_escaped_as_one_segment() {
        let base = Base("http://b".into());
        assert_eq!(
            base.version("feat/x y", "{version}"),
            "http://b/pacticipants/feat%2Fx%20y/versions/%7Bversion%7D"
        );
        assert_eq!(
            base.pacticipant("a%b?c#d"),
            "http://b/pacticipants/a%25b%3Fc%23d"
        );
        assert_eq!(base.index(), "http://b/");
        assert_eq!(
            base.fill(paths::TAG, &[".", "1", ".."]),
            "http://b/pacticipants/%2E/versions/1/tags/%2E%2E"
        );
        assert_eq!(
            base.fill(paths::TAG, &["...", ".a", "a."]),
            "http://b/pacticipants/.../versions/.a/tags/a."
        );
    }

    #[test]
    fn templates_fill_the_first_parameters_and_keep_the_rest() {
        let base = Base("http://b".into());
        assert_eq!(
            base.template(paths::TAG, &["{version}", "1"]),
            "http://b/pacticipants/%7Bversion%7D/versions/1/tags/{tag}"
        );
        assert_eq!(
            base.template(paths::LATEST_TAGGED_PACT, &[]),
            "http://b/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}"
        );
    }
}
