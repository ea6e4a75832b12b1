//! Starting the portal: the database, the mail worker and the HTTP server, for `serve` and tests.

use crate::config::Settings;
use crate::db::{self, Pool};
use crate::mail::worker::Worker;
use crate::services::setup;
use crate::web::{self, AppState};
use actix_web::HttpServer;
use actix_web::dev::ServerHandle;
use anyhow::Context;
use std::net::{SocketAddr, TcpListener};
use std::thread::JoinHandle;

/// Opens the pool and brings the schema up to date.
pub fn open_database(settings: &Settings) -> anyhow::Result<Pool> {
    open_counted_database(settings, db::QueryCounter::default())
}

/// [`open_database`] whose connections count their statements in `queries`.
pub fn open_counted_database(
    settings: &Settings,
    queries: db::QueryCounter,
) -> anyhow::Result<Pool> {
    let pool = db::counted_pool(&settings.database, settings.pool_size, queries)
        .with_context(|| format!("cannot open the database {}", settings.database))?;
    let mut conn = pool
        .get()
        .with_context(|| format!("cannot connect to {}", settings.database))?;
    for version in db::migrate(&mut conn)? {
        tracing::info!(%version, "applied migration");
    }
    Ok(pool)
}

/// Connections of the pool used outside requests: the mail worker's and the WAL checkpointer's.
const BACKGROUND_CONNECTIONS: usize = 2;

fn http_server(
    state: AppState,
    listener: TcpListener,
    workers: usize,
    signals: bool,
) -> std::io::Result<actix_web::dev::Server> {
    // Blocking work is mostly database work: no more threads than the pool has connections to
    // spare, so requests queue for a thread (in order) rather than for a connection. r2d2 hands a
    // returned connection to whichever thread asks first, not to the one waiting longest: with
    // one thread too many, a waiting request could lose that race for seconds (PostgreSQL's
    // floor had a p99 of 6 s). The connections kept back are the mail worker's and the WAL
    // checkpointer's.
    let spare = (state.settings.pool_size as usize).saturating_sub(BACKGROUND_CONNECTIONS);
    let blocking = (spare / workers).max(1);
    let server = HttpServer::new(move || web::app(state.clone()))
        .workers(workers)
        .worker_max_blocking_threads(blocking)
        .listen(listener)?;
    Ok(if signals {
        server.run()
    } else {
        server.disable_signals().run()
    })
}

/// Prints a line for the operator. Unlike `println!`, a closed standard output (a pipe whose
/// reader went away) does not bring the server down.
fn announce(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{text}");
}

/// `liaison serve`: runs until interrupted.
pub fn serve(settings: Settings) -> anyhow::Result<()> {
    let pool = open_database(&settings)?;
    let listener = TcpListener::bind(&settings.bind)
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    let mut conn = pool.get()?;
    if let Some(token) = setup::issue_if_needed(&mut conn)? {
        announce(&format!(
            "Liaison has no users yet. Create the first support staff account here (the link works once):\n  {}",
            settings.link(&format!("/setup/{token}"))
        ));
    }
    drop(conn);
    if settings.dev_mailbox_enabled() {
        tracing::warn!(
            "no SMTP server configured (LIAISON_SMTP_URL): mail is kept in the dev mailbox at {}",
            settings.link("/dev/mailbox")
        );
    }
    announce(&format!(
        "Liaison is listening on {} — open {}",
        settings.bind,
        settings.link("/")
    ));
    let worker = Worker::start(pool.clone(), settings.clone())?;
    if settings.database.is_sqlite() {
        db::spawn_checkpointer(pool.clone())?;
    }
    let workers = settings.workers;
    let state = AppState::new(pool, settings);
    let result = actix_web::rt::System::new()
        .block_on(async move { http_server(state, listener, workers, true)?.await });
    worker.stop();
    result.context("the HTTP server failed")
}

/// A portal running in background threads (for tests and tools).
pub struct Running {
    pub addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
    worker: Option<Worker>,
}

impl Running {
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(thread) = self.thread.take() {
            let handle = self.handle.clone();
            // A thread of its own, so stopping works from inside another async runtime too.
            let _ = std::thread::spawn(move || {
                actix_web::rt::System::new().block_on(handle.stop(true))
            })
            .join();
            let _ = thread.join();
        }
        if let Some(worker) = self.worker.take() {
            worker.stop();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the portal on an already bound listener, with or without the mail worker.
pub fn spawn(
    settings: Settings,
    pool: Pool,
    listener: TcpListener,
    with_mail_worker: bool,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let worker = if with_mail_worker {
        Some(Worker::start(pool.clone(), settings.clone())?)
    } else {
        None
    };
    let state = AppState::new(pool, settings);
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("liaison-http".into())
        .spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = http_server(state, listener, 2, false)?;
                let _ = tx.send(server.handle());
                server.await
            })
        })?;
    let handle = rx.recv().context("the HTTP server did not start")?;
    Ok(Running {
        addr,
        handle,
        thread: Some(thread),
        worker,
    })
}
