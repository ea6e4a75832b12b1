//! Page handlers: parse, call a service, render.

pub mod access;
pub mod accounts;
pub mod activity;
pub mod app_authorization_confirm;
pub mod app_authorization_forms;
pub mod app_authorizations;
pub mod apps;
pub mod auth;
pub mod customers;
pub mod datasources;
pub mod devmail;
pub mod grant_periods;
pub mod home;
pub mod invitations;
pub mod invitee;
pub mod partner_access;
pub mod profile;
pub mod role_invitations;
pub mod roles;
pub mod setup;
pub mod shares;
pub mod staff;
pub mod staff_links;
pub mod subaccounts;
pub mod tenant_authorizations;
pub mod tenant_tabs;
pub mod users;

use super::AppError;
use crate::domain::FieldError;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

/// Renders a page with 200 OK.
pub fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    render_status(page, StatusCode::OK)
}

/// Renders a page with a given status (422 for a form with errors, 429 when throttled).
pub fn render_status(page: &impl Template, status: StatusCode) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// Renders a page whose size grows with its rows into a buffer sized for them up front: grown
/// from the template's fixed size, a 50-row page was copied four times on its way.
pub fn render_sized(page: &impl Template, bytes: usize) -> Result<HttpResponse, AppError> {
    let mut out = String::with_capacity(bytes);
    page.render_into(&mut out)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(out))
}

/// Back to a page after a form post (303, so a reload does not post again).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::not_found())
}

/// The errors of one form, looked up by field in templates.
#[derive(Debug, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn all(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|e| e.message.as_str())
    }
}

/// Only local paths are followed after sign-in: no scheme, no host, no `//` or `/\` tricks.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.contains(['\r', '\n'])
                && p.len() <= 2000 =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

pub use crate::domain::when;

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_redirects() {
        assert_eq!(local_path(Some("/profile?x=1")), "/profile?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }
}
