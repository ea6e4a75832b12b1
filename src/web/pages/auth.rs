//! Sign-in and sign-out.

use super::{local_path, render, render_status, see_other};
use crate::services::audit::{self, Event, actions};
use crate::services::sessions;
use crate::services::signin::{self, SigninOutcome};
use crate::services::users::User;
use crate::web::extract::{SIGNED_IN_AT, client_ip, load_user};
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState, csrf};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/auth/signin.html")]
struct SigninPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

pub async fn signin_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = local_path(query.next.as_deref());
    if load_user(&req, &session).await?.is_some() {
        return Ok(see_other(&next));
    }
    let layout = Layout::new(&session, &state.settings, None, "Sign in", "signin");
    let notice = query.signed_out.as_ref().map(|_| "You have signed out.");
    render(&SigninPage {
        layout,
        email: String::new(),
        next,
        error: None,
        notice,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SigninForm {
    email: String,
    password: String,
    next: String,
}

pub async fn signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<SigninForm>,
) -> Result<HttpResponse, AppError> {
    let SigninForm {
        email,
        password,
        next,
    } = form.into_inner();
    let next = local_path(Some(&next));
    let ip = client_ip(&req, &state.settings);
    let email_for_check = email.clone();
    let outcome = state
        .blocking(move |s| {
            signin::sign_in(
                &s.pool,
                &s.hasher,
                &s.settings.signin_throttle,
                &email_for_check,
                &password,
                ip,
            )
        })
        .await?;
    let (status, error) = match outcome {
        SigninOutcome::SignedIn(user) => {
            start_session(&session, &user)?;
            flash(&session, "success", format!("Signed in as {}.", user.email));
            return Ok(see_other(&next));
        }
        SigninOutcome::Rejected => (
            StatusCode::UNPROCESSABLE_ENTITY,
            signin::WRONG_CREDENTIALS.to_string(),
        ),
        SigninOutcome::Disabled => (StatusCode::FORBIDDEN, signin::DISABLED.to_string()),
        SigninOutcome::Throttled => (StatusCode::TOO_MANY_REQUESTS, signin::THROTTLED.to_string()),
        SigninOutcome::Incomplete(message) => {
            (StatusCode::UNPROCESSABLE_ENTITY, message.to_string())
        }
    };
    let layout = Layout::new(&session, &state.settings, None, "Sign in", "signin");
    let email: String = email.chars().take(254).collect();
    render_status(
        &SigninPage {
            layout,
            email,
            next,
            error: Some(error),
            notice: None,
        },
        status,
    )
}

/// Signs `user` in on this session: a fresh session id defeats session fixation, a fresh CSRF
/// token makes a token seen before sign-in worthless. Shared by every way of signing in.
pub fn start_session(session: &Session, user: &User) -> Result<(), AppError> {
    session.renew();
    session
        .insert(sessions::USER_KEY, &user.id)
        .map_err(|e| AppError::internal(e.into()))?;
    session
        .insert(SIGNED_IN_AT, chrono::Utc::now().timestamp())
        .map_err(|e| AppError::internal(e.into()))?;
    csrf::rotate(session);
    Ok(())
}

pub async fn signout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    if let Some(user) = load_user(&req, &session).await? {
        let ip = client_ip(&req, &state.settings);
        state
            .db(move |c| {
                audit::record(
                    c,
                    Event::new(actions::SIGNOUT)
                        .actor(Some(user.actor()))
                        .subject(user.email_key.clone())
                        .ip(ip),
                )
            })
            .await?;
    }
    // Purging deletes the session row: the old cookie is worthless from now on.
    session.purge();
    Ok(see_other("/signin?signed_out=1"))
}
