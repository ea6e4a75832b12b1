//! The owner's answers on access periods and levels: the emailed extension link (opening it
//! changes nothing; a CSRF-protected POST spends it), and on the Partner access page the
//! pending change of access level with its difference, approved or declined, and the pending
//! extension confirmed.

use super::{render, render_status, see_other, when};
use crate::services::grant_periods::{self, ExtensionKey, ExtensionView};
use crate::services::links::{self, LevelChange};
use crate::services::{ServiceError, ServiceResult};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/extensions/{token}")
            .route(web::get().to(extension))
            .route(web::post().to(confirm)),
    )
    .service(
        web::resource("/accounts/{tenant}/partner-access/{link}/access-level")
            .route(web::get().to(level_change))
            .route(web::post().to(answer_level_change)),
    )
    .service(
        web::resource("/accounts/{tenant}/partner-access/{link}/extension")
            .route(web::post().to(confirm_on_page)),
    );
}

#[derive(Template)]
#[template(path = "pages/grant_periods/extension.html")]
struct ExtensionPage {
    layout: Layout,
    token: String,
    v: ExtensionView,
    current: String,
    requested: String,
    expires: String,
    closed: Option<&'static str>,
    done: bool,
}

fn extension_page(
    state: &AppState,
    session: &Session,
    user: &crate::services::users::User,
    token: String,
    v: ExtensionView,
    done: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let layout = Layout::new(
        session,
        &state.settings,
        Some(user),
        "Extension",
        "accounts",
    );
    let page = ExtensionPage {
        layout,
        token,
        current: v
            .grant
            .access_ends_at
            .as_ref()
            .map(when)
            .unwrap_or_default(),
        requested: when(&v.extension.requested_ends_at),
        expires: when(&v.extension.expires_at),
        closed: if done { None } else { v.closed_because() },
        v,
        done,
    };
    let mut res = render_status(&page, status)?;
    res.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

/// Shows the request; changes nothing.
pub async fn extension(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let (u, t) = (user.clone(), token.clone());
    let v = state
        .db(move |c| grant_periods::extension(c, &u, ExtensionKey::Token(&t)))
        .await?;
    extension_page(&state, &session, &user, token, v, false, StatusCode::OK)
}

/// Spends the emailed link: the access takes the new end date.
pub async fn confirm(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let (u, t) = (user.clone(), token.clone());
    let v = state
        .db(move |c| grant_periods::confirm_extension(c, &u, ExtensionKey::Token(&t)))
        .await?;
    extension_page(&state, &session, &user, token, v, true, StatusCode::OK)
}

/// Confirms the open extension request from the Partner access page.
pub async fn confirm_on_page(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, link_id) = path.into_inner();
    let (u, t) = (user.clone(), tenant_id.clone());
    let v = state
        .db(move |c| {
            let key = ExtensionKey::Grant {
                owner_id: &t,
                grant_id: &link_id,
            };
            grant_periods::confirm_extension(c, &u, key)
        })
        .await?;
    flash(
        &session,
        "success",
        format!(
            "The access of {} now ends on {}.",
            v.grantee,
            when(&v.extension.requested_ends_at)
        ),
    );
    Ok(see_other(&format!("/accounts/{tenant_id}/partner-access")))
}

#[derive(Template)]
#[template(path = "pages/grant_periods/level_change.html")]
struct LevelChangePage {
    layout: Layout,
    tenant_id: String,
    change: LevelChange,
}

pub async fn level_change(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, link_id) = path.into_inner();
    let (u, t) = (user.clone(), tenant_id.clone());
    let change = state
        .db(move |c| links::level_change_of(c, &u, &t, &link_id))
        .await?;
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        "Access level change",
        "accounts",
    );
    render(&LevelChangePage {
        layout,
        tenant_id,
        change,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
}

pub async fn answer_level_change(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, link_id) = path.into_inner();
    let approve = match form.answer.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(ServiceError::invalid("answer", "Approve or decline.").into()),
    };
    let (u, t, settings) = (user.clone(), tenant_id.clone(), state.settings.clone());
    let row = state
        .db(move |c| -> ServiceResult<_> {
            links::answer_level_change(c, &settings, &u, &t, &link_id, approve)
        })
        .await?;
    let message = if approve {
        format!(
            "{} now works here with the access level {}.",
            row.partner, row.access_level
        )
    } else {
        format!(
            "You declined; {} keeps the access level {}.",
            row.partner, row.access_level
        )
    };
    flash(&session, "success", message);
    Ok(see_other(&format!("/accounts/{tenant_id}/partner-access")))
}
