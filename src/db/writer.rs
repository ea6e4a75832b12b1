//! Whose turn it is to write a SQLite database, and on which connection.
//!
//! SQLite lets one writer in at a time and makes the others poll with growing sleeps (1, 2, 5,
//! 10 ms …), which under load left accepted invitations waiting half a second. The writes of this
//! process take turns on a mutex instead, which hands the turn over at once (other processes on
//! the same file still wait through busy_timeout).
//!
//! The turn comes with a connection of its own: a SQLite connection forgets its whole page cache
//! whenever another connection has written, so a write transaction on whichever pooled connection
//! the request had began by reading every page it touched again (a sixth of an accepted
//! invitation's time). Every pool registers one [`Writer`] for its database file, and all write
//! transactions on that file run on the writer's connection, whose cache stays warm from one
//! write to the next.

use super::{AnyConnection, DatabaseUrl, QueryCounter, establish, instrument};
use diesel::RunQueryDsl;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use std::cell::Cell;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// The write connection of one database file, shared by the pools open on it.
pub struct Writer {
    url: DatabaseUrl,
    queries: QueryCounter,
    conn: Mutex<Option<AnyConnection>>,
}

/// The writers of the pools alive in this process, by the file name SQLite reports.
static WRITERS: Mutex<Vec<(String, Weak<Writer>)>> = Mutex::new(Vec::new());

/// The turn of connections whose database has no writer (the CLI's single connections, tests
/// that open one directly).
static UNREGISTERED_TURN: Mutex<()> = Mutex::new(());

thread_local! {
    /// Set while this thread has a turn: work that nests a second connection's transaction runs
    /// on that connection rather than waiting for a turn it already holds.
    static HAS_TURN: Cell<bool> = const { Cell::new(false) };
}

impl Writer {
    /// The writer of the file `conn` is open on, registered for pools on it from now on: the one
    /// already registered when another pool is open on the same file. None for an in-memory
    /// database.
    pub fn register(
        conn: &mut AnyConnection,
        url: &DatabaseUrl,
        queries: &QueryCounter,
    ) -> anyhow::Result<Option<Arc<Writer>>> {
        let Some(file) = database_file(conn)? else {
            return Ok(None);
        };
        let mut writers = lock(&WRITERS);
        writers.retain(|(_, w)| w.strong_count() > 0);
        if let Some(writer) = registered(&writers, &file) {
            return Ok(Some(writer));
        }
        let writer = Arc::new(Writer {
            url: url.clone(),
            queries: queries.clone(),
            conn: Mutex::new(None),
        });
        writers.push((file, Arc::downgrade(&writer)));
        Ok(Some(writer))
    }

    fn find(conn: &mut AnyConnection) -> diesel::QueryResult<Option<Arc<Writer>>> {
        let Some(file) = database_file(conn)? else {
            return Ok(None);
        };
        Ok(registered(&lock(&WRITERS), &file))
    }

    /// The writer's connection, opened on first use and again after a failure left it unusable.
    /// None when it cannot be opened (the turn's work then runs on the caller's connection).
    fn connection<'a>(&self, slot: &'a mut Option<AnyConnection>) -> Option<&'a mut AnyConnection> {
        if slot.is_none() {
            match establish(&self.url) {
                Ok(mut conn) => {
                    instrument::install(&mut conn, &self.queries);
                    *slot = Some(conn);
                }
                Err(e) => tracing::warn!(error = %e, "cannot open the write connection"),
            }
        }
        slot.as_mut()
    }
}

/// The live writer registered for `file`, if any.
fn registered(writers: &[(String, Weak<Writer>)], file: &str) -> Option<Arc<Writer>> {
    writers
        .iter()
        .find(|(f, _)| f == file)
        .and_then(|(_, w)| w.upgrade())
}

/// Runs `work` in this process's turn to write the database of `conn` (a SQLite connection): on
/// the database's writer connection when a pool registered one, on `conn` otherwise or when this
/// thread already has the turn.
pub(super) fn in_write_turn<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> T,
) -> diesel::QueryResult<T> {
    if HAS_TURN.with(Cell::get) {
        return Ok(work(conn));
    }
    let Some(writer) = Writer::find(conn)? else {
        let _turn = Turn::take(&UNREGISTERED_TURN);
        return Ok(work(conn));
    };
    let mut slot = Turn::take(&writer.conn);
    let Some(own) = writer.connection(&mut slot.0) else {
        return Ok(work(conn));
    };
    let done = work(own);
    // A transaction that could neither commit nor roll back leaves the connection unusable.
    if !matches!(transaction_depth(own), Ok(None)) {
        tracing::warn!("the write connection is reopened after a failed transaction");
        *slot.0 = None;
    }
    Ok(done)
}

fn transaction_depth(conn: &mut AnyConnection) -> diesel::QueryResult<Option<u32>> {
    let AnyConnection::Sqlite(c) = conn else {
        return Ok(None);
    };
    Ok(AnsiTransactionManager::transaction_manager_status_mut(c)
        .transaction_depth()?
        .map(|d| d.get()))
}

/// A thread's turn: the guard of a turn mutex, marking the thread as having a turn meanwhile.
struct Turn<'a, T>(MutexGuard<'a, T>);

impl<'a, T> Turn<'a, T> {
    fn take(mutex: &'a Mutex<T>) -> Self {
        let guard = lock(mutex);
        HAS_TURN.with(|h| h.set(true));
        Self(guard)
    }
}

