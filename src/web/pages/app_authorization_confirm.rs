//! The confirmation page the customer's contact opens from the email: what the partner asks
//! for, and Approve or Decline. Opening it changes nothing; the token is spent by the POSTs.
//! The token is in the URL: these pages send `Referrer-Policy: no-referrer` and the request
//! log masks it.

use super::invitee::no_referrer;
use super::{FormErrors, render_status};
use crate::services::ServiceError;
use crate::services::app_authorizations::{self as authorizations, Confirmation};
use crate::services::users::User;
use crate::web::extract::CurrentUser;
use crate::web::layout::Layout;
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;
use serde::Deserialize;

pub const NOT_VALID: &str =
    "This confirmation link is not valid. Check your email for the latest one.";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app-authorizations/{token}").route(web::get().to(show)))
        .service(
            web::resource("/app-authorizations/{token}/approve").route(web::post().to(approve)),
        )
        .service(
            web::resource("/app-authorizations/{token}/decline").route(web::post().to(decline)),
        );
}

#[derive(Template)]
#[template(path = "pages/app_authorizations/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    token: String,
    c: Confirmation,
    valid_until: String,
    expires: String,
    closed: Option<&'static str>,
    /// What the last answer was refused for, or what it did.
    error: Option<String>,
    done: Option<String>,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeclineForm {
    reason: String,
}

async fn page(
    state: &AppState,
    session: &Session,
    user: &User,
    token: String,
    error: Option<String>,
    done: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (t, settings) = (token.clone(), state.settings.clone());
    let found = state
        .try_db(move |c| authorizations::open(c, &settings, &t))
        .await?;
    let c = match found {
        Ok(c) => c,
        Err(ServiceError::NotFound) => {
            return Ok(no_referrer(
                AppError::status(StatusCode::NOT_FOUND, NOT_VALID).error_response(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let status = if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let layout = Layout::new(
        session,
        &state.settings,
        Some(user),
        "App authorization",
        "",
    );
    let page = ConfirmPage {
        layout,
        token,
        valid_until: c
            .request
            .valid_until
            .as_ref()
            .map(super::when)
            .unwrap_or_else(|| "No end date".into()),
        expires: super::when(&c.request.expires_at),
        closed: if done.is_some() {
            None
        } else {
            c.request.closed_because()
        },
        c,
        error,
        done,
        errors: FormErrors::default(),
    };
    Ok(no_referrer(render_status(&page, status)?))
}

pub async fn show(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(&state, &session, &user, path.into_inner(), None, None).await
}

async fn answered(
    state: &AppState,
    session: &Session,
    user: &User,
    token: String,
    result: Result<String, ServiceError>,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(done) => page(state, session, user, token, None, Some(done)).await,
        Err(ServiceError::Conflict(m)) => page(state, session, user, token, Some(m), None).await,
        Err(ServiceError::Invalid(errors)) => {
            let m = errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" ");
            page(state, session, user, token, Some(m), None).await
        }
        Err(ServiceError::NotFound) => Ok(no_referrer(
            AppError::status(StatusCode::NOT_FOUND, NOT_VALID).error_response(),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn approve(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let (u, t, settings) = (user.clone(), token.clone(), state.settings.clone());
    let result = state
        .try_db(move |c| authorizations::approve(c, &settings, &u, &t))
        .await?
        .map(|row| {
            let environment = state
                .settings
                .environment(&row.authorization.environment)
                .map_or(row.authorization.environment.clone(), |e| e.name.clone());
            format!(
                "Approved: {} may now use {} in {environment}.",
                row.app, row.tenant
            )
        });
    answered(&state, &session, &user, token, result).await
}

pub async fn decline(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: web::Form<DeclineForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let (u, t, settings) = (user.clone(), token.clone(), state.settings.clone());
    let reason = form.into_inner().reason;
    let result = state
        .try_db(move |c| authorizations::decline(c, &settings, &u, &t, &reason))
        .await?
        .map(|row| {
            format!(
                "Declined. {} was told; {} has no new access.",
                row.app, row.app
            )
        });
    answered(&state, &session, &user, token, result).await
}
