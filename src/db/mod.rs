//! Database access: one connection type over SQLite and PostgreSQL, chosen at run time from the
//! URL, an r2d2 pool that prepares every connection, and the embedded migrations of both backends.

pub mod direct;
mod hand_written;
mod instrument;
pub mod schema;
mod time;
mod writer;

pub use hand_written::{SqlParam, execute_sql, load_sql, load_sql_with};
use instrument::InstallCounter;
pub use instrument::{QueryCounter, queries_on_this_thread};
pub use time::{DbTime, DbTimeOpt};
use writer::{Writer, in_write_turn};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Where the data lives: `postgres://…` (or `postgresql://…`), `sqlite://path`, or a plain path.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("the database URL is empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_string()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(
                    "sqlite:// needs a file path, e.g. sqlite://liaison-data/liaison.db".into(),
                );
            }
            return Ok(Self::Sqlite(path.to_string()));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(format!(
                "unsupported database URL scheme `{scheme}://` (use sqlite:// or postgres://)"
            ));
        }
        Ok(Self::Sqlite(raw.to_string()))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

/// Never print credentials: PostgreSQL URLs are shown without their password.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{path}"),
            Self::Postgres(raw) => match url::Url::parse(raw) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    write!(f, "{u}")
                }
                Err(_) => write!(f, "postgres://…"),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An r2d2 manager that picks the backend from the URL (MultiConnection's own `establish`
/// would try each backend in turn) and applies the SQLite pragmas on every new connection. It
/// keeps the SQLite database's [`Writer`] alive as long as the pool.
pub struct Manager {
    url: DatabaseUrl,
    _writer: Option<Arc<Writer>>,
}

impl fmt::Debug for Manager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Manager").field("url", &self.url).finish()
    }
}

/// The WAL size (in pages) at which a committing connection copies it back into the database
/// itself. SQLite's default (1,000 pages) made a write transaction every few hundred also run a
/// checkpoint with an fsync while holding the write lock, stalling every other writer; `serve`
/// checkpoints in the background instead ([`spawn_checkpointer`]), and this stays as the bound
/// for everything else (the CLI, tests).
const AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// How often `serve` checkpoints the SQLite WAL in the background: often enough that, with
/// [`RESTART_WAL_PAGES`], the WAL stays far below [`AUTOCHECKPOINT_PAGES`] under a steady write
/// load (accepting 500 invitations a second writes 14,000 pages a second).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// The WAL length (in pages) above which the background checkpoint also starts the WAL over.
const RESTART_WAL_PAGES: i64 = 2_000;

/// How long a restarting checkpoint waits for readers to leave the WAL while it has the turn to
/// write (writers queue meanwhile); a reader that takes longer makes it try again next round.
const RESTART_WAIT_MS: u32 = 100;