impl<T> Drop for Turn<'_, T> {
    fn drop(&mut self) {
        HAS_TURN.with(|h| h.set(false));
    }
}

/// A panic during a turn leaves nothing behind that the next one must repair (SQLite rolls an
/// unfinished transaction back), so a poisoned lock is taken as it is.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(diesel::QueryableByName)]
struct DatabaseFile {
    #[diesel(sql_type = diesel::sql_types::Text)]
    file: String,
}

/// The file of the main database of a SQLite connection, as SQLite names it (absolute); None for
/// an in-memory database or a PostgreSQL connection.
fn database_file(conn: &mut AnyConnection) -> diesel::QueryResult<Option<String>> {
    let AnyConnection::Sqlite(c) = conn else {
        return Ok(None);
    };
    let main: DatabaseFile =
        diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .get_result(c)?;
    Ok(Some(main.file).filter(|f| !f.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::super::{counted_pool, write_transaction};
    use super::*;
    use diesel::connection::SimpleConnection;

    fn temp_url(dir: &tempfile::TempDir) -> DatabaseUrl {
        DatabaseUrl::Sqlite(dir.path().join("w.db").display().to_string())
    }

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    fn count(conn: &mut AnyConnection, sql: &str) -> i64 {
        match conn {
            AnyConnection::Sqlite(c) => diesel::sql_query(sql).get_result::<Count>(c).unwrap().n,
            AnyConnection::Postgresql(_) => unreachable!(),
        }
    }

    /// A TEMP table lives in one connection only: seen by a later write transaction begun on
    /// another pooled connection, it shows that both ran on the writer's connection.
    #[test]
    fn every_write_transaction_of_a_pool_runs_on_its_writer() {
        let dir = tempfile::tempdir().unwrap();
        let queries = QueryCounter::default();
        let pool = counted_pool(&temp_url(&dir), 3, queries.clone()).unwrap();
        let (mut a, mut b) = (pool.get().unwrap(), pool.get().unwrap());
        write_transaction(&mut a, |c| {
            c.batch_execute("CREATE TEMP TABLE mine (x INTEGER)")
        })
        .unwrap();
        let before = queries.total();
        write_transaction(&mut b, |c| {
            c.batch_execute("INSERT INTO temp.mine VALUES (1)")
        })
        .expect("the second write sees the first one's TEMP table");
        assert!(
            queries.total() > before,
            "the writer's statements are counted on the pool's counter"
        );
        // Outside a write transaction each pooled connection is its own.
        assert!(b.batch_execute("SELECT * FROM temp.mine").is_err());
    }

    /// A connection setting for writes (the data set generator's larger page cache) is made in
    /// a write transaction: it then holds for the later ones, begun on any pooled connection.
    #[test]
    fn a_setting_made_in_a_write_transaction_stays_with_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let pool = counted_pool(&temp_url(&dir), 3, QueryCounter::default()).unwrap();
        let (mut a, mut b) = (pool.get().unwrap(), pool.get().unwrap());
        write_transaction(&mut a, |c| c.batch_execute("PRAGMA cache_size = -65536")).unwrap();
        let cache =
            |c: &mut AnyConnection| count(c, "SELECT cache_size AS n FROM pragma_cache_size");
        let on_writer = write_transaction(&mut b, |c| diesel::QueryResult::Ok(cache(c))).unwrap();
        assert_eq!(on_writer, -65536);
        assert_ne!(
            cache(&mut b),
            -65536,
            "the pooled connections keep their own"
        );
    }

    /// Pools open on one file take their turns on one writer; each file has its own.
    #[test]
    fn pools_on_one_file_share_its_writer() {
        let (one, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let queries = QueryCounter::default();
        let writer_of = |url: &DatabaseUrl| {
            let mut conn = establish(url).unwrap();
            Writer::register(&mut conn, url, &queries).unwrap().unwrap()
        };
        let first = writer_of(&temp_url(&one));
        assert!(Arc::ptr_eq(&first, &writer_of(&temp_url(&one))));
        assert!(!Arc::ptr_eq(&first, &writer_of(&temp_url(&other))));
        let mut memory = establish(&DatabaseUrl::Sqlite(":memory:".into())).unwrap();
        let url = DatabaseUrl::Sqlite(":memory:".into());
        assert!(
            Writer::register(&mut memory, &url, &queries)
                .unwrap()
                .is_none()
        );
    }

    /// A write that fails is rolled back on the writer, and the next one goes through.
    #[test]
    fn a_failed_write_leaves_the_writer_ready_for_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let pool = counted_pool(&temp_url(&dir), 2, QueryCounter::default()).unwrap();
        let mut conn = pool.get().unwrap();
        conn.batch_execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .unwrap();
        let failed = write_transaction(&mut conn, |c| {
            c.batch_execute("INSERT INTO t VALUES (1)")?;
            c.batch_execute("INSERT INTO t VALUES (1)")
        });
        assert!(failed.is_err(), "the second insert violates the key");
        write_transaction(&mut conn, |c| c.batch_execute("INSERT INTO t VALUES (2)")).unwrap();
        assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM t"), 1);
        assert_eq!(count(&mut conn, "SELECT MAX(x) AS n FROM t"), 2);
    }
}
