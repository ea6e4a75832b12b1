//! A tenant's Authorizations: the apps it authorized, per environment, with who authorized,
//! when, until when, and the last use (actively used: within 30 days). One template whose body
//! is a single `content` block and one function building its data ([`view`]), so the tabbed
//! tenant page can host it as a tab.

use super::tenant_tabs::{self, Tab, TenantTabs, tabbed_page};
use super::when;
use crate::db::AnyConnection;
use crate::services::ServiceResult;
use crate::services::app_authorizations::{self as authorizations, ACTIVE_USE_DAYS};
use crate::services::users::User;
use crate::web::extract::CurrentUser;
use crate::web::layout::Layout;
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/accounts/{id}/authorizations").route(web::get().to(show)));
}

pub struct AuthorizationRow {
    pub app: String,
    pub environment: String,
    pub status: &'static str,
    pub authorized_by: String,
    pub authorized_at: String,
    pub valid_until: String,
    pub last_used: String,
    pub in_use: &'static str,
}

/// Everything the Authorizations content shows.
pub struct AuthorizationsView {
    pub tenant_id: String,
    pub rows: Vec<AuthorizationRow>,
    pub next: Option<String>,
    pub later: bool,
    pub active_days: i64,
}

/// The data of the Authorizations content, for this page and for a tab of the tenant page.
pub fn view(
    conn: &mut AnyConnection,
    settings: &crate::config::Settings,
    user: &User,
    tenant_id: &str,
    before: Option<&str>,
) -> ServiceResult<AuthorizationsView> {
    let page = authorizations::for_tenant(conn, user, tenant_id, before)?;
    let rows = page
        .rows
        .into_iter()
        .map(|r| {
            let a = &r.authorization;
            AuthorizationRow {
                environment: settings
                    .environment(&a.environment)
                    .map_or(a.environment.clone(), |e| e.name.clone()),
                status: r.status().label(),
                authorized_by: r.authorized_by.clone().unwrap_or_default(),
                authorized_at: a.authorized_at.as_ref().map(when).unwrap_or_default(),
                valid_until: a
                    .valid_until
                    .as_ref()
                    .map(when)
                    .unwrap_or_else(|| "No end date".into()),
                last_used: a
                    .last_used_at
                    .as_ref()
                    .map(when)
                    .unwrap_or_else(|| "Never".into()),
                in_use: if a.in_active_use() { "Yes" } else { "No" },
                app: r.app,
            }
        })
        .collect();
    Ok(AuthorizationsView {
        tenant_id: tenant_id.to_string(),
        rows,
        next: page.next,
        later: before.is_some(),
        active_days: ACTIVE_USE_DAYS,
    })
}

#[derive(Template)]
#[template(path = "pages/app_authorizations/tenant.html", blocks = ["tab"])]
struct TenantPage {
    layout: Layout,
    tabs: TenantTabs,
    v: AuthorizationsView,
}
tabbed_page!(TenantPage);

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Query {
    before: String,
}

pub async fn show(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let before =
        Some(query.before.trim().chars().take(64).collect::<String>()).filter(|b| !b.is_empty());
    let (u, settings) = (user.clone(), state.settings.clone());
    let (v, tabs) = state
        .db(move |c| {
            let v = view(c, &settings, &u, &tenant_id, before.as_deref())?;
            Ok((
                v,
                tenant_tabs::load(c, &u, &tenant_id, Tab::Authorizations)?,
            ))
        })
        .await?;
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        "Authorizations",
        "accounts",
    );
    tenant_tabs::respond(&req, &TenantPage { layout, tabs, v }, StatusCode::OK)
}
