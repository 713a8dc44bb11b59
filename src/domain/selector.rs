//! Consumer version selectors: how a provider says which consumer versions'
//! pacts it must verify. The keys, their defaults and which of them may be
//! combined are the Pact Broker's; each rule reports the Pact Broker's
//! message.

use serde_json::Value;

use super::names;

/// A selector as a client sent it, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SelectorInput {
    pub main_branch: Option<bool>,
    pub branch: Option<BranchInput>,
    pub matching_branch: Option<bool>,
    pub fallback_branch: Option<String>,
    pub latest: Option<bool>,
    pub tag: Option<String>,
    pub fallback_tag: Option<String>,
    pub consumer: Option<String>,
    pub deployed: Option<bool>,
    pub released: Option<bool>,
    pub deployed_or_released: Option<bool>,
    pub environment: Option<String>,
}

/// `branch` is a name, or `true` for every branch.
#[derive(Debug, Clone, PartialEq)]
pub enum BranchInput {
    Named(String),
    All,
}

/// What a valid selector selects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The head of each consumer's main branch.
    MainBranch,
    /// The head of the named branch, else of the fallback branch.
    Branch {
        name: String,
        fallback: Option<String>,
    },
    /// The head of every branch.
    AllBranches,
    /// The latest consumer version with a pact for the provider.
    Latest,
    /// The latest version with the tag, else with the fallback tag.
    LatestTag {
        tag: String,
        fallback: Option<String>,
    },
    /// Every version with the tag.
    AllTag { tag: String },
    /// Versions currently deployed (to the environment, when named).
    Deployed { environment: Option<String> },
    /// Versions released and still supported (in the environment, when
    /// named).
    Released { environment: Option<String> },
}

/// A valid selector, optionally narrowed to one consumer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Selector {
    pub kind: Kind,
    pub consumer: Option<String>,
}

impl Selector {
    pub fn new(kind: Kind) -> Selector {
        Selector {
            kind,
            consumer: None,
        }
    }

    pub fn for_consumer(kind: Kind, consumer: &str) -> Selector {
        Selector {
            kind,
            consumer: Some(consumer.to_owned()),
        }
    }
}

const KEYS: [(&str, &str); 12] = [
    ("mainBranch", "main_branch"),
    ("branch", "branch"),
    ("matchingBranch", "matching_branch"),
    ("fallbackBranch", "fallback_branch"),
    ("latest", "latest"),
    ("tag", "tag"),
    ("fallbackTag", "fallback_tag"),
    ("consumer", "consumer"),
    ("deployed", "deployed"),
    ("released", "released"),
    ("deployedOrReleased", "deployed_or_released"),
    ("environment", "environment"),
];

impl SelectorInput {
    /// Reads a selector from JSON, accepting the camelCase keys of the
    /// request body and the snake_case keys of the GET query, and booleans
    /// written as strings. Errors are messages naming the key.
    pub fn from_json(value: &Value) -> Result<SelectorInput, Vec<String>> {
        let Some(object) = value.as_object() else {
            return Err(vec!["must be an object".into()]);
        };
        let mut input = SelectorInput::default();
        let mut errors = Vec::new();
        for (camel, snake) in KEYS {
            let Some(value) = object.get(camel).or_else(|| object.get(snake)) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            let flag = || match value {
                Value::Bool(b) => Ok(*b),
                Value::String(s) if s == "true" => Ok(true),
                Value::String(s) if s == "false" => Ok(false),
                _ => Err(format!("{camel} must be true or false")),
            };
            let only_true = || match flag() {
                Ok(true) => Ok(true),
                _ => Err(format!("{camel} must be true")),
            };
            let text = || match value {
                Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
                Value::String(_) => Err(format!("{camel} cannot be blank")),
                _ => Err(format!("{camel} must be a string")),
            };
            let result = match camel {
                "mainBranch" => only_true().map(|v| input.main_branch = Some(v)),
                "matchingBranch" => only_true().map(|v| input.matching_branch = Some(v)),
                "deployed" => only_true().map(|v| input.deployed = Some(v)),
                "released" => only_true().map(|v| input.released = Some(v)),
                "deployedOrReleased" => only_true().map(|v| input.deployed_or_released = Some(v)),
                "latest" => flag().map(|v| input.latest = Some(v)),
                "branch" => match value {
                    Value::Bool(true) => Ok(BranchInput::All),
                    Value::String(s) if s == "true" => Ok(BranchInput::All),
                    _ => text()
                        .map(BranchInput::Named)
                        .map_err(|_| "branch must be a branch name or true".to_owned()),
                }
                .map(|v| input.branch = Some(v)),
                "fallbackBranch" => text().map(|v| input.fallback_branch = Some(v)),
                "tag" => text().map(|v| input.tag = Some(v)),
                "fallbackTag" => text().map(|v| input.fallback_tag = Some(v)),
                "consumer" => text().map(|v| input.consumer = Some(v)),
                _ => text().map(|v| input.environment = Some(v)),
            };
            if let Err(message) = result {
                errors.push(message);
            }
        }
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }

