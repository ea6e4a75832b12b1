//! Extractors: the signed-in user (checked on every request), staff, and the client address.

use super::{AppError, AppState, layout};
use crate::config::Settings;
use crate::services::audit::{self, Event, actions};
use crate::services::{links, sessions, users};
use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;

/// Session key holding the sign-in time (Unix seconds), for the absolute session limit.
pub const SIGNED_IN_AT: &str = "since";

/// The signed-in user, loaded fresh from the database so that disabling takes effect at once.
pub struct CurrentUser(pub users::User);

/// A signed-in support staff member.
pub struct StaffUser(pub users::User);

/// The client's address: the peer, or the proxy's X-Forwarded-For when the peer is the
/// configured trusted proxy.
pub fn client_ip(req: &HttpRequest, settings: &Settings) -> Option<String> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    if settings.trusted_proxy == Some(peer)
        && let Some(forwarded) = req
            .headers()
            .get("X-Forwarded-For")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
    {
        return Some(forwarded.to_string());
    }
    Some(peer.to_string())
}

pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().contains_key("HX-Request")
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))
}

fn next_of(req: &HttpRequest) -> String {
    match req.uri().path_and_query() {
        Some(pq) if req.method() == actix_web::http::Method::GET => pq.as_str().to_string(),
        _ => "/".to_string(),
    }
}

/// Loads the session's user; ends the session when the user is gone, disabled, or the absolute
/// limit has passed. In the same database round trip it re-checks the acting context (a partner
/// user inside a customer tenant), dropping it at once when the link has ended, and works out the
/// Account Management item of the navigation; `Layout::new` reads both from the session.
pub async fn load_user(
    req: &HttpRequest,
    session: &Session,
) -> Result<Option<users::User>, AppError> {
    let Some(user_id) = session.get::<String>(sessions::USER_KEY).ok().flatten() else {
        return Ok(None);
    };
    let state = state(req)?;
    let since = session.get::<i64>(SIGNED_IN_AT).ok().flatten().unwrap_or(0);
    let age = chrono::Utc::now().timestamp() - since;
    if age < 0 || age as u64 > state.settings.session_max.as_secs() {
        session.purge();
        return Ok(None);
    }
    let acting = layout::acting(session);
    let ids = acting
        .as_ref()
        .map(|a| (a.customer_id.clone(), a.link_id.clone()));
    let refresh_nav = layout::customers_nav_is_stale(session);
    let loaded = state
        .db(move |c| {
            let Some(user) = users::find(c, &user_id)? else {
                return Ok(None);
            };
            if user.is_disabled() {
                return Ok(Some((user, None, None)));
            }
            let inside = match ids {
                Some((customer_id, link_id)) => links::inside(c, &user, &customer_id, &link_id)?,
                None => None,
            };
            let nav = match refresh_nav {
                true => Some(layout::customers_nav(c, &user)?),
                false => None,
            };
            Ok(Some((user, inside, nav)))
        })
        .await?;
    match loaded {
        Some((user, inside, nav)) if !user.is_disabled() => {
            match (acting, inside) {
                (Some(_), Some(entered)) => layout::set_acting(session, Some(&entered)),
                (Some(ended), None) => {
                    layout::set_acting(session, None);
                    layout::flash(
                        session,
                        "error",
                        format!("Your access to {} has ended.", ended.customer),
                    );
                }
                (None, _) => {}
            }
            if let Some(nav) = nav {
                layout::set_customers_nav(session, nav.as_deref());
            }
            Ok(Some(user))
        }
        _ => {
            session.purge();
            Ok(None)
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = req.get_session();
            match load_user(&req, &session).await? {
                Some(user) => Ok(CurrentUser(user)),
                None => Err(AppError::SignInRequired {
                    next: next_of(&req),
                }),
            }
        })
    }
}

impl FromRequest for StaffUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let CurrentUser(user) = user.await?;
            if !user.is_staff {
                let state = state(&req)?;
                let event = Event::new(actions::AUTHZ_REFUSED)
                    .actor(Some(user.actor()))
                    .detail(format!(
                        "{} {} needs support staff",
                        req.method(),
                        req.path()
                    ))
                    .ip(client_ip(&req, &state.settings));
                state.db(move |c| audit::record(c, event)).await?;
                return Err(AppError::forbidden());
            }
            Ok(StaffUser(user))
        })
    }
}
