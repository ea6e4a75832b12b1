//! The web layer: routes, middleware, extractors, thin page handlers and one error type.

pub mod assets;
pub mod csrf;
pub mod errors;
pub mod extract;
pub mod layout;
pub mod pages;
pub mod plain;
pub mod query_log;
pub mod security;
pub mod session_store;

use crate::config::Settings;
use crate::db::{AnyConnection, Pool};
use crate::domain::password::Hasher;
use crate::services::ServiceError;
use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, web};
use std::sync::Arc;

pub use errors::AppError;

/// What every handler can reach, shared by all workers.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub hasher: Arc<Hasher>,
}

impl AppState {
    pub fn new(pool: Pool, settings: Settings) -> Self {
        let hash_slots = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Self {
            pool,
            settings: Arc::new(settings),
            hasher: Arc::new(Hasher::new(hash_slots)),
        }
    }

    /// Runs database work on the blocking pool, never on the async executor.
    pub async fn db<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        self.try_db(work).await?.map_err(AppError::from)
    }

    /// [`AppState::db`] for work that only reads, on one snapshot ([`crate::db::read_snapshot`]).
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        self.db(move |c| crate::db::read_snapshot(c, work)).await
    }

    /// Runs blocking work that needs the whole state (password hashing, several checkouts).
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&AppState) -> Result<T, ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        self.try_blocking(work).await?.map_err(AppError::from)
    }

    /// Like [`AppState::db`], but hands the service's own error back so that a handler can show
    /// validation messages next to their fields.
    pub async fn try_db<T, F>(&self, work: F) -> Result<Result<T, ServiceError>, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        if self.settings.database.is_sqlite() {
            return Ok(run_inline(&self.pool, work));
        }
        self.try_blocking(move |state| work(&mut *state.pool.get()?))
            .await
    }

    /// Like [`AppState::blocking`], handing the service's own error back.
    pub async fn try_blocking<T, F>(&self, work: F) -> Result<Result<T, ServiceError>, AppError>
    where
        F: FnOnce(&AppState) -> Result<T, ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        let state = self.clone();
        let tally = query_log::tally();
        web::block(move || tally.run(|| work(&state)))
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("blocking task failed: {e}")))
    }
}

/// Runs database work on the current thread, for SQLite: its queries are CPU work in this process,
/// so handing them to a blocking thread only added two thread switches and a lock hand-off to
/// every call (a fifth of a page's cost under load). A transaction runs to its end without
/// yielding, so it never holds the write lock across an await. Work that waits on something
/// else (password hashing, PostgreSQL, SMTP) still goes to blocking threads.
pub fn run_inline<T>(
    pool: &Pool,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    query_log::tally().run(|| work(&mut *pool.get()?))
}

/// The largest form body accepted; forms are small.
pub const FORM_LIMIT: usize = 64 * 1024;

/// Builds the application: the same for `serve` and for tests.
pub fn app(
    state: AppState,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let settings = state.settings.clone();
    let store = session_store::DbSessionStore::new(
        state.pool.clone(),
        settings.session_idle,
        settings.database.is_sqlite(),
    );
    let cookie_name = if settings.is_https() {
        "__Host-liaison"
    } else {
        "liaison_session"
    };
    let sessions = SessionMiddleware::builder(store, Key::from(&settings.session_key))
        .cookie_name(cookie_name.to_string())
        .cookie_secure(settings.is_https())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".into())
        .session_lifecycle(
            BrowserSession::default()
                .state_ttl(actix_web::cookie::time::Duration::seconds(
                    settings.session_idle.as_secs() as i64,
                ))
                .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
        )
        .build();
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::FormConfig::default().limit(FORM_LIMIT))
        .configure(crate::api::routes)
        .configure(routes)
        .configure(pages::invitations::routes)
        .configure(pages::activity::routes)
        .configure(pages::partner_access::routes)
        .configure(pages::grant_periods::routes)
        .configure(pages::staff_links::routes)
        .configure(pages::customers::routes)
        .configure(pages::subaccounts::routes)
        .configure(pages::roles::routes)
        .configure(pages::accounts::routes)
        .configure(pages::shares::routes)
        .configure(pages::apps::routes)
        .configure(pages::app_authorizations::routes)
        .configure(pages::app_authorization_forms::routes)
        .configure(pages::app_authorization_confirm::routes)
        .configure(pages::tenant_authorizations::routes)
        .configure(pages::datasources::routes)
        .configure(pages::access::routes)
        .configure(pages::users::routes)
        .configure(pages::role_invitations::routes)
        .default_service(web::to(pages::not_found))
        .wrap(ErrorHandlers::new().default_handler(errors::render_error_page))
        .wrap(from_fn(csrf::protect))
        .wrap(sessions)
        .wrap(from_fn(crate::api::cookieless))
        .wrap(from_fn(security::headers))
        .wrap(from_fn(query_log::count))
        .wrap(security::request_log())
}

fn routes(cfg: &mut web::ServiceConfig) {
    use pages::*;
    cfg.service(web::resource("/").route(web::get().to(home::dashboard)))
        .service(web::resource("/healthz").route(web::get().to(home::healthz)))
        .service(assets::serve)
        .service(
            web::resource("/signin")
                .route(web::get().to(auth::signin_form))
                .route(web::post().to(auth::signin)),
        )
        .service(web::resource("/signout").route(web::post().to(auth::signout)))
        .service(
            web::resource("/setup/{token}")
                .route(web::get().to(setup::form))
                .route(web::post().to(setup::submit)),
        )
        .service(
            web::resource("/profile")
                .route(web::get().to(profile::show))
                .route(web::post().to(profile::update_name)),
        )
        .service(web::resource("/profile/password").route(web::post().to(profile::change_password)))
        .service(web::resource("/profile/tokens").route(web::post().to(profile::create_token)))
        .service(
            web::resource("/profile/tokens/{id}/revoke")
                .route(web::post().to(profile::revoke_token)),
        )
        .service(web::resource("/staff").route(web::get().to(staff::console)))
        .service(web::resource("/staff/audit").route(web::get().to(staff::audit)))
        .service(web::resource("/staff/mail").route(web::get().to(staff::mail)))
        .service(web::resource("/staff/mail/{id}/retry").route(web::post().to(staff::retry_mail)))
        .service(web::resource("/dev/mailbox").route(web::get().to(devmail::list)))
        .service(web::resource("/dev/mailbox/{id}").route(web::get().to(devmail::show)));
}
