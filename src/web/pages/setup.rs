//! The one-time setup page that creates the first support staff account.

use super::{FormErrors, render, render_status, see_other};
use crate::services::ServiceError;
use crate::services::setup::{self, FirstStaff};
use crate::web::extract::client_ip;
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, REFERRER_POLICY};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/setup/form.html")]
struct SetupPage {
    layout: Layout,
    action: String,
    email: String,
    name: String,
    errors: FormErrors,
}

/// The token is in the URL: keep it out of Referer headers.
fn no_referrer(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut()
        .insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

pub async fn form(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    if !state.db(move |c| setup::is_open(c, &t)).await? {
        return Err(AppError::not_found());
    }
    let layout = Layout::new(&session, &state.settings, None, "Set up Liaison", "setup");
    let page = SetupPage {
        layout,
        action: format!("/setup/{token}"),
        email: String::new(),
        name: String::new(),
        errors: FormErrors::default(),
    };
    render(&page).map(no_referrer)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SetupForm {
    email: String,
    name: String,
    password: String,
    confirm_password: String,
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let form = form.into_inner();
    let ip = client_ip(&req, &state.settings);
    let (t, f) = (token.clone(), SetupForm { ..form });
    let (email, name) = (f.email.clone(), f.name.clone());
    let result = state
        .try_blocking(move |s| {
            let mut conn = s.pool.get()?;
            let input = FirstStaff {
                email: &f.email,
                name: &f.name,
                password: &f.password,
                confirm: &f.confirm_password,
            };
            setup::complete(&mut conn, &s.hasher, &t, input, ip)
        })
        .await?;
    match result {
        Ok(user) => {
            flash(
                &session,
                "success",
                format!(
                    "The support staff account {} was created. Sign in with it.",
                    user.email
                ),
            );
            Ok(see_other("/signin"))
        }
        Err(ServiceError::Invalid(errors)) => {
            let layout = Layout::new(&session, &state.settings, None, "Set up Liaison", "setup");
            let page = SetupPage {
                layout,
                action: format!("/setup/{token}"),
                email: email.chars().take(254).collect(),
                name: name.chars().take(110).collect(),
                errors: FormErrors(errors),
            };
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY).map(no_referrer)
        }
        Err(e) => Err(e.into()),
    }
}
