//! The use cases of the broker: the only API of the core, shared by the
//! gRPC and REST adapters. Each file holds one domain noun.

pub mod badges;
pub mod deployments;
pub mod environments;
pub mod for_verification;
pub mod matrix;
pub mod pacticipants;
pub mod pacts;
pub mod tokens;
pub mod verifications;
pub mod versions;

use std::sync::Arc;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::domain::names;
use crate::domain::page::Page;
use crate::error::{Error, Result};
use crate::settings::BrokerSettings;
use crate::store::{Conn, Store, pacticipants as pacticipant_store, versions as version_store};

pub use crate::domain::pact::PactSelector;
pub use pacticipants::{Pacticipant, PacticipantDetails, PacticipantPatch};
pub use pacts::{
    ConflictStrategy, ConsumerVersions, ContractInput, Pact, PublicationOutcome, PublishInput,
    PublishResult, PublishedContract,
};
pub use versions::{Branch, BranchMembership, Tag, Version};

/// The broker's use cases over one store.
#[derive(Clone)]
pub struct Broker {
    store: Store,
    settings: Arc<BrokerSettings>,
    /// One permit per core for CPU-heavy work on request bodies.
    cpu: Arc<Semaphore>,
    /// One permit per core for publishing a large pact, from parsing it to
    /// committing it.
    large: Arc<Semaphore>,
}

/// Contents of at least this many bytes are large: their parsed document
/// takes tens of times their size in memory while they are stored.
const LARGE_CONTENT: usize = 1024 * 1024;

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: Page,
}

impl Broker {
    pub fn new(store: Store, settings: BrokerSettings) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Broker {
            store,
            settings: Arc::new(settings),
            cpu: Arc::new(Semaphore::new(cores)),
            large: Arc::new(Semaphore::new(cores)),
        }
    }

    /// A place among the large publications in progress when `bytes` of
    /// content are large, waited for; none needed otherwise. Their parsed
    /// documents are held until commit, so without a bound eight 6.6 MB
    /// pacts at once took 1.3 GB.
    async fn room_for(&self, bytes: usize) -> Result<Option<SemaphorePermit<'_>>> {
        if bytes < LARGE_CONTENT {
            return Ok(None);
        }
        let permit = self.large.acquire().await.map_err(|err| {
            anyhow::Error::from(err).context("the large publication pool is closed")
        })?;
        Ok(Some(permit))
    }

    /// Runs `work` (parsing, hashing, merging or diffing a request's pact)
    /// on a blocking thread, so a large body cannot stall the async workers
    /// and the requests they serve. At most one such piece of work per core
    /// runs at once, which also bounds the documents held in memory.
    /// Transports use it too, for reading large bodies.
    pub async fn on_cpu<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .cpu
            .acquire()
            .await
            .map_err(|err| anyhow::Error::from(err).context("the CPU pool is closed"))?;
        tokio::task::spawn_blocking(work).await.map_err(|err| {
            anyhow::Error::from(err)
                .context("CPU work on a request body")
                .into()
        })
    }

    pub fn settings(&self) -> &BrokerSettings {
        &self.settings
    }

    /// Whether the last attempt to reach the database did.
    pub fn database_reachable(&self) -> bool {
        self.store.is_reachable()
    }
}

/// The pacticipant named `name`, or NOT_FOUND with the Pact Broker's wording.
/// A name no pacticipant can have is not looked up.
async fn existing_pacticipant(
    conn: &mut Conn,
    name: &str,
) -> Result<crate::store::models::PacticipantRow> {
    let found = if names::can_exist(name) {
        pacticipant_store::find(conn, name).await?
    } else {
        None
    };
    found.ok_or_else(|| Error::NotFound(format!("No pacticipant with name '{name}' found")))
}

/// The version `number` of `pacticipant`, or NOT_FOUND.
async fn existing_version(
    conn: &mut Conn,
    pacticipant: &crate::store::models::PacticipantRow,
    number: &str,
) -> Result<crate::store::models::VersionRow> {
    let found = if names::can_exist(number) {
        version_store::find(conn, pacticipant.id, number).await?
    } else {
        None
    };
    found.ok_or_else(|| {
        Error::NotFound(format!(
            "No version '{number}' of pacticipant '{}' found",
            pacticipant.name
        ))
    })
}
