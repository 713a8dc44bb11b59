//! Versions, branches and tags.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;

use super::{Broker, Listed, existing_pacticipant, existing_version};
use crate::domain::names;
use crate::domain::page::Page;
use crate::error::{Error, Result, Violations};
use crate::settings::BrokerSettings;
use crate::store::models::{BranchRow, PacticipantRow, TagRow, VersionRow};
use crate::store::{
    Conn, deployments as deployment_store, environments as environment_store,
    pacticipants as pacticipant_store, pacts as pact_store, versions as store,
};

#[derive(Debug, Clone)]
pub struct Version {
    pub pacticipant: String,
    pub number: String,
    pub build_url: Option<String>,
    pub branches: Vec<BranchMembership>,
    pub tags: Vec<Tag>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct BranchMembership {
    pub name: String,
    pub latest: bool,
    pub auto_created: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub pacticipant: String,
    pub version: String,
    pub name: String,
    pub latest: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Branch {
    pub pacticipant: String,
    pub name: String,
    pub latest_version: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Versions of one pacticipant with their branches and tags, two queries
/// for the whole list.
pub(crate) async fn describe_versions(
    conn: &mut Conn,
    pacticipant: &str,
    rows: Vec<VersionRow>,
) -> Result<Vec<Version>> {
    describe_versions_of(conn, rows, |_| pacticipant).await
}

/// Versions of any pacticipants with their branches and tags, two queries
/// for the whole list; `name_of` names each row's pacticipant.
pub(crate) async fn describe_versions_of<'a>(
    conn: &mut Conn,
    rows: Vec<VersionRow>,
    name_of: impl Fn(&VersionRow) -> &'a str,
) -> Result<Vec<Version>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let (memberships, tags) = store::branches_and_tags_of(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let pacticipant = name_of(&row);
            let id = row.id;
            version_of(
                pacticipant,
                row,
                memberships.iter().filter(|m| m.version_id == id),
                tags.iter().filter(|t| t.version_id == id),
            )
        })
        .collect())
}

