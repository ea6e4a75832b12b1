//! Edit and Remove of one app authorization, partner side. Edit emails the customer's contact a
//! confirmation (applied when they approve); Remove ends the authorization at once, with the
//! contact's email and a reason, both required.

use super::{FormErrors, render_status, see_other};
use crate::domain::FieldError;
use crate::services::ServiceError;
use crate::services::app_authorizations::{self as authorizations, EditRequest, Row};
use crate::services::users::User;
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
        web::resource("/accounts/{partner}/app-authorizations/{id}/edit")
            .route(web::get().to(edit_form))
            .route(web::post().to(edit)),
    )
    .service(
        web::resource("/accounts/{partner}/app-authorizations/{id}/remove")
            .route(web::get().to(remove_form))
            .route(web::post().to(remove)),
    );
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Form {
    on_behalf_of: String,
    contact_email: String,
    environment: String,
    valid_until: String,
    info: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "pages/app_authorizations/change.html")]
struct ChangePage {
    layout: Layout,
    partner_id: String,
    row: Row,
    removing: bool,
    environments: Vec<crate::config::Environment>,
    form: Form,
    errors: FormErrors,
    alert: Option<String>,
}

struct Shown {
    removing: bool,
    form: Option<Form>,
    errors: Vec<FieldError>,
    alert: Option<String>,
}

async fn show(
    state: &AppState,
    session: &Session,
    user: User,
    (partner_id, id): (String, String),
    s: Shown,
) -> Result<HttpResponse, AppError> {
    let (u, p) = (user.clone(), partner_id.clone());
    let row = state
        .db(move |c| authorizations::get_for_partner(c, &u, &p, &id))
        .await?;
    let a = &row.authorization;
    let form = s.form.unwrap_or_else(|| Form {
        contact_email: a.contact_email.clone(),
        environment: a.environment.clone(),
        valid_until: a
            .valid_until
            .map(|v| v.date().to_string())
            .unwrap_or_default(),
        info: a.info.clone(),
        ..Form::default()
    });
    let status = if s.errors.is_empty() && s.alert.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = if s.removing {
        "Remove authorization"
    } else {
        "Edit authorization"
    };
    let layout = Layout::new(session, &state.settings, Some(&user), title, "accounts");
    let page = ChangePage {
        layout,
        partner_id,
        row,
        removing: s.removing,
        environments: state.settings.environments.clone(),
        form,
        errors: FormErrors(s.errors),
        alert: s.alert,
    };
    render_status(&page, status)
}

fn fresh(removing: bool) -> Shown {
    Shown {
        removing,
        form: None,
        errors: vec![],
        alert: None,
    }
}

pub async fn edit_form(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    show(&state, &session, user, path.into_inner(), fresh(false)).await
}

pub async fn remove_form(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    show(&state, &session, user, path.into_inner(), fresh(true)).await
}

fn back(partner_id: &str, row: &Row) -> String {
    format!(
        "/accounts/{partner_id}/app-tenants?environment={}&app={}",
        row.authorization.environment, row.authorization.app_id
    )
}

/// After a refused change: the form again with the messages.
async fn refused(
    state: &AppState,
    session: &Session,
    user: User,
    ids: (String, String),
    (removing, form): (bool, Form),
    e: ServiceError,
) -> Result<HttpResponse, AppError> {
    let (errors, alert) = match e {
        ServiceError::Invalid(errors) => (errors, None),
        ServiceError::Conflict(message) => (vec![], Some(message)),
        e => return Err(e.into()),
    };
    let s = Shown {
        removing,
        form: Some(form),
        errors,
        alert,
    };
    show(state, session, user, ids, s).await
}

pub async fn edit(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<Form>,
) -> Result<HttpResponse, AppError> {
    let (partner_id, id) = path.into_inner();
    let form = form.into_inner();
    let input = EditRequest {
        on_behalf_of: form.on_behalf_of.clone(),
        contact_email: form.contact_email.clone(),
        environment: form.environment.clone(),
        valid_until: form.valid_until.clone(),
        info: form.info.clone(),
    };
    let (u, p, i, settings) = (
        user.clone(),
        partner_id.clone(),
        id.clone(),
        state.settings.clone(),
    );
    let result = state
        .try_db(move |c| authorizations::edit(c, &settings, &u, &p, &i, &input))
        .await?;
    match result {
        Ok(row) => {
            flash(
                &session,
                "success",
                format!(
                    "The changes were sent to {} for approval. They apply when the contact approves.",
                    form.contact_email.trim()
                ),
            );
            Ok(see_other(&back(&partner_id, &row)))
        }
        Err(e) => refused(&state, &session, user, (partner_id, id), (false, form), e).await,
    }
}

pub async fn remove(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<Form>,
) -> Result<HttpResponse, AppError> {
    let (partner_id, id) = path.into_inner();
    let form = form.into_inner();
    let (u, p, i, settings) = (
        user.clone(),
        partner_id.clone(),
        id.clone(),
        state.settings.clone(),
    );
    let (email, reason) = (form.contact_email.clone(), form.reason.clone());
    let result = state
        .try_db(move |c| authorizations::remove(c, &settings, &u, &p, &i, &email, &reason))
        .await?;
    match result {
        Ok(row) => {
            flash(
                &session,
                "success",
                format!(
                    "The authorization of {} by {} was removed. The app no longer has access; {} was emailed.",
                    row.app,
                    row.tenant,
                    form.contact_email.trim()
                ),
            );
            Ok(see_other(&back(&partner_id, &row)))
        }
        Err(e) => refused(&state, &session, user, (partner_id, id), (true, form), e).await,
    }
}
