//! The number of SQL statements each request ran, for the request log (`… 17q`).
//!
//! The middleware gives every request a tally in a task-local; the two places that run database
//! work for a request ([`crate::web::AppState::try_blocking`] and the session store) carry it into
//! their blocking closure and add what the closure ran on that thread, read from the thread's
//! statement count ([`crate::db::queries_on_this_thread`]). A blocking thread runs one closure at
//! a time, so concurrent requests never count each other's statements. Work that outlives the
//! response (the streamed CSV export) is not counted.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    static REQUEST: Arc<AtomicU64>;
}

/// The statements of one request, kept in the response for the log line.
#[derive(Debug, Clone, Copy)]
struct Queries(u64);

pub async fn count(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let tally = Arc::new(AtomicU64::new(0));
    let mut res = REQUEST.scope(tally.clone(), next.call(req)).await?;
    res.response_mut()
        .extensions_mut()
        .insert(Queries(tally.load(Ordering::Relaxed)));
    Ok(res)
}

/// The current request's tally (none outside a request), to carry into blocking work.
pub struct Tally(Option<Arc<AtomicU64>>);

pub fn tally() -> Tally {
    Tally(REQUEST.try_with(Arc::clone).ok())
}

impl Tally {
    /// Runs `work` on this thread, adding the statements it started to the request's count.
    pub fn run<T>(self, work: impl FnOnce() -> T) -> T {
        let Some(tally) = self.0 else {
            return work();
        };
        let start = crate::db::queries_on_this_thread();
        let result = work();
        let ran = crate::db::queries_on_this_thread().wrapping_sub(start);
        tally.fetch_add(ran, Ordering::Relaxed);
        result
    }
}

/// The request's statement count for the log line; `-` when there is none (an error answered
/// before the middleware saw a response).
pub fn log_value(res: &ServiceResponse) -> String {
    res.response()
        .extensions()
        .get::<Queries>()
        .map(|q| format!("{}q", q.0))
        .unwrap_or_else(|| "-".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Settings, generate_session_key};
    use crate::db::{self, DatabaseUrl};
    use crate::web::AppState;
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};
    use diesel::connection::SimpleConnection;

    /// Runs as many statements as the path says, in two pieces of blocking work.
    async fn statements(state: web::Data<AppState>, n: web::Path<u64>) -> HttpResponse {
        let n = n.into_inner();
        for part in [n / 2, n - n / 2] {
            state
                .db(move |c| {
                    for _ in 0..part {
                        c.batch_execute("SELECT 1")?;
                    }
                    Ok(())
                })
                .await
                .unwrap();
        }
        HttpResponse::Ok().finish()
    }

    #[actix_web::test]
    async fn each_request_counts_its_own_statements() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("q.db").to_string_lossy().into_owned());
        let pool = db::pool(&url, 4).unwrap();
        let settings = Settings::new(url, "http://127.0.0.1:1", generate_session_key()).unwrap();
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(AppState::new(pool, settings)))
                .wrap(from_fn(count))
                .route("/{n}", web::get().to(statements)),
        )
        .await;
        let call = |n: u64| {
            let req = test::TestRequest::get().uri(&format!("/{n}")).to_request();
            test::call_service(&app, req)
        };
        // Concurrent requests on the same pool: each line tells its own count.
        for _ in 0..5 {
            let (a, b, c) = tokio::join!(call(3), call(40), call(0));
            for (res, n) in [(a, 3), (b, 40), (c, 0)] {
                assert_eq!(log_value(&res.map_into_boxed_body()), format!("{n}q"));
            }
        }
    }
}
