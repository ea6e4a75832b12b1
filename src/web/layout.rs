//! What the base template needs on every page: who is signed in (for the navigation), the CSRF
//! token, and the flash messages left by the previous action.

use super::csrf;
use crate::config::Settings;
use crate::services::users::User;
use actix_session::Session;
use serde::{Deserialize, Serialize};

const FLASH_KEY: &str = "flash";

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

pub struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    pub csrf: String,
    pub flashes: Vec<Flash>,
    pub dev_mailbox: bool,
    /// Which navigation item is current.
    pub section: &'static str,
}

impl Layout {
    pub fn new(
        session: &Session,
        settings: &Settings,
        user: Option<&User>,
        title: impl Into<String>,
        section: &'static str,
    ) -> Self {
        let flashes = session
            .remove_as::<Vec<Flash>>(FLASH_KEY)
            .and_then(Result::ok)
            .unwrap_or_default();
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
        }
    }
}
