//! Statement counting (for the request log and the query-count test) and the slow-query log,
//! installed on every pooled connection as a diesel instrumentation.

use super::AnyConnection;
use diesel::Connection;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::r2d2::{self, CustomizeConnection};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How many SQL statements the connections of a pool have started, in total. One relaxed atomic
/// increment per statement, so it stays on in production; tests read it before and after a
/// request to see how many queries the request ran (see tests/it/query_counts.rs). Statements
/// run while a connection is set up (the SQLite pragmas) are not counted; transaction
/// statements (BEGIN, COMMIT) are.
#[derive(Clone, Debug, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn total(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

thread_local! {
    /// Statements started on this thread, by any counted pool's connection.
    static THREAD_QUERIES: Cell<u64> = const { Cell::new(0) };
}

/// How many statements connections of a counted pool have started on this thread so far. The
/// difference around a piece of blocking work is exactly that work's statements: nothing else
/// runs on the thread meanwhile (see `web::query_log`).
pub fn queries_on_this_thread() -> u64 {
    THREAD_QUERIES.with(Cell::get)
}

/// Statements slower than this are logged with their SQL (not their parameters).
const SLOW_QUERY: Duration = Duration::from_millis(20);
const SLOW_QUERY_LOGGED_CHARS: usize = 300;

/// The diesel instrumentation behind [`QueryCounter`]: counts started statements and logs slow
/// ones.
struct CountQueries {
    count: Arc<AtomicU64>,
    started: Option<std::time::Instant>,
}

impl Instrumentation for CountQueries {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.count.fetch_add(1, Ordering::Relaxed);
                THREAD_QUERIES.with(|n| n.set(n.get().wrapping_add(1)));
                self.started = Some(std::time::Instant::now());
            }
            InstrumentationEvent::FinishQuery { query, .. } => {
                if let Some(took) = self.started.take().map(|t| t.elapsed())
                    && took >= SLOW_QUERY
                {
                    // The start of the SQL alone: the parameters (and a bulk insert's values)
                    // may hold tokens, hashes or session state.
                    let text = query.to_string();
                    let sql = text.split(" -- binds: ").next().unwrap_or_default();
                    let sql: String = sql.chars().take(SLOW_QUERY_LOGGED_CHARS).collect();
                    tracing::warn!(ms = took.as_millis() as u64, sql, "slow query");
                }
            }
            _ => {}
        }
    }
}

/// Installs the counting instrumentation on every connection the pool opens (through the
/// MultiConnection, which hands it to the SQLite or PostgreSQL connection inside).
#[derive(Debug)]
pub(super) struct InstallCounter(pub(super) QueryCounter);

impl CustomizeConnection<AnyConnection, r2d2::Error> for InstallCounter {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        install(conn, &self.0);
        Ok(())
    }
}

/// Makes `conn` count its statements in `queries` and log the slow ones.
pub(super) fn install(conn: &mut AnyConnection, queries: &QueryCounter) {
    conn.set_instrumentation(CountQueries {
        count: queries.0.clone(),
        started: None,
    });
}