/// A version with these branches and tags: all it has, as read or as
/// written by the transaction that created it.
pub(crate) fn version_of<'a>(
    pacticipant: &str,
    row: VersionRow,
    memberships: impl IntoIterator<Item = &'a store::Membership>,
    tags: impl IntoIterator<Item = &'a store::TagInfo>,
) -> Version {
    Version {
        branches: memberships
            .into_iter()
            .map(|m| BranchMembership {
                name: m.branch.clone(),
                latest: m.latest,
                auto_created: m.auto_created,
                created_at: m.created_at,
            })
            .collect(),
        tags: tags
            .into_iter()
            .map(|t| Tag {
                pacticipant: pacticipant.to_owned(),
                version: row.number.clone(),
                name: t.name.clone(),
                latest: t.latest,
                created_at: t.created_at,
            })
            .collect(),
        pacticipant: pacticipant.to_owned(),
        number: row.number,
        build_url: row.build_url,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub(crate) async fn describe_version(
    conn: &mut Conn,
    pacticipant: &str,
    row: VersionRow,
) -> Result<Version> {
    Ok(describe_versions(conn, pacticipant, vec![row])
        .await?
        .pop()
        .expect("one row in, one version out"))
}

/// Checks a build URL: absent, or an absolute http(s) URL.
pub(crate) fn check_build_url(url: &str) -> Result<(), String> {
    names::text(url)?;
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(()),
        _ => Err("must be an absolute http or https URL".into()),
    }
}

/// Adds a version of `pacticipant` to a branch; with
/// `auto_detect_main_branch`, a candidate branch becomes the main branch of
/// a pacticipant that has none, as in the Pact Broker. The new membership,
/// or `None` when the version was on the branch already.
pub(crate) async fn branch_version(
    conn: &mut Conn,
    settings: &BrokerSettings,
    pacticipant: &PacticipantRow,
    version: &VersionRow,
    branch: &str,
    auto_created: bool,
) -> Result<Option<store::Membership>> {
    let added = store::add_to_branch(conn, version, branch, auto_created).await?;
    maybe_set_main_branch(conn, settings, pacticipant, branch).await?;
    Ok(added)
}

/// Tags a version as the Pact Broker's tag service does: with
/// `use_first_tag_as_branch`, the first tag of a version without a branch,
/// applied soon after the version was created, becomes its branch (for
/// tools that know only tags); a candidate tag may set the main branch.
pub(crate) async fn tag_version(
    conn: &mut Conn,
    settings: &BrokerSettings,
    pacticipant: &PacticipantRow,
    version: &VersionRow,
    tag: &str,
) -> Result<(TagRow, bool)> {
    before_tagging(conn, settings, pacticipant, version, &[tag], None).await?;
    store::add_tag(conn, version, tag).await
}

/// Tags a version with each of `tags` in turn, as [`tag_version`] does, in
/// one statement when nothing else changes. `labelled` is whether the
/// version already has a branch or tag, when the caller knows. Returns the
/// branch the first tag became, if it did, and the tags added.
pub(crate) async fn tag_version_with_all(
    conn: &mut Conn,
    settings: &BrokerSettings,
    pacticipant: &PacticipantRow,
    version: &VersionRow,
    tags: &[String],
    labelled: Option<bool>,
) -> Result<(Option<store::Membership>, Vec<store::TagInfo>)> {
    if tags.is_empty() {
        return Ok((None, Vec::new()));
    }
    let branched = before_tagging(conn, settings, pacticipant, version, tags, labelled).await?;
    Ok((branched, store::add_tags(conn, version, tags).await?))
}

/// Whether a version has a branch or tag before it is tagged, when known
/// without asking: a version just created has none, unless it was just
/// added to a branch.
pub(crate) fn labelled(branched: bool, created: bool) -> Option<bool> {
    match (branched, created) {
        (true, _) => Some(true),
        (false, true) => Some(false),
        (false, false) => None,
    }
}

/// What tagging with `tags` does besides adding them: the first may become
/// the version's branch (returned when it did), and the first candidate the
/// main branch.
async fn before_tagging(
    conn: &mut Conn,
    settings: &BrokerSettings,
    pacticipant: &PacticipantRow,
    version: &VersionRow,
    tags: &[impl AsRef<str>],
    labelled: Option<bool>,
) -> Result<Option<store::Membership>> {
    let mut branched = None;
    let limit = chrono::Duration::seconds(settings.use_first_tag_as_branch_time_limit.into());
    if let Some(first) = tags.first()
        && settings.use_first_tag_as_branch
        && Utc::now() - version.created_at <= limit
    {
        let labelled = match labelled {
            Some(known) => known,
            None => !store::is_unlabelled(conn, version.id).await?,
        };
        if !labelled {
            branched =
                branch_version(conn, settings, pacticipant, version, first.as_ref(), true).await?;
        }
    }
    // Each tag in turn would set the main branch while it is unset, so the
    // first candidate is the one that can.
    if let Some(candidate) = tags
        .iter()
        .find(|tag| is_main_branch_candidate(settings, tag.as_ref()))
    {
        maybe_set_main_branch(conn, settings, pacticipant, candidate.as_ref()).await?;
    }
    Ok(branched)
}

fn is_main_branch_candidate(settings: &BrokerSettings, name: &str) -> bool {
    settings.auto_detect_main_branch && settings.main_branch_candidates.iter().any(|c| c == name)
}

/// Makes `name` the main branch of a pacticipant that has none. The row
/// says whether it had one when read; the statement decides.
async fn maybe_set_main_branch(
    conn: &mut Conn,
    settings: &BrokerSettings,
    pacticipant: &PacticipantRow,
    name: &str,
) -> Result<()> {
    if pacticipant.main_branch.is_none() && is_main_branch_candidate(settings, name) {
        pacticipant_store::set_main_branch_if_unset(conn, pacticipant.id, name).await?;
    }
    Ok(())
}

/// What a version PUT carries.
#[derive(Debug, Default, Clone)]
pub struct VersionInput {
    pub build_url: Option<String>,
    pub branch: Option<String>,
    /// Tags for the version; what they do to its existing tags is the
    /// [`TagUpdate`] of the write.
    pub tags: Vec<String>,
    /// Overwrite rather than merge (a REST PUT): the build URL becomes
    /// `build_url` even when that is `None`. Otherwise a missing build URL
    /// keeps the stored one.
    pub overwrite: bool,
}

/// What a version write does with the version's existing tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagUpdate {
    /// The given tags are added; existing tags stay (gRPC `CreateVersion`).
    Add,
    /// The version's tags become exactly the given ones: the Pact Broker's
    /// version PUT and PATCH when the body has `tags`.
    Replace,
}

