//! The dashboard and the health check.

use super::render;
use crate::services::shares::{self, Share};
use crate::services::tenants::{self, MembershipView};
use crate::web::extract::CurrentUser;
use crate::web::layout::Layout;
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::connection::SimpleConnection;

/// How many of a user's accounts the dashboard lists.
const DASHBOARD_ACCOUNTS: i64 = 50;

#[derive(Template)]
#[template(path = "pages/home/dashboard.html")]
struct Dashboard {
    layout: Layout,
    name: String,
    memberships: Vec<MembershipView>,
    more: bool,
    /// Accounts shared with tenants the user belongs to.
    shared: Vec<Share>,
    more_shared: bool,
}

pub async fn dashboard(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let user_id = user.id.clone();
    let (mut memberships, mut shared) = state
        .db(move |c| {
            Ok((
                tenants::memberships_of(c, &user_id, DASHBOARD_ACCOUNTS + 1)?,
                shares::shared_with_user(c, &user_id, shares::MAX_SHARED_WITH_USER)?,
            ))
        })
        .await?;
    let more_shared = shared.len() as i64 > shares::MAX_SHARED_WITH_USER;
    shared.truncate(shares::MAX_SHARED_WITH_USER as usize);
    let more = memberships.len() as i64 > DASHBOARD_ACCOUNTS;
    memberships.truncate(DASHBOARD_ACCOUNTS as usize);
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        "Dashboard",
        "dashboard",
    );
    render(&Dashboard {
        layout,
        name: user.name.clone(),
        memberships,
        more,
        shared,
        more_shared,
    })
}

/// 200 when the database answers, 503 otherwise. For load balancers and monitoring.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let result = state
        .db(|c| c.batch_execute("SELECT 1").map_err(Into::into))
        .await;
    match result {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unavailable\n")
        }
    }
}