    /// The keys that were given, by their JSON names.
    fn given(&self) -> Vec<&'static str> {
        let present = [
            self.main_branch.is_some(),
            self.branch.is_some(),
            self.matching_branch.is_some(),
            self.fallback_branch.is_some(),
            self.latest.is_some(),
            self.tag.is_some(),
            self.fallback_tag.is_some(),
            self.consumer.is_some(),
            self.deployed.is_some(),
            self.released.is_some(),
            self.deployed_or_released.is_some(),
            self.environment.is_some(),
        ];
        KEYS.iter()
            .zip(present)
            .filter(|(_, given)| *given)
            .map(|((camel, _), _)| *camel)
            .collect()
    }

    /// Checks the combination rules and says what the selector selects: one
    /// selector, or two for `deployedOrReleased` and for `environment`
    /// alone. `provider_version_branch` is what `matchingBranch` matches.
    /// Errors are the Pact Broker's messages, in its order.
    pub fn validate(
        &self,
        provider_version_branch: Option<&str>,
    ) -> Result<Vec<Selector>, Vec<String>> {
        let given = self.given();
        let errors = [
            self.missing_criterion_errors(),
            self.main_branch_errors(&given),
            self.matching_branch_errors(&given, provider_version_branch),
            self.mixed_criteria_errors(&given),
            self.fallback_and_latest_errors(),
            self.name_errors(),
            self.deployment_errors(),
        ]
        .concat();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(self
            .kinds(provider_version_branch)
            .into_iter()
            .map(|kind| Selector {
                kind,
                consumer: self.consumer.clone(),
            })
            .collect())
    }

    /// A selector must say which versions it selects.
    fn missing_criterion_errors(&self) -> Vec<String> {
        let flags = [
            self.main_branch,
            self.matching_branch,
            self.deployed,
            self.released,
            self.deployed_or_released,
            self.latest,
        ];
        let selects = self.tag.is_some()
            || self.branch.is_some()
            || self.environment.is_some()
            || flags.into_iter().any(is_true);
        broken(&[(
            !selects,
            "must specify a value for environment or tag or branch, or specify mainBranch=true, matchingBranch=true, latest=true, deployed=true, released=true or deployedOrReleased=true",
        )])
    }

    fn main_branch_errors(&self, given: &[&str]) -> Vec<String> {
        let main_branch = is_true(self.main_branch);
        broken(&[
            (
                main_branch && any_other(given, &["consumer", "mainBranch", "latest"]),
                "cannot specify mainBranch=true with any other criteria apart from consumer",
            ),
            (
                main_branch && self.latest == Some(false),
                "cannot specify mainBranch=true with latest=false",
            ),
        ])
    }

    fn matching_branch_errors(
        &self,
        given: &[&str],
        provider_version_branch: Option<&str>,
    ) -> Vec<String> {
        let matching_branch = is_true(self.matching_branch);
        broken(&[
            (
                matching_branch && any_other(given, &["consumer", "matchingBranch"]),
                "cannot specify matchingBranch=true with any other criteria apart from consumer",
            ),
            (
                matching_branch && provider_version_branch.is_none_or(|b| b.trim().is_empty()),
                "the providerVersionBranch must be specified when the selector matchingBranch=true is used",
            ),
        ])
    }

    /// A tag with a branch, or any version criterion with an environment
    /// one; the latter names the keys on each side.
    fn mixed_criteria_errors(&self, given: &[&str]) -> Vec<String> {
        let mut errors = broken(&[(
            self.tag.is_some() && self.branch.is_some(),
            "cannot specify both a tag and a branch",
        )]);
        let version_keys = sorted_among(
            given,
            &[
                "latest",
                "tag",
                "fallbackTag",
                "branch",
                "fallbackBranch",
                "matchingBranch",
                "mainBranch",
            ],
        );
        let environment_keys = sorted_among(
            given,
            &["environment", "deployed", "released", "deployedOrReleased"],
        );
        if !version_keys.is_empty() && !environment_keys.is_empty() {
            let fields = |keys: &[&str]| {
                let noun = if keys.len() == 1 { "field" } else { "fields" };
                format!("{noun} {}", keys.join("/"))
            };
            errors.push(format!(
                "cannot specify the {} with the {}",
                fields(&version_keys),
                fields(&environment_keys)
            ));
        }
        errors
    }

    /// Fallbacks need what they fall back from, and a latest version.
    fn fallback_and_latest_errors(&self) -> Vec<String> {
        let not_latest = self.latest == Some(false);
        broken(&[
            (
                self.fallback_tag.is_some() && !is_true(self.latest),
                "fallbackTag can only be set if latest is true",
            ),
            (
                self.fallback_tag.is_some() && self.tag.is_none(),
                "a tag must be specified when a fallbackTag is specified",
            ),
            (
                self.fallback_branch.is_some() && self.branch.is_none(),
                "a branch must be specified when a fallbackBranch is specified",
            ),
            (
                self.fallback_branch.is_some() && not_latest,
                "fallbackBranch can only be set if latest is true",
            ),
            (
                self.branch.is_some() && not_latest,
                "cannot specify a branch with latest=false",
            ),
        ])
    }

    /// Every name given must be one a tag, branch, pacticipant or
    /// environment can have.
    fn name_errors(&self) -> Vec<String> {
        let branch = match &self.branch {
            Some(BranchInput::Named(name)) => Some(name.as_str()),
            _ => None,
        };
        let values = [
            ("tag", self.tag.as_deref()),
            ("fallbackTag", self.fallback_tag.as_deref()),
            ("fallbackBranch", self.fallback_branch.as_deref()),
            ("consumer", self.consumer.as_deref()),
            ("environment", self.environment.as_deref()),
            ("branch", branch),
        ];
        values
            .into_iter()
            .filter_map(|(key, value)| match value.map(names::single_line) {
                Some(Err(message)) => Some(format!("{key} {message}")),
                _ => None,
            })
            .collect()
    }

    /// At most one of deployed, released and deployedOrReleased.
    fn deployment_errors(&self) -> Vec<String> {
        let (deployed, released, either) = (
            is_true(self.deployed),
            is_true(self.released),
            is_true(self.deployed_or_released),
        );
        broken(&[
            (
                deployed && released,
                "cannot specify both deployed=true and released=true",
            ),
            (
                deployed && either,
                "cannot specify both deployed=true and deployedOrReleased=true",
            ),
            (
                released && either,
                "cannot specify both released=true and deployedOrReleased=true",
            ),
        ])
    }

    /// What a valid selector selects.
    fn kinds(&self, provider_version_branch: Option<&str>) -> Vec<Kind> {
        let environment = self.environment.clone();
        let deployed = Kind::Deployed {
            environment: environment.clone(),
        };
        let released = Kind::Released {
            environment: environment.clone(),
        };
        if self.main_branch == Some(true) {
            vec![Kind::MainBranch]
        } else if self.matching_branch == Some(true) {
            vec![Kind::Branch {
                name: provider_version_branch.unwrap_or_default().to_owned(),
                fallback: None,
            }]
        } else if let Some(branch) = &self.branch {
            vec![match branch {
                BranchInput::Named(name) => Kind::Branch {
                    name: name.clone(),
                    fallback: self.fallback_branch.clone(),
                },
                BranchInput::All => Kind::AllBranches,
            }]
        } else if let Some(tag) = &self.tag {
            vec![if self.latest == Some(true) {
                Kind::LatestTag {
                    tag: tag.clone(),
                    fallback: self.fallback_tag.clone(),
                }
            } else {
                Kind::AllTag { tag: tag.clone() }
            }]
        } else if self.deployed == Some(true) {
            vec![deployed]
        } else if self.released == Some(true) {
            vec![released]
        } else if self.deployed_or_released == Some(true) || environment.is_some() {
            vec![deployed, released]
        } else {
            vec![Kind::Latest]
        }
    }
}