impl Broker {
    /// Creates a version, or updates the build URL of an existing one; adds
    /// the branch, and adds the tags or makes them the version's only tags
    /// as `tag_update` says. Creates the pacticipant on the way.
    pub async fn put_version(
        &self,
        pacticipant: &str,
        number: &str,
        input: VersionInput,
        tag_update: TagUpdate,
    ) -> Result<(Version, bool)> {
        let mut violations = Violations::default();
        violations.check("pacticipant", names::single_line(pacticipant).map(drop));
        violations.check("number", names::single_line(number).map(drop));
        if let Some(url) = &input.build_url {
            violations.check("build_url", check_build_url(url));
        }
        if let Some(branch) = &input.branch {
            violations.check("branch", names::branch(branch).map(drop));
        }
        for (i, tag) in input.tags.iter().enumerate() {
            violations.check(&format!("tags[{i}]"), names::single_line(tag).map(drop));
        }
        violations.into_result()?;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let (pacticipant, _) = pacticipant_store::find_or_create(conn, pacticipant).await?;
            let (row, created) =
                store::find_or_create(conn, pacticipant.id, number, input.build_url.as_deref())
                    .await?;
            let row = if input.overwrite && input.build_url.is_none() && row.build_url.is_some() {
                store::set_build_url(conn, row.id, None).await?
            } else {
                row
            };
            if let Some(branch) = &input.branch {
                branch_version(conn, &self.settings, &pacticipant, &row, branch, false).await?;
            }
            if tag_update == TagUpdate::Replace && !created {
                store::remove_tags_except(conn, row.id, &input.tags).await?;
            }
            store::add_tags(conn, &row, &input.tags).await?;
            Ok((
                describe_version(conn, &pacticipant.name, row).await?,
                created,
            ))
        })
        .await
    }

    pub async fn get_version(&self, pacticipant: &str, number: &str) -> Result<Version> {
        let mut conn = self.store.conn().await?;
        let pacticipant = existing_pacticipant(&mut conn, pacticipant).await?;
        let row = existing_version(&mut conn, &pacticipant, number).await?;
        describe_version(&mut conn, &pacticipant.name, row).await
    }

    /// The latest version, or the latest with a tag, or a branch's head.
    pub async fn latest_version(
        &self,
        pacticipant: &str,
        tag: Option<&str>,
        branch: Option<&str>,
    ) -> Result<Version> {
        let mut conn = self.store.conn().await?;
        let pacticipant = existing_pacticipant(&mut conn, pacticipant).await?;
        let row = match (tag, branch) {
            // Nothing is tagged or branched with a name that cannot exist.
            (Some(name), _) | (None, Some(name)) if !names::can_exist(name) => None,
            (Some(tag), _) => store::latest_with_tag(&mut conn, pacticipant.id, tag).await?,
            (None, Some(branch)) => store::branch_head(&mut conn, pacticipant.id, branch).await?,
            (None, None) => store::latest(&mut conn, pacticipant.id).await?,
        };
        let row = row.ok_or_else(|| {
            let scope = match (tag, branch) {
                (Some(tag), _) => format!(" with tag '{tag}'"),
                (None, Some(branch)) => format!(" on branch '{branch}'"),
                (None, None) => String::new(),
            };
            Error::NotFound(format!(
                "No version of pacticipant '{}'{scope} found",
                pacticipant.name
            ))
        })?;
        describe_version(&mut conn, &pacticipant.name, row).await
    }

    pub async fn list_versions(
        &self,
        pacticipant: &str,
        branch: Option<&str>,
        tag: Option<&str>,
        page: Page,
    ) -> Result<Listed<Version>> {
        let mut conn = self.store.conn().await?;
        let pacticipant = existing_pacticipant(&mut conn, pacticipant).await?;
        if [branch, tag]
            .into_iter()
            .flatten()
            .any(|name| !names::can_exist(name))
        {
            // No version is on such a branch or carries such a tag.
            return Ok(Listed {
                items: Vec::new(),
                total: 0,
                page,
            });
        }
        let (rows, total) = store::list(&mut conn, pacticipant.id, branch, tag, page).await?;
        let items = describe_versions(&mut conn, &pacticipant.name, rows).await?;
        Ok(Listed { items, total, page })
    }

    pub async fn delete_version(&self, pacticipant: &str, number: &str) -> Result<()> {
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let pacticipant = existing_pacticipant(conn, pacticipant).await?;
            let row = existing_version(conn, &pacticipant, number).await?;
            store::delete(conn, &row).await?;
            pact_store::prune_integrations(conn, pacticipant.id).await
        })
        .await
    }

    /// Adds a version to a branch, creating what is missing.
    pub async fn add_branch_version(
        &self,
        pacticipant: &str,
        branch: &str,
        number: &str,
    ) -> Result<(Version, bool)> {
        let mut violations = Violations::default();
        violations.check("pacticipant", names::single_line(pacticipant).map(drop));
        violations.check("branch", names::branch(branch).map(drop));
        violations.check("version", names::single_line(number).map(drop));
        violations.into_result()?;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let (pacticipant, _) = pacticipant_store::find_or_create(conn, pacticipant).await?;
            let (row, _) = store::find_or_create(conn, pacticipant.id, number, None).await?;
            let created = branch_version(conn, &self.settings, &pacticipant, &row, branch, false)
                .await?
                .is_some();
            Ok((
                describe_version(conn, &pacticipant.name, row).await?,
                created,
            ))
        })
        .await
    }

    /// The version, if it is on the branch.
    pub async fn get_branch_version(
        &self,
        pacticipant: &str,
        branch: &str,
        number: &str,
    ) -> Result<Version> {
        let version = self.get_version(pacticipant, number).await?;
        if version.branches.iter().any(|b| b.name == branch) {
            Ok(version)
        } else {
            Err(Error::NotFound(format!(
                "Version '{number}' of pacticipant '{pacticipant}' is not on branch '{branch}'"
            )))
        }
    }

    pub async fn remove_branch_version(
        &self,
        pacticipant: &str,
        branch: &str,
        number: &str,
    ) -> Result<()> {
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let pacticipant = existing_pacticipant(conn, pacticipant).await?;
            let branch_row = existing_branch(conn, &pacticipant, branch).await?;
            let row = existing_version(conn, &pacticipant, number).await?;
            if store::remove_from_branch(conn, &branch_row, row.id).await? {
                Ok(())
            } else {
                Err(Error::NotFound(format!(
                    "Version '{number}' of pacticipant '{}' is not on branch '{branch}'",
                    pacticipant.name
                )))
            }
        })
        .await
    }

    pub async fn get_branch(&self, pacticipant: &str, branch: &str) -> Result<Branch> {
        let mut conn = self.store.conn().await?;
        let pacticipant = existing_pacticipant(&mut conn, pacticipant).await?;
        let row = existing_branch(&mut conn, &pacticipant, branch).await?;
        let (row, head) = store::branch_with_head(&mut conn, row).await?;
        Ok(describe_branch(&pacticipant.name, row, head))
    }

    pub async fn list_branches(&self, pacticipant: &str, page: Page) -> Result<Listed<Branch>> {
        let mut conn = self.store.conn().await?;
        let pacticipant = existing_pacticipant(&mut conn, pacticipant).await?;
        let (rows, total) = store::list_branches(&mut conn, pacticipant.id, page).await?;
        let items = rows
            .into_iter()
            .map(|(row, head)| describe_branch(&pacticipant.name, row, head))
            .collect();
        Ok(Listed { items, total, page })
    }

    pub async fn delete_branch(&self, pacticipant: &str, branch: &str) -> Result<()> {
        let mut conn = self.store.conn().await?;
        let pacticipant = existing_pacticipant(&mut conn, pacticipant).await?;
        let row = existing_branch(&mut conn, &pacticipant, branch).await?;
        store::delete_branch(&mut conn, row.id).await
    }

    /// Tags a version, creating the pacticipant and version on the way.
    pub async fn add_tag(&self, pacticipant: &str, number: &str, tag: &str) -> Result<(Tag, bool)> {
        let mut violations = Violations::default();
        violations.check("pacticipant", names::single_line(pacticipant).map(drop));
        violations.check("version", names::single_line(number).map(drop));
        violations.check("tag", names::single_line(tag).map(drop));
        violations.into_result()?;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let (pacticipant, _) = pacticipant_store::find_or_create(conn, pacticipant).await?;
            let (row, _) = store::find_or_create(conn, pacticipant.id, number, None).await?;
            let (_, created) = tag_version(conn, &self.settings, &pacticipant, &row, tag).await?;
            // Tagging with an environment's name records a deployment
            // there, as in the Pact Broker, for teams moving from tags to
            // environments.
            if self.settings.create_deployed_versions_for_tags
                && let Some(environment) = environment_store::find_by_name(conn, tag).await?
            {
                deployment_store::record_deployment(conn, &row, environment.id, None, true).await?;
            }
            let tag = find_tag(conn, &pacticipant, row, tag).await?;
            Ok((tag, created))
        })
        .await
    }

    pub async fn get_tag(&self, pacticipant: &str, number: &str, tag: &str) -> Result<Tag> {
        let mut conn = self.store.conn().await?;
        let pacticipant = existing_pacticipant(&mut conn, pacticipant).await?;
        let row = existing_version(&mut conn, &pacticipant, number).await?;
        find_tag(&mut conn, &pacticipant, row, tag).await
    }

    pub async fn remove_tag(&self, pacticipant: &str, number: &str, tag: &str) -> Result<()> {
        let mut conn = self.store.conn().await?;
        let pacticipant = existing_pacticipant(&mut conn, pacticipant).await?;
        let row = existing_version(&mut conn, &pacticipant, number).await?;
        if names::can_exist(tag) && store::remove_tag(&mut conn, row.id, tag).await? {
            Ok(())
        } else {
            Err(tag_not_found(&pacticipant.name, number, tag))
        }
    }
}