/// Starts the thread that checkpoints the SQLite WAL. Runs as long as the process.
///
/// Four times a second a PASSIVE checkpoint copies the WAL into the database: it never blocks readers or
/// writers, and its fsync happens outside any transaction. That alone does not keep the WAL
/// short: a writer only starts it over from the top when no reader is using it, which under
/// steady load never happens. The WAL then passed [`AUTOCHECKPOINT_PAGES`] and every commit ran
/// a checkpoint of its own, with an fsync, before the next writer could go (a tenth of an
/// accepted invitation's time). So when the WAL has grown past [`RESTART_WAL_PAGES`], a RESTART
/// checkpoint takes the turn to write (see [`writer`]), waits the few milliseconds until the readers have left the
/// WAL, and lets the next writer start it over.
pub fn spawn_checkpointer(pool: Pool) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("liaison-checkpoint".into())
        .spawn(move || {
            loop {
                std::thread::sleep(CHECKPOINT_EVERY);
                let done = pool
                    .get()
                    .map_err(|e| e.to_string())
                    .and_then(|mut c| checkpoint(&mut c).map_err(|e| e.to_string()));
                if let Err(e) = done {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        })?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct Checkpointed {
    /// Pages in the WAL (-1 when the database is not in WAL mode).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    log: i64,
}

/// One round of [`spawn_checkpointer`].
fn checkpoint(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    let AnyConnection::Sqlite(c) = conn else {
        return Ok(());
    };
    let passive: Checkpointed =
        diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(c)?;
    if passive.log <= RESTART_WAL_PAGES {
        return Ok(());
    }
    in_write_turn(conn, |c| {
        let restarted = c.batch_execute(&format!(
            "PRAGMA busy_timeout = {RESTART_WAIT_MS}; PRAGMA wal_checkpoint(RESTART);"
        ));
        let restored = c.batch_execute(&format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};"));
        restarted.and(restored)
    })?
}

/// How long a SQLite connection waits for a lock another connection holds.
const BUSY_TIMEOUT_MS: u32 = 10_000;

/// The page cache of each SQLite connection, in KiB (SQLite's default is 2 MiB): room for the
/// pages every request reads (sessions, users, roles, the top of the big indexes).
pub const SQLITE_CACHE_KIB: u32 = 8192;

/// Sets SQLite's process-wide options, once, before the first connection (afterwards SQLite
/// refuses them, which is harmless: it keeps its defaults).
/// - Multi-thread mode: a pooled connection is only ever used by one thread at a time, so the
///   per-connection mutexes of the default (serialized) mode are pure overhead.
/// - No memory statistics: keeping them takes one process-wide mutex on every allocation, which
///   the worker threads fought over (a tenth of a page's time under load).
/// - Every connection opened afterwards gets [`stable_plans`].
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use libsqlite3_sys::{
            SQLITE_CONFIG_MEMSTATUS, SQLITE_CONFIG_MULTITHREAD, sqlite3_auto_extension,
            sqlite3_config,
        };
        // SAFETY: sqlite3_config is called before any connection is opened by this process
        // (or SQLite returns SQLITE_MISUSE and changes nothing), with the arguments these two
        // options document: none, and one int.
        let codes = unsafe {
            [
                sqlite3_config(SQLITE_CONFIG_MULTITHREAD),
                sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int),
            ]
        };
        if codes.iter().any(|&c| c != libsqlite3_sys::SQLITE_OK) {
            tracing::debug!(?codes, "SQLite was already initialised; its defaults stay");
        }
        // SAFETY: `stable_plans` has the signature of an extension entry point and only
        // configures the connection it is given.
        let code = unsafe { sqlite3_auto_extension(Some(stable_plans)) };
        if code != libsqlite3_sys::SQLITE_OK {
            tracing::warn!(code, "SQLite refused the per-connection setup");
        }
    });
}

/// Turns on the query planner stability guarantee (QPSG) of a new SQLite connection.
///
/// Without it SQLite plans with the values bound to a statement wherever they could matter
/// (`LIMIT ?`, a `?` compared against a partial index's condition, `LIKE ?`) and marks the
/// statement to be compiled again whenever such a value is bound: every execution of almost every
/// query parsed and planned its SQL anew, a sixth of a page's time. With it a prepared statement
/// keeps its plan, as the statement cache intends. (Prefix searches do not rely on the LIKE
/// optimisation: they name their index ranges, see `services::links::prefix`.)
unsafe extern "C" fn stable_plans(
    db: *mut libsqlite3_sys::sqlite3,
    _error: *mut *mut std::ffi::c_char,
    _api: *const libsqlite3_sys::sqlite3_api_routines,
) -> std::ffi::c_int {
    // SAFETY: SQLite calls this with a connection being opened; ENABLE_QPSG takes an int and an
    // optional int pointer for the old value.
    unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::ffi::c_int,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    }
}

