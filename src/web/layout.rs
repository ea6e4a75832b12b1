//! What the base template needs on every page: who is signed in (for the navigation), the CSRF
//! token, the flash messages left by the previous action, and the banner shown while a partner
//! user works inside a customer tenant.
//!
//! The acting context is checked against the database by the user extractor on every request
//! (see `extract::load_user`), the Account Management link at most once a minute (it is only a
//! link: the page it leads to checks access itself); both are kept in the session, where
//! `Layout::new` reads them.

use super::{AppError, csrf};
use crate::config::Settings;
use crate::db::AnyConnection;
use crate::domain::permission::Permission;
use crate::services::links::{self, Entered};
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult, sessions, tenants};
use actix_session::Session;
use serde::{Deserialize, Serialize};

const FLASH_KEY: &str = "flash";
const ACTING_KEY: &str = "acting";
const CUSTOMERS_NAV_KEY: &str = "nav_customers";
/// When the Account Management link was last worked out (Unix seconds).
const CUSTOMERS_NAV_AT_KEY: &str = "nav_customers_at";
const CUSTOMERS_NAV_TTL_SECS: i64 = 60;

/// Where a partner user works after Login: kept in the session, re-checked on every request.
pub type Acting = Entered;

/// The acting context stored in the session, if any.
pub fn acting(session: &Session) -> Option<Acting> {
    session.get::<Acting>(ACTING_KEY).ok().flatten()
}

/// Stores (or clears) the acting context; writes only when it changed.
pub fn set_acting(session: &Session, acting: Option<&Acting>) {
    match acting {
        Some(a) if self::acting(session).as_ref() != Some(a) => {
            let _ = session.insert(ACTING_KEY, a);
        }
        None if session.contains_key(ACTING_KEY) => {
            session.remove(ACTING_KEY);
        }
        _ => {}
    }
}

/// True when the Account Management link should be worked out again (see the module above).
pub fn customers_nav_is_stale(session: &Session) -> bool {
    let at = session.get::<i64>(CUSTOMERS_NAV_AT_KEY).ok().flatten();
    let now = chrono::Utc::now().timestamp();
    at.is_none_or(|at| !(0..CUSTOMERS_NAV_TTL_SECS).contains(&(now - at)))
}

/// Where the Account Management item of the navigation leads, stored by the user extractor.
pub fn set_customers_nav(session: &Session, href: Option<&str>) {
    let _ = session.insert(CUSTOMERS_NAV_AT_KEY, chrono::Utc::now().timestamp());
    let current = session.get::<String>(CUSTOMERS_NAV_KEY).ok().flatten();
    match href {
        Some(h) if current.as_deref() != Some(h) => {
            let _ = session.insert(CUSTOMERS_NAV_KEY, h);
        }
        None if current.is_some() => {
            session.remove(CUSTOMERS_NAV_KEY);
        }
        _ => {}
    }
}

/// The Account Management link for a user: their partner's page when they belong to one partner
/// tenant that lets them see its customers, the dashboard (which lists them) when they belong to
/// several. One query for the memberships, then the authorization function on the first.
pub fn customers_nav(conn: &mut AnyConnection, user: &User) -> ServiceResult<Option<String>> {
    let partners = tenants::partner_memberships(conn, &user.id, 2)?;
    let Some(first) = partners.first() else {
        return Ok(None);
    };
    match links::partner_access(conn, user, first, Permission::CustomersView) {
        Ok(_) if partners.len() > 1 => Ok(Some("/".to_string())),
        Ok(_) => Ok(Some(format!("/accounts/{first}/customers"))),
        Err(ServiceError::NotFound | ServiceError::Forbidden) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A new session id and CSRF token when a partner user enters or leaves a customer tenant
/// (DESIGN §12). The sign-in and its time carry over, so the absolute limit still counts from
/// the sign-in.
pub fn renew_session(session: &Session) -> Result<(), AppError> {
    let user_id = session.get::<String>(sessions::USER_KEY).ok().flatten();
    let since = session
        .get::<i64>(super::extract::SIGNED_IN_AT)
        .ok()
        .flatten();
    session.renew();
    if let Some(user_id) = user_id {
        session
            .insert(sessions::USER_KEY, user_id)
            .map_err(|e| AppError::internal(e.into()))?;
    }
    if let Some(since) = since {
        session
            .insert(super::extract::SIGNED_IN_AT, since)
            .map_err(|e| AppError::internal(e.into()))?;
    }
    csrf::rotate(session);
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `success` or `error`: styled, and said in words too.
    pub kind: String,
    pub text: String,
}

/// Leaves a message for the next page the user sees.
pub fn flash(session: &Session, kind: &str, text: impl Into<String>) {
    let mut all: Vec<Flash> = session.get(FLASH_KEY).ok().flatten().unwrap_or_default();
    all.push(Flash {
        kind: kind.to_string(),
        text: text.into(),
    });
    let _ = session.insert(FLASH_KEY, all);
}

pub struct NavUser {
    pub name: String,
    pub email: String,
    pub is_staff: bool,
}

/// The banner shown on every page while a partner user works inside a customer tenant.
pub struct ActingBanner {
    pub customer: String,
    pub customer_id: String,
    pub partner: String,
    pub access_level: String,
}

pub struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    pub csrf: String,
    pub flashes: Vec<Flash>,
    pub dev_mailbox: bool,
    /// Which navigation item is current.
    pub section: &'static str,
    /// Set while a partner user works inside a customer tenant.
    pub acting: Option<ActingBanner>,
    /// Where the Account Management item leads, for members of a partner tenant.
    pub customers_nav: Option<String>,
}

impl Layout {
    pub fn new(
        session: &Session,
        settings: &Settings,
        user: Option<&User>,
        title: impl Into<String>,
        section: &'static str,
    ) -> Self {
        // Removing a key marks the session changed even when the key is absent, and a changed
        // session is written back: only take the flashes when there are some, or every page
        // view would write to the database.
        let flashes = if session.contains_key(FLASH_KEY) {
            session
                .remove_as::<Vec<Flash>>(FLASH_KEY)
                .and_then(Result::ok)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        Self {
            title: title.into(),
            user: user.map(|u| NavUser {
                name: u.name.clone(),
                email: u.email.clone(),
                is_staff: u.is_staff,
            }),
            csrf: csrf::token(session),
            flashes,
            dev_mailbox: settings.dev_mailbox_enabled(),
            section,
            acting: user.and_then(|_| acting(session)).map(|a| ActingBanner {
                customer: a.customer,
                customer_id: a.customer_id,
                partner: a.partner,
                access_level: a.access_level,
            }),
            customers_nav: user
                .and_then(|_| session.get::<String>(CUSTOMERS_NAV_KEY).ok().flatten()),
        }
    }
}
