//! What every emailed invitation page shares (partner links and role invitations): the token is
//! in the URL, so no Referer leaves the page; a person who is not signed in signs in or creates
//! the account with the invited address fixed; someone signed in with another address is told
//! so. The templates are partials/invitee_account.html and partials/invitee_wrong_email.html.

use super::auth::start_session;
use crate::db::AnyConnection;
use crate::domain::FieldError;
use crate::domain::user::UserType;
use crate::services::audit::{self, Event, actions};
use crate::services::users::{self, NewUser, User};
use crate::services::{ServiceError, ServiceResult};
use crate::web::extract::{client_ip, load_user};
use crate::web::layout::flash;
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::header::{HeaderValue, LOCATION, REFERRER_POLICY};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

pub const ACCOUNT_EXISTS: &str = "An account with this email already exists. Sign in instead.";

/// What the shared partials show: the invited address and the invitation page's path.
pub struct Invitee {
    pub email: String,
    pub path: String,
}

/// The token is in the URL: keep it out of Referer headers.
pub fn no_referrer(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut()
        .insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

/// Back to the invitation page (303).
pub fn back_to(path: &str) -> HttpResponse {
    no_referrer(
        HttpResponse::SeeOther()
            .insert_header((LOCATION, path.to_string()))
            .finish(),
    )
}

/// The fields of the "Create your account" form.
#[derive(Debug, Default, Clone)]
pub struct Registration {
    pub name: String,
    pub password: String,
    pub confirm_password: String,
}

/// The signed-in user, or the way to sign in and come back to `path`.
pub async fn signed_in(
    req: &HttpRequest,
    session: &Session,
    path: &str,
) -> Result<Result<User, HttpResponse>, AppError> {
    Ok(match load_user(req, session).await? {
        Some(user) => Ok(user),
        None => Err(AppError::SignInRequired {
            next: path.to_string(),
        }
        .error_response()),
    })
}

/// Creates the invited person's account with the invited address and signs them in, then goes
/// back to the invitation at `path`. `invited_email` reads the invitation and refuses a closed
/// one. A refusal comes back for the page to show; someone already signed in just goes back.
pub async fn register<F>(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    path: &str,
    registration: Registration,
    invited_email: F,
) -> Result<Result<HttpResponse, ServiceError>, AppError>
where
    F: FnOnce(&mut AnyConnection) -> ServiceResult<String> + Send + 'static,
{
    if load_user(req, session).await?.is_some() {
        return Ok(Ok(back_to(path)));
    }
    let ip = client_ip(req, &state.settings);
    let created = state
        .try_blocking(move |s| {
            let email = invited_email(&mut *s.pool.get()?)?;
            create_invited_user(s, &email, &registration, ip)
        })
        .await?;
    Ok(match created {
        Ok(user) => {
            start_session(session, &user)?;
            flash(
                session,
                "success",
                format!(
                    "Your account was created and you are signed in as {}.",
                    user.email
                ),
            );
            Ok(back_to(path))
        }
        Err(e) => Err(e),
    })
}

fn create_invited_user(
    s: &AppState,
    email: &str,
    form: &Registration,
    ip: Option<String>,
) -> ServiceResult<User> {
    let mut conn = s.pool.get()?;
    if users::find_by_email(&mut conn, &email.to_lowercase())?.is_some() {
        return Err(ServiceError::Conflict(ACCOUNT_EXISTS.into()));
    }
    let input = NewUser {
        email,
        name: &form.name,
        password: &form.password,
        user_type: UserType::Full,
        is_staff: false,
    };
    if form.password != form.confirm_password {
        let mut errors = users::validate(&input).err().unwrap_or_default();
        if !errors.iter().any(|e| e.field == "password") {
            errors.push(FieldError::new(
                "confirm_password",
                "The two passwords do not match.",
            ));
        }
        return Err(ServiceError::Invalid(errors));
    }
    let user = match users::create(&mut conn, &s.hasher, input, None) {
        // Created meanwhile by another request.
        Err(ServiceError::Invalid(errors)) if errors.iter().any(|e| e.field == "email") => {
            return Err(ServiceError::Conflict(ACCOUNT_EXISTS.into()));
        }
        other => other?,
    };
    audit::record(
        &mut conn,
        Event::new(actions::SIGNIN_SUCCEEDED)
            .actor(Some(user.actor()))
            .subject(user.email_key.clone())
            .detail("after creating the account from an invitation")
            .ip(ip),
    )?;
    Ok(user)
}