pub fn establish(url: &DatabaseUrl) -> Result<AnyConnection, diesel::ConnectionError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            configure_sqlite();
            let mut conn = SqliteConnection::establish(path)?;
            // WAL lets readers work during a write; busy_timeout makes concurrent writers wait
            // instead of failing; foreign keys are off by default in SQLite.
            // busy_timeout comes first so that the journal mode switch waits for other openers.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                 PRAGMA cache_size = -{SQLITE_CACHE_KIB}; PRAGMA temp_store = MEMORY; \
                 PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES};"
            ))
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(AnyConnection::Sqlite(conn))
        }
        DatabaseUrl::Postgres(url) => Ok(AnyConnection::Postgresql(PgConnection::establish(url)?)),
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        establish(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

/// Opens the pool. Fails fast when the database cannot be reached.
pub fn pool(url: &DatabaseUrl, max_size: u32) -> anyhow::Result<Pool> {
    counted_pool(url, max_size, QueryCounter::default())
}

/// [`pool`] whose connections count their statements in `queries`.
pub fn counted_pool(
    url: &DatabaseUrl,
    max_size: u32,
    queries: QueryCounter,
) -> anyhow::Result<Pool> {
    if let DatabaseUrl::Sqlite(path) = url
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let writer = if url.is_sqlite() {
        // Switches the file to WAL once, before many connections open at the same moment.
        let mut first = establish(url)?;
        Writer::register(&mut first, url, &queries)?
    } else {
        None
    };
    let manager = Manager {
        url: url.clone(),
        _writer: writer,
    };
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(max_size.min(2)))
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(false)
        .connection_customizer(Box::new(InstallCounter(queries)))
        .build(manager)?;
    Ok(pool)
}

/// Runs the pending migrations of the connection's backend. On PostgreSQL an advisory lock keeps
/// several instances starting together from racing each other.
pub fn migrate(conn: &mut AnyConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        AnyConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
            .iter()
            .map(|v| v.to_string())
            .collect(),
        AnyConnection::Postgresql(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7261001)")?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
            c.batch_execute("SELECT pg_advisory_unlock(7261001)")?;
            result?
        }
    };
    Ok(applied)
}

/// Runs `work`, which only reads, on one snapshot of the database: a page's queries then agree
/// with each other. On SQLite it is one deferred transaction, which also takes the WAL read lock
/// once instead of once per statement (a tenth of a list page's time). PostgreSQL runs `work`
/// as it is: a transaction there costs two round trips. Inside a transaction it runs as it is.
pub fn read_snapshot<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // Ending a transaction that only read just releases the snapshot; committing rather than
    // rolling back (what `outermost_sqlite` does on success) means that nothing is lost should
    // `work` ever write.
    if !is_outermost_sqlite(conn)? {
        return work(conn);
    }
    outermost_sqlite("BEGIN", conn, work)
}

/// Runs `work` in a transaction meant to write. On SQLite it runs in this process's turn to write,
/// on the database's write connection (see [`writer`]), and starts with `BEGIN IMMEDIATE`, which
/// takes the write lock up front: a deferred transaction that reads first and writes later cannot
/// wait for a concurrent writer and fails with "database is locked", while an immediate one waits
/// (busy_timeout). Nested calls become savepoints; on PostgreSQL it is a plain transaction.
pub fn write_transaction<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if !is_outermost_sqlite(conn)? {
        return conn.transaction(work);
    }
    in_write_turn(conn, |c| outermost_sqlite("BEGIN IMMEDIATE", c, work))?
}

/// Whether `conn` is SQLite and not inside a transaction yet.
fn is_outermost_sqlite(conn: &mut AnyConnection) -> diesel::QueryResult<bool> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    Ok(match conn {
        AnyConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()?
            .is_none(),
        AnyConnection::Postgresql(_) => false,
    })
}