async fn find_tag(
    conn: &mut Conn,
    pacticipant: &PacticipantRow,
    version: VersionRow,
    tag: &str,
) -> Result<Tag> {
    let number = version.number.clone();
    if !names::can_exist(tag) {
        return Err(tag_not_found(&pacticipant.name, &number, tag));
    }
    store::find_tag(conn, version.id, tag)
        .await?
        .ok_or_else(|| tag_not_found(&pacticipant.name, &number, tag))?;
    describe_version(conn, &pacticipant.name, version)
        .await?
        .tags
        .into_iter()
        .find(|t| t.name == tag)
        .ok_or_else(|| tag_not_found(&pacticipant.name, &number, tag))
}

fn tag_not_found(pacticipant: &str, number: &str, tag: &str) -> Error {
    Error::NotFound(format!(
        "Version '{number}' of pacticipant '{pacticipant}' has no tag '{tag}'"
    ))
}

async fn existing_branch(
    conn: &mut Conn,
    pacticipant: &PacticipantRow,
    branch: &str,
) -> Result<BranchRow> {
    let found = if names::can_exist(branch) {
        store::find_branch(conn, pacticipant.id, branch).await?
    } else {
        None
    };
    found.ok_or_else(|| {
        Error::NotFound(format!(
            "No branch '{branch}' of pacticipant '{}' found",
            pacticipant.name
        ))
    })
}

fn describe_branch(pacticipant: &str, row: BranchRow, head: Option<String>) -> Branch {
    Branch {
        pacticipant: pacticipant.to_owned(),
        name: row.name,
        latest_version: head,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}
