//! A connected account's access, the partner's side: ask the customer for another access level
//! or for a later end date. Nothing changes until the customer answers.

use super::base;
use crate::domain::permission::Permission;
use crate::domain::when;
use crate::services::links::{self, AccessLevel, LinkRow};
use crate::services::{ServiceError, grant_periods};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, flash};
use crate::web::pages::{FormErrors, render_status, see_other};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/customers/access.html")]
pub struct AccessPage {
    pub layout: Layout,
    pub tenant_id: String,
    pub row: LinkRow,
    pub ends: Option<String>,
    pub requested: Option<String>,
    pub levels: Vec<AccessLevel>,
    pub errors: FormErrors,
    pub ends_at: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccessForm {
    access_level: String,
    ends_at: String,
}

async fn page(
    state: &AppState,
    session: &Session,
    user: &crate::services::users::User,
    (tenant_id, link_id): (String, String),
    errors: Vec<crate::domain::FieldError>,
    ends_at: String,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (u, t) = (user.clone(), tenant_id.clone());
    let (row, levels, requested) = state
        .db(move |c| {
            links::partner_access(c, &u, &t, Permission::CustomersManage)?;
            let row = links::get_for_partner(c, &u, &t, &link_id)?;
            let levels = links::access_levels(c, &t)?;
            let requested = row.link.requested_role_id.as_ref().and_then(|r| {
                levels
                    .iter()
                    .find(|l| &l.role_id == r)
                    .map(|l| l.name.clone())
            });
            Ok((row, levels, requested))
        })
        .await?;
    let title = "Change access";
    let layout = Layout::new(session, &state.settings, Some(user), title, "customers");
    let page = AccessPage {
        layout,
        tenant_id,
        ends: row.link.access_ends_at.as_ref().map(when),
        row,
        requested,
        levels,
        errors: FormErrors(errors),
        ends_at,
    };
    render_status(&page, status)
}

pub async fn show(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    page(
        &state,
        &session,
        &user,
        ids,
        vec![],
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// Asks for another access level (`level`) or a later end date (`extension`).
async fn ask(
    user: crate::services::users::User,
    state: web::Data<AppState>,
    session: Session,
    (tenant_id, link_id): (String, String),
    form: AccessForm,
    extension: bool,
) -> Result<HttpResponse, AppError> {
    let (u, t, l, settings) = (
        user.clone(),
        tenant_id.clone(),
        link_id.clone(),
        state.settings.clone(),
    );
    let (level, ends_at) = (form.access_level, form.ends_at.clone());
    let done = state
        .try_db(move |c| {
            if extension {
                grant_periods::request_extension(c, &settings, &u, &t, &l, &ends_at)
                    .map(|e| format!("Extension until {} asked; the customer is emailed to confirm it.", when(&e.requested_ends_at)))
            } else {
                links::request_level_change(c, &settings, &u, &t, &l, &level).map(|_| {
                    "Access level change asked; the current level stays until the customer approves."
                        .to_string()
                })
            }
        })
        .await?;
    match done {
        Ok(message) => {
            flash(&session, "success", message);
            Ok(see_other(&base(&tenant_id)))
        }
        Err(ServiceError::Invalid(errors)) => {
            let ends_at: String = form.ends_at.chars().take(64).collect();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(
                &state,
                &session,
                &user,
                (tenant_id, link_id),
                errors,
                ends_at,
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn request_level(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<AccessForm>,
) -> Result<HttpResponse, AppError> {
    ask(
        user,
        state,
        session,
        path.into_inner(),
        form.into_inner(),
        false,
    )
    .await
}

pub async fn request_extension(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<AccessForm>,
) -> Result<HttpResponse, AppError> {
    ask(
        user,
        state,
        session,
        path.into_inner(),
        form.into_inner(),
        true,
    )
    .await
}