/// An outermost SQLite transaction begun with `begin` (diesel's own `transaction` only says
/// `BEGIN`): committed when `work` succeeds, rolled back when it fails.
fn outermost_sqlite<T, E, F>(begin: &str, conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    fn sqlite(conn: &mut AnyConnection) -> &mut SqliteConnection {
        match conn {
            AnyConnection::Sqlite(c) => c,
            AnyConnection::Postgresql(_) => unreachable!("only called for SQLite connections"),
        }
    }
    AnsiTransactionManager::begin_transaction_sql(sqlite(conn), begin)?;
    match work(conn) {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite(conn))?;
            Ok(value)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(sqlite(conn))?;
            Err(e)
        }
    }
}

/// True when the error is a violated unique constraint (used to turn races into clear answers).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page's reads see one state of the database, even while another connection writes.
    #[test]
    fn a_read_snapshot_sees_one_state_of_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("s.db").display().to_string());
        let (mut reader, mut writer) = (establish(&url).unwrap(), establish(&url).unwrap());
        writer.batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
        let count = |c: &mut AnyConnection| -> diesel::QueryResult<i64> {
            use diesel::RunQueryDsl;
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "(SELECT COUNT(*) FROM t)",
            ))
            .get_result(c)
        };
        let (before, during) = read_snapshot(&mut reader, |c| {
            let before = count(c)?;
            writer.batch_execute("INSERT INTO t VALUES (1)")?;
            Ok::<_, diesel::result::Error>((before, count(c)?))
        })
        .unwrap();
        assert_eq!(
            (before, during),
            (0, 0),
            "the write is not seen inside the snapshot"
        );
        assert_eq!(count(&mut reader).unwrap(), 1, "and is seen once it ends");
    }

    /// The SQLite this binary runs is built and set up as `configure_sqlite` and
    /// `.cargo/config.toml` intend: one page cache per connection, stable plans.
    #[test]
    fn sqlite_runs_with_separate_caches_and_stable_plans() {
        use libsqlite3_sys as ffi;
        // SAFETY: a private in-memory connection, closed at the end; the option names are
        // NUL-terminated and ENABLE_QPSG with -1 only reads the setting into `qpsg`.
        unsafe {
            assert_eq!(
                ffi::sqlite3_compileoption_used(c"ENABLE_MEMORY_MANAGEMENT".as_ptr()),
                0,
                "built without SQLITE_ENABLE_MEMORY_MANAGEMENT (see .cargo/config.toml)"
            );
            configure_sqlite();
            let mut db = std::ptr::null_mut();
            let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
            let opened =
                ffi::sqlite3_open_v2(c":memory:".as_ptr(), &mut db, flags, std::ptr::null());
            assert_eq!(opened, ffi::SQLITE_OK);
            let mut qpsg: std::ffi::c_int = 0;
            let read = ffi::sqlite3_db_config(
                db,
                ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
                -1 as std::ffi::c_int,
                &mut qpsg as *mut std::ffi::c_int,
            );
            ffi::sqlite3_close(db);
            assert_eq!(read, ffi::SQLITE_OK);
            assert_eq!(
                qpsg, 1,
                "new connections plan without looking at bound values"
            );
        }
    }

    #[test]
    fn urls_choose_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("x.db").unwrap(),
            DatabaseUrl::Sqlite("x.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(
            DatabaseUrl::parse("mysql://h/db")
                .unwrap_err()
                .contains("mysql://")
        );
        assert!(DatabaseUrl::parse("  ").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn passwords_are_not_displayed() {
        let url = DatabaseUrl::parse("postgres://liaison:secret@db.example/liaison").unwrap();
        assert_eq!(url.to_string(), "postgres://liaison:***@db.example/liaison");
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let sqlite = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"));
        let postgres = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"));
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
        for dir in sqlite {
            for backend in ["sqlite", "postgres"] {
                for file in ["up.sql", "down.sql"] {
                    let path = format!(
                        "{}/migrations/{backend}/{dir}/{file}",
                        env!("CARGO_MANIFEST_DIR")
                    );
                    assert!(std::path::Path::new(&path).is_file(), "missing {path}");
                }
            }
        }
    }
}