fn is_true(flag: Option<bool>) -> bool {
    flag == Some(true)
}

/// The messages of the rules that are broken.
fn broken(rules: &[(bool, &str)]) -> Vec<String> {
    rules
        .iter()
        .filter(|(is_broken, _)| *is_broken)
        .map(|(_, message)| (*message).to_owned())
        .collect()
}

/// Whether a key outside `allowed` was given.
fn any_other(given: &[&str], allowed: &[&str]) -> bool {
    given.iter().any(|k| !allowed.contains(k))
}

/// The given keys that are among `keys`, in alphabetical order.
fn sorted_among<'a>(given: &[&'a str], keys: &[&str]) -> Vec<&'a str> {
    let mut found: Vec<&str> = given.iter().copied().filter(|k| keys.contains(k)).collect();
    found.sort_unstable();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(selector: Value, branch: Option<&str>) -> Result<Vec<Kind>, Vec<String>> {
        SelectorInput::from_json(&selector)?
            .validate(branch)
            .map(|s| s.into_iter().map(|s| s.kind).collect())
    }

    fn error(selector: Value) -> String {
        kinds(selector, None).unwrap_err().join("; ")
    }

    #[test]
    fn selects() {
        let named = |name: &str, fallback: Option<&str>| Kind::Branch {
            name: name.into(),
            fallback: fallback.map(Into::into),
        };
        let env = |e: Option<&str>| {
            vec![
                Kind::Deployed {
                    environment: e.map(Into::into),
                },
                Kind::Released {
                    environment: e.map(Into::into),
                },
            ]
        };
        let cases = [
            (json!({"mainBranch": true}), vec![Kind::MainBranch]),
            (
                json!({"main_branch": "true", "latest": true}),
                vec![Kind::MainBranch],
            ),
            (json!({"branch": "feat/x"}), vec![named("feat/x", None)]),
            (
                json!({"branch": "feat/x", "fallbackBranch": "main"}),
                vec![named("feat/x", Some("main"))],
            ),
            (json!({"branch": true}), vec![Kind::AllBranches]),
            (
                json!({"matchingBranch": true}),
                vec![named("provider-branch", None)],
            ),
            (json!({"latest": true}), vec![Kind::Latest]),
            (
                json!({"tag": "prod", "latest": true, "fallbackTag": "main"}),
                vec![Kind::LatestTag {
                    tag: "prod".into(),
                    fallback: Some("main".into()),
                }],
            ),
            (
                json!({"tag": "prod"}),
                vec![Kind::AllTag { tag: "prod".into() }],
            ),
            (
                json!({"deployed": true}),
                vec![Kind::Deployed { environment: None }],
            ),
            (
                json!({"released": true, "environment": "prod"}),
                vec![Kind::Released {
                    environment: Some("prod".into()),
                }],
            ),
            (json!({"deployedOrReleased": true}), env(None)),
            (json!({"environment": "prod"}), env(Some("prod"))),
        ];
        for (selector, expected) in cases {
            assert_eq!(
                kinds(selector.clone(), Some("provider-branch")),
                Ok(expected),
                "{selector}"
            );
        }
    }

    #[test]
    fn reports_every_broken_rule_in_the_pact_brokers_order() {
        let cases = [
            (
                json!({"mainBranch": true, "latest": false, "tag": "t", "fallbackTag": "f",
                       "deployed": true, "released": true, "environment": "e"}),
                vec![
                    "cannot specify mainBranch=true with any other criteria apart from consumer",
                    "cannot specify mainBranch=true with latest=false",
                    "cannot specify the fields fallbackTag/latest/mainBranch/tag with the fields deployed/environment/released",
                    "fallbackTag can only be set if latest is true",
                    "cannot specify both deployed=true and released=true",
                ],
            ),
            (
                json!({"matchingBranch": true, "branch": "b", "fallbackBranch": "f\nf",
                       "latest": false, "consumer": "a\u{1}b", "deployedOrReleased": true,
                       "released": true}),
                vec![
                    "cannot specify matchingBranch=true with any other criteria apart from consumer",
                    "the providerVersionBranch must be specified when the selector matchingBranch=true is used",
                    "cannot specify the fields branch/fallbackBranch/latest/matchingBranch with the fields deployedOrReleased/released",
                    "fallbackBranch can only be set if latest is true",
                    "cannot specify a branch with latest=false",
                    "fallbackBranch cannot contain a new line",
                    "consumer cannot contain control characters",
                    "cannot specify both released=true and deployedOrReleased=true",
                ],
            ),
            (
                json!({"tag": "t", "branch": "b", "fallbackTag": "f", "deployed": true,
                       "deployedOrReleased": true}),
                vec![
                    "cannot specify both a tag and a branch",
                    "cannot specify the fields branch/fallbackTag/tag with the fields deployed/deployedOrReleased",
                    "fallbackTag can only be set if latest is true",
                    "cannot specify both deployed=true and deployedOrReleased=true",
                ],
            ),
            (
                json!({"latest": false, "fallbackTag": "f", "fallbackBranch": "g"}),
                vec![
                    "must specify a value for environment or tag or branch, or specify mainBranch=true, matchingBranch=true, latest=true, deployed=true, released=true or deployedOrReleased=true",
                    "fallbackTag can only be set if latest is true",
                    "a tag must be specified when a fallbackTag is specified",
                    "a branch must be specified when a fallbackBranch is specified",
                    "fallbackBranch can only be set if latest is true",
                ],
            ),
        ];
        for (selector, expected) in cases {
            let expected = expected.into_iter().map(String::from).collect();
            assert_eq!(kinds(selector.clone(), None), Err(expected), "{selector}");
        }
    }

    #[test]
    fn refuses_what_the_pact_broker_refuses() {
        let cases = [
            (json!({}), "must specify a value for environment"),
            (json!({"consumer": "Foo"}), "must specify a value"),
            (json!({"latest": false}), "must specify a value"),
            (
                json!({"mainBranch": true, "tag": "x"}),
                "cannot specify mainBranch=true with any other criteria apart from consumer",
            ),
            (
                json!({"mainBranch": true, "latest": false}),
                "cannot specify mainBranch=true with latest=false",
            ),
            (json!({"mainBranch": false}), "mainBranch must be true"),
            (
                json!({"matchingBranch": true}),
                "the providerVersionBranch must be specified",
            ),
            (
                json!({"matchingBranch": true, "latest": true}),
                "cannot specify matchingBranch=true with any other criteria",
            ),
            (
                json!({"tag": "a", "branch": "b"}),
                "cannot specify both a tag and a branch",
            ),
            (
                json!({"branch": "b", "environment": "prod"}),
                "cannot specify the field branch with the field environment",
            ),
            (
                json!({"tag": "t", "latest": true, "deployed": true, "environment": "e"}),
                "cannot specify the fields latest/tag with the fields deployed/environment",
            ),
            (
                json!({"tag": "t", "fallbackTag": "main"}),
                "fallbackTag can only be set if latest is true",
            ),
            (
                json!({"latest": true, "fallbackTag": "main"}),
                "a tag must be specified when a fallbackTag is specified",
            ),
            (
                json!({"latest": true, "fallbackBranch": "main"}),
                "a branch must be specified when a fallbackBranch is specified",
            ),
            (
                json!({"branch": "b", "fallbackBranch": "main", "latest": false}),
                "fallbackBranch can only be set if latest is true",
            ),
            (
                json!({"branch": "b", "latest": false}),
                "cannot specify a branch with latest=false",
            ),
            (
                json!({"deployed": true, "released": true}),
                "cannot specify both deployed=true and released=true",
            ),
            (
                json!({"deployed": true, "deployedOrReleased": true}),
                "cannot specify both deployed=true and deployedOrReleased=true",
            ),
            (
                json!({"released": true, "deployedOrReleased": true}),
                "cannot specify both released=true and deployedOrReleased=true",
            ),
            (json!({"tag": ""}), "tag cannot be blank"),
            (json!({"tag": 1}), "tag must be a string"),
            (
                json!({"branch": false}),
                "branch must be a branch name or true",
            ),
            (json!({"latest": "yes"}), "latest must be true or false"),
            (
                json!({"consumer": " ", "latest": true}),
                "consumer cannot be blank",
            ),
            (json!("main"), "must be an object"),
            (
                json!({"tag": "a\u{0}b"}),
                "tag cannot contain control characters",
            ),
            (
                json!({"branch": "x".repeat(300)}),
                "branch cannot be longer than 255 characters",
            ),
        ];
        for (selector, expected) in cases {
            let message = error(selector.clone());
            assert!(message.contains(expected), "{selector}: {message}");
        }
    }
}
