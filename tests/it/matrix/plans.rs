//! The plans of the matrix's and of pacts for verification's queries over
//! a long history: every table read through an index, and no more rows
//! read than the answer shows.

use super::*;

/// Versions of each pacticipant in [`History`]. On a history of a few
/// thousand pacts PostgreSQL rightly reads small tables whole; from about
/// this size on it goes through the indexes, as on a broker in use.
const HISTORY_VERSIONS: u32 = 100;

/// A database with some history, written through the broker's own write
/// path, and a way to read the plan of a matrix row query over it.
struct History {
    conn: diesel_async::AsyncPgConnection,
}

impl History {
    async fn open() -> History {
        use diesel_async::AsyncConnection;
        let db = HISTORY.get_or_init(seed_history).await;
        let conn = diesel_async::AsyncPgConnection::establish(&db.url)
            .await
            .expect("connecting");
        History { conn }
    }

    async fn id(&mut self, sql: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        diesel::sql_query(sql)
            .get_result::<Id>(&mut self.conn)
            .await
            .expect(sql)
            .id
    }

    /// The one text value `sql` selects, as `value`.
    async fn text(&mut self, sql: &str) -> String {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Text {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        diesel::sql_query(sql)
            .get_result::<Text>(&mut self.conn)
            .await
            .expect(sql)
            .value
    }

    async fn pacticipant(&mut self, name: &str) -> i64 {
        self.id(&format!(
            "SELECT id FROM pacticipants WHERE name = '{name}'"
        ))
        .await
    }

    async fn version(&mut self, name: &str, number: &str) -> i64 {
        self.id(&format!(
            "SELECT v.id FROM versions v JOIN pacticipants p ON p.id = v.pacticipant_id \
             WHERE p.name = '{name}' AND v.number = '{number}'"
        ))
        .await
    }

    /// The root node of the plan of `sql`, as run (EXPLAIN ANALYZE).
    async fn explain(&mut self, sql: &str) -> Value {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Explained {
            #[diesel(sql_type = diesel::sql_types::Json, column_name = "QUERY PLAN")]
            plan: Value,
        }
        let explained: Explained =
            diesel::sql_query(format!("EXPLAIN (ANALYZE, FORMAT JSON) {sql}"))
                .get_result(&mut self.conn)
                .await
                .expect("explaining");
        explained.plan[0]["Plan"].clone()
    }

    /// The plans of `sql`, as run, with `$1`, `$2`... bound to these id
    /// arrays: the custom plan PostgreSQL makes for the values, and the
    /// generic plan without sequential scans the matrix asks for
    /// (`store::matrix::plan_for_any_size`). Each named, as the root node
    /// of EXPLAIN's JSON.
    async fn plans(&mut self, sql: &str, arrays: &[&[i64]]) -> [(&'static str, Value); 2] {
        let bound: Vec<(String, &str)> = arrays
            .iter()
            .map(|ids| {
                let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                (format!("'{{{}}}'::bigint[]", ids.join(",")), "bigint[]")
            })
            .collect();
        self.plans_with(sql, &bound).await
    }

    /// [`History::plans`] with `$1`, `$2`... bound to these literals of
    /// these types.
    async fn plans_with(
        &mut self,
        sql: &str,
        bound: &[(String, &str)],
    ) -> [(&'static str, Value); 2] {
        use diesel_async::SimpleAsyncConnection;
        let custom = self.explain(&inlined(sql, bound)).await;
        let literals: Vec<&str> = bound.iter().map(|(literal, _)| literal.as_str()).collect();
        let types = bound
            .iter()
            .map(|(_, sql_type)| *sql_type)
            .collect::<Vec<_>>()
            .join(", ");
        self.conn
            .batch_execute(&format!(
                "PREPARE rows_query ({types}) AS {sql}; \
                 SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off"
            ))
            .await
            .expect("preparing");
        let generic = self
            .explain(&format!("EXECUTE rows_query ({})", literals.join(", ")))
            .await;
        self.conn
            .batch_execute("DEALLOCATE rows_query; RESET plan_cache_mode; RESET enable_seqscan")
            .await
            .expect("deallocating");
        [("custom plan", custom), ("generic plan", generic)]
    }
}

/// `sql` with `$1`, `$2`... replaced by these literals, as PostgreSQL plans
/// a statement for its values.
fn inlined(sql: &str, bound: &[(String, &str)]) -> String {
    let mut inlined = sql.to_owned();
    for (i, (literal, _)) in bound.iter().enumerate().rev() {
        inlined = inlined.replace(&format!("${}", i + 1), literal);
    }
    inlined
}

/// The history: about 14,000 calls of the service layer, so written once
/// and shared by the tests that read its plans, which only read it.
static HISTORY: tokio::sync::OnceCell<crate::support::pg::TestDatabase> =
    tokio::sync::OnceCell::const_new();

/// Seeds, through the service layer, 20 consumers and 5 providers with
/// [`HISTORY_VERSIONS`] versions each: every consumer version publishes
/// pacts with three providers (C<i> with P<i % 5>, P<(i + 1) % 5> and
/// P<(i + 2) % 5>), each verified by the provider versions with the same
/// number and the next, every seventh failing, each version on a branch
/// ([`branch_of`]) and some tagged ([`tags_of`]); then ANALYZE, as
/// autovacuum would in time.
async fn seed_history() -> crate::support::pg::TestDatabase {
    use diesel_async::{AsyncConnection, SimpleAsyncConnection};
    use futures_util::StreamExt;
    use pactwire::service::verifications::VerificationInput;
    use pactwire::service::{ContractInput, PublishInput};
    // Calls in flight at once, to keep PostgreSQL and this process busy.
    const CONCURRENCY: usize = 4;
    let db = crate::support::pg::database().await;
    let store = pactwire::store::Store::connect(&db.url, CONCURRENCY as u32)
        .await
        .expect("connecting to the history database");
    let broker = pactwire::service::Broker::new(store, Default::default());
    let publish = |consumer: u32, number: u32| {
        let name = format!("C{consumer}");
        let contracts = (0..3)
            .map(|offset| {
                let provider = format!("P{}", (consumer + offset) % 5);
                let pact = contracts::pact_about(&name, &provider, &number.to_string());
                ContractInput {
                    consumer_name: name.clone(),
                    provider_name: provider,
                    specification: "pact".into(),
                    content_type: "application/json".into(),
                    content: pact.to_string().into_bytes(),
                    on_conflict: Default::default(),
                }
            })
            .collect();
        let input = PublishInput {
            pacticipant_name: name,
            pacticipant_version_number: number.to_string(),
            branch: Some(branch_of(number)),
            tags: tags_of(number),
            contracts,
            ..PublishInput::default()
        };
        let broker = broker.clone();
        async move {
            let result = retried(|| broker.publish_contracts(input.clone())).await;
            result
                .contracts
                .into_iter()
                .map(|published| {
                    let pact = published.pact;
                    (pact.consumer, pact.provider, pact.sha, number)
                })
                .collect::<Vec<_>>()
        }
    };
    let publications =
        (1..=HISTORY_VERSIONS).flat_map(|number| (0..20).map(move |consumer| (consumer, number)));
    let published: Vec<Vec<(String, String, String, u32)>> =
        futures_util::stream::iter(publications)
            .map(|(consumer, number)| publish(consumer, number))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    let verifications = published.into_iter().flatten().flat_map(|pact| {
        [pact.3, pact.3 + 1]
            .into_iter()
            .filter(|number| *number <= HISTORY_VERSIONS)
            .map(move |number| (pact.clone(), number))
    });
    futures_util::stream::iter(verifications)
        .map(|((consumer, provider, sha, _), number)| {
            let broker = broker.clone();
            async move {
                let input = VerificationInput {
                    success: Some(number % 7 != 0),
                    provider_version: number.to_string(),
                    provider_version_branch: Some(branch_of(number)),
                    provider_version_tags: tags_of(number),
                    ..VerificationInput::default()
                };
                retried(|| broker.publish_verification(&consumer, &provider, &sha, input.clone()))
                    .await
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    // Every pacticipant deployed to prod every tenth version, each
    // deployment replacing the one before; P0 also supports two releases
    // there and ended the support of a third.
    use pactwire::service::environments::{EnvironmentInput, EnvironmentKey};
    let prod = EnvironmentInput {
        name: Some("prod".into()),
        production: Some(true),
        ..EnvironmentInput::default()
    };
    broker
        .create_environment(None, prod)
        .await
        .expect("creating prod");
    let names = (0..20)
        .map(|i| format!("C{i}"))
        .chain((0..5).map(|i| format!("P{i}")));
    futures_util::stream::iter(names)
        .map(|name| {
            let broker = broker.clone();
            async move {
                for number in (10..=HISTORY_VERSIONS).step_by(10) {
                    let number = number.to_string();
                    retried(|| {
                        broker.record_deployment(&name, &number, EnvironmentKey::Name("prod"), None)
                    })
                    .await;
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    for number in ["80", "90", "100"] {
        retried(|| broker.record_release("P0", number, EnvironmentKey::Name("prod"))).await;
    }
    retried(|| broker.record_support_ended("P0", "80", EnvironmentKey::Name("prod"))).await;
    let mut conn = diesel_async::AsyncPgConnection::establish(&db.url)
        .await
        .expect("connecting");
    conn.batch_execute("ANALYZE").await.expect("analyzing");
    db
}

/// The branch of version `number` of every pacticipant in [`History`]:
/// main, but every 25th on a feature branch of its own.
fn branch_of(number: u32) -> String {
    if number.is_multiple_of(25) {
        format!("feat-{number}")
    } else {
        "main".into()
    }
}

/// The tags of version `number` of every pacticipant in [`History`]:
/// every tenth is a release.
fn tags_of(number: u32) -> Vec<String> {
    if number.is_multiple_of(10) {
        vec!["release".into()]
    } else {
        Vec::new()
    }
}

/// `call`'s answer, called again when a concurrent call aborted it, as
/// the broker asks its clients to.
async fn retried<T, F>(mut call: impl FnMut() -> F) -> T
where
    F: std::future::Future<Output = pactwire::error::Result<T>>,
{
    for _ in 0..10 {
        match call().await {
            Err(pactwire::error::Error::Aborted(_)) => continue,
            answer => return answer.expect("writing the history"),
        }
    }
    panic!("writing the history: aborted ten times")
}

/// The tables that grow with history.
const HISTORY_TABLES: [&str; 4] = [
    "latest_pact_publications",
    "latest_verifications",
    "pact_publications",
    "verifications",
];

/// Every node of a plan, depth first.
fn plan_nodes(node: &Value) -> Vec<&Value> {
    let mut nodes = vec![node];
    if let Some(children) = node["Plans"].as_array() {
        nodes.extend(children.iter().flat_map(plan_nodes));
    }
    nodes
}

/// A number of a plan node, 0 when it has none.
fn plan_number(node: &Value, key: &str) -> f64 {
    node[key].as_f64().unwrap_or(0.0)
}

/// One line per node, indented by depth, for failure messages.
fn plan_outline(node: &Value, depth: usize, out: &mut String) {
    let name = |key: &str| node[key].as_str().map(|name| format!(" {key}={name}"));
    out.push_str(&format!(
        "{:indent$}{}{}{} estimated={} rows={} loops={} removed={}\n",
        "",
        node["Node Type"].as_str().unwrap_or("?"),
        name("Relation Name").unwrap_or_default(),
        name("Index Name").unwrap_or_default(),
        plan_number(node, "Plan Rows"),
        plan_number(node, "Actual Rows"),
        plan_number(node, "Actual Loops"),
        plan_number(node, "Rows Removed by Filter")
            + plan_number(node, "Rows Removed by Index Recheck"),
        indent = depth * 2
    ));
    for child in node["Plans"].as_array().into_iter().flatten() {
        plan_outline(child, depth + 1, out);
    }
}

/// The nodes of a plan that read a history table from end to end, or not
/// through an index, or that materialise a subquery (a CTE Scan).
fn reads_a_whole_table(plan: &Value, tables: &[&str]) -> Vec<String> {
    const THROUGH_AN_INDEX: [&str; 3] = ["Index Scan", "Index Only Scan", "Bitmap Heap Scan"];
    plan_nodes(plan)
        .into_iter()
        .filter_map(|node| {
            let kind = node["Node Type"].as_str().unwrap_or_default();
            let table = node["Relation Name"].as_str().unwrap_or_default();
            let unindexed = tables.contains(&table) && !THROUGH_AN_INDEX.contains(&kind);
            let cte = node["CTE Name"].as_str();
            (unindexed || cte.is_some()).then(|| format!("{kind} {}", cte.unwrap_or(table)))
        })
        .collect()
}

/// The history tables and, for each of them, how many rows a plan run
/// with EXPLAIN ANALYZE read from it (kept or filtered out, over every
/// loop) when that is more than the query returned: lookups that read
/// history the answer does not show. Each row returned shows at most one
/// pact publication and one verification, found once and read again for
/// its details, so a query that reads only what it shows reads at most
/// two rows of a table per row returned (10% and 10 rows are allowed for
/// EXPLAIN's rounding of per-loop averages). Bitmap Index Scans name no
/// table: their rows are counted by the Bitmap Heap Scan above them.
fn over_reads(plan: &Value, tables: &[&str]) -> Vec<String> {
    let returned = plan_number(plan, "Actual Rows");
    let mut read: std::collections::BTreeMap<&str, f64> = Default::default();
    for node in plan_nodes(plan) {
        let Some(table) = node["Relation Name"]
            .as_str()
            .filter(|table| tables.contains(table))
        else {
            continue;
        };
        let rows = plan_number(node, "Actual Rows")
            + plan_number(node, "Rows Removed by Filter")
            + plan_number(node, "Rows Removed by Index Recheck");
        *read.entry(table).or_default() += rows * plan_number(node, "Actual Loops");
    }
    read.into_iter()
        .filter(|(_, rows)| *rows > 2.0 * returned * 1.1 + 10.0)
        .map(|(table, rows)| format!("{rows} rows of {table} read for {returned} returned"))
        .collect()
}

/// Fails unless `plan` reads every history table through an index, and no
/// more rows than it needs; `what` says which query it is.
fn assert_reads_only_its_rows(plan: &Value, what: &str) {
    assert_reads_only_its_rows_of(plan, what, &HISTORY_TABLES);
}

/// [`assert_reads_only_its_rows`] for these tables.
fn assert_reads_only_its_rows_of(plan: &Value, what: &str, tables: &[&str]) {
    let mut outline = String::new();
    plan_outline(plan, 0, &mut outline);
    assert_eq!(
        reads_a_whole_table(plan, tables),
        Vec::<String>::new(),
        "{what}:\n{outline}"
    );
    assert_eq!(
        over_reads(plan, tables),
        Vec::<String>::new(),
        "{what}:\n{outline}"
    );
}

#[tokio::test]
async fn the_rows_of_one_selector_are_found_through_indexes() {
    use pactwire::store::matrix::rows_for_one_sql;
    let mut history = History::open().await;
    let consumer_version = history.version("C3", "50").await;
    let provider_version = history.version("P3", "50").await;
    for every_row in [false, true] {
        for latest_only in [false, true] {
            let sql = rows_for_one_sql(every_row, latest_only);
            for (what, arrays) in [
                ("a consumer version", [&[consumer_version][..], &[]]),
                ("a provider version", [&[provider_version][..], &[]]),
            ] {
                for (kind, plan) in history.plans(&sql, &arrays).await {
                    assert_reads_only_its_rows(
                        &plan,
                        &format!(
                            "{what}, every_row {every_row}, latest_only {latest_only}, {kind}"
                        ),
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_rows_between_selectors_are_read_through_fitting_indexes() {
    use pactwire::store::matrix::rows_between_sql;
    let mut history = History::open().await;
    // P3 has twelve consumers and C3 three providers; the pair matrix of C3
    // and P3 must read only their rows, not every verification of P3 or
    // every pact of C3.
    let consumer = history.pacticipant("C3").await;
    let provider = history.pacticipant("P3").await;
    let pair = [consumer, provider];
    // Deploying C3 50 to where P3 50 and P3 60 run: P3 51 also verified
    // C3 50's pact and must not be read.
    let versions = [
        history.version("C3", "50").await,
        history.version("P3", "50").await,
        history.version("P3", "60").await,
    ];
    let of_versions = [consumer, provider, provider];
    for every_row in [false, true] {
        let sql = rows_between_sql(every_row);
        for (what, arrays) in [
            ("the pair matrix", [&[][..], &pair, &pair, &pair, &[]]),
            (
                "deploying a version",
                [&versions[..], &[], &pair, &[consumer], &of_versions],
            ),
        ] {
            for (kind, plan) in history.plans(&sql, &arrays).await {
                assert_reads_only_its_rows(
                    &plan,
                    &format!("{what}, every_row {every_row}, {kind}"),
                );
            }
        }
    }
}

#[tokio::test]
async fn an_environments_versions_are_found_through_its_indexes() {
    use pactwire::store::matrix::VERSIONS_IN_ENVIRONMENT_SQL;
    let mut history = History::open().await;
    let prod = history
        .id("SELECT id FROM environments WHERE name = 'prod'")
        .await;
    // What can-i-deploy C3 to prod infers: its providers' versions there.
    let mut pacticipants = Vec::new();
    for name in ["P0", "P3", "P4"] {
        pacticipants.push(history.pacticipant(name).await.to_string());
    }
    let bound = [
        (
            format!("'{{{}}}'::bigint[]", pacticipants.join(",")),
            "bigint[]",
        ),
        (prod.to_string(), "bigint"),
    ];
    // Only the generic plan: the matrix runs it in a transaction that plans
    // so (`plan_for_any_size`), and the few hundred deployments here are
    // rightly read whole by a custom plan.
    let [_, (kind, plan)] = history
        .plans_with(VERSIONS_IN_ENVIRONMENT_SQL, &bound)
        .await;
    assert_reads_only_its_rows_of(
        &plan,
        &format!("an environment's versions, {kind}"),
        &["versions", "deployed_versions", "released_versions"],
    );
}

/// The tables pacts for verification read that grow with every version
/// in [`History`]: its branch heads, tags and deployments are a few hundred
/// rows, which a plan for the values rightly reads whole.
const FOR_VERIFICATION_TABLES: [&str; 6] = [
    "latest_pact_publications",
    "pact_publications",
    "verifications",
    "versions",
    "pact_versions",
    "branch_versions",
];

#[tokio::test]
async fn the_pacts_for_verification_are_found_through_indexes() {
    use pactwire::store::for_verification::{self as queries, Group, Placement};
    let mut history = History::open().await;
    let provider = history.pacticipant("P3").await;
    // P3's twelve consumers, and the contents of their pacts of version 99
    // (which P3 99, on main, verified, and P3 100, a release).
    let consumers = history
        .text(&format!(
            "SELECT string_agg(consumer_id::text, ',') AS value \
             FROM integrations WHERE provider_id = {provider}"
        ))
        .await;
    let contents = history
        .text(&format!(
            "SELECT string_agg(pact_version_id::text, ',') AS value FROM ( \
               SELECT pact_version_id FROM latest_pact_publications WHERE provider_id = {provider} \
               ORDER BY consumer_version_id DESC OFFSET 12 LIMIT 12) latest"
        ))
        .await;
    // Where the last twenty publications for P3 begin.
    let since = history
        .text(&format!(
            "SELECT created_at::text AS value FROM latest_pact_publications \
             WHERE provider_id = {provider} ORDER BY created_at DESC OFFSET 20 LIMIT 1"
        ))
        .await;
    let ids_literal = |ids: &str| (format!("'{{{ids}}}'::bigint[]"), "bigint[]");
    let names = |name: &str| {
        let each = vec![name; consumers.split(',').count()];
        (format!("'{{{}}}'::text[]", each.join(",")), "text[]")
    };
    let provider = (provider.to_string(), "bigint");
    let text = |value: &str| (format!("'{value}'"), "text");
    let null_text = ("NULL::text".to_owned(), "text");
    let statements = [
        (
            "the heads of main",
            queries::branch_heads_sql(),
            vec![provider.clone(), ids_literal(&consumers), names("main")],
        ),
        (
            "the heads of every branch",
            queries::all_branch_heads_sql(),
            vec![provider.clone(), ids_literal(&consumers)],
        ),
        (
            "the latest",
            queries::overall_latest_sql(),
            vec![provider.clone(), ids_literal(&consumers)],
        ),
        (
            "the latest tagged release",
            queries::tag_heads_sql(),
            vec![provider.clone(), ids_literal(&consumers), names("release")],
        ),
        (
            "every release",
            queries::all_with_tag_sql(),
            vec![provider.clone(), ids_literal(&consumers), text("release")],
        ),
        (
            "deployed to prod",
            queries::placed_sql(Placement::Deployed),
            vec![provider.clone(), ids_literal(&consumers), text("prod")],
        ),
        (
            "deployed anywhere",
            queries::placed_sql(Placement::Deployed),
            vec![provider.clone(), ids_literal(&consumers), null_text.clone()],
        ),
        (
            "released",
            queries::placed_sql(Placement::Released),
            vec![provider.clone(), ids_literal(&consumers), null_text],
        ),
        (
            "work in progress",
            queries::wip_candidates_sql(),
            vec![
                provider.clone(),
                (format!("'{since}'::timestamptz"), "timestamptz"),
            ],
        ),
    ];
    let verified = [
        ("verified by anyone", None, ""),
        ("verified from main", Some(Group::Branch("main")), "main"),
        (
            "verified by a release",
            Some(Group::Tag("release")),
            "release",
        ),
        (
            "verified when a release",
            Some(Group::TagWhenVerified("release")),
            "release",
        ),
    ]
    .map(|(what, group, name)| {
        (
            what,
            queries::verified_sql(group),
            vec![
                ids_literal(&contents),
                ("false".to_owned(), "boolean"),
                ("NULL::timestamptz".to_owned(), "timestamptz"),
                text(name),
                provider.clone(),
            ],
        )
    });
    // The plans for the values: pacts for verification plans each statement so
    // (`plan_for_the_values`).
    for (what, sql, bound) in statements.into_iter().chain(verified) {
        let plan = history.explain(&inlined(&sql, &bound)).await;
        assert_reads_only_its_rows_of(&plan, what, &FOR_VERIFICATION_TABLES);
    }
}
