//! The invitation to a role that a person opens from the email: what the role allows, then sign
//! in or create the account, and Accept. Opening it changes nothing; the token is spent by the
//! POST. The token is in the URL: these pages send `Referrer-Policy: no-referrer` and the request
//! log masks it.

use super::invitations::NOT_VALID;
use super::invitee::{self, Invitee, Registration, no_referrer, signed_in};
use super::{FormErrors, render_status, when};
use crate::services::ServiceError;
use crate::services::role_invitations::{self, Accepted, OpenInvitation};
use crate::services::users::User;
use crate::web::extract::load_user;
use crate::web::layout::Layout;
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/role-invitations/{token}").route(web::get().to(show)))
        .service(
            web::resource("/role-invitations/{token}/register").route(web::post().to(register)),
        )
        .service(web::resource("/role-invitations/{token}/accept").route(web::post().to(accept)));
}

fn path_of(token: &str) -> String {
    format!("/role-invitations/{token}")
}

fn not_valid() -> HttpResponse {
    no_referrer(AppError::status(StatusCode::NOT_FOUND, NOT_VALID).error_response())
}

/// The fields of the account form, kept to fill it again after an error.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AccountForm {
    name: String,
    password: String,
    confirm_password: String,
}

#[derive(Template)]
#[template(path = "pages/role_invitations/show.html")]
struct ShowPage {
    layout: Layout,
    invitee: Invitee,
    inv: OpenInvitation,
    expires: String,
    closed: Option<&'static str>,
    signed_in_as: Option<String>,
    is_invitee: bool,
    error: Option<String>,
    errors: FormErrors,
    form: AccountForm,
}

/// The invitation page for `user` (or the "not valid" page), with what went wrong last.
async fn page(
    state: &AppState,
    session: &Session,
    user: Option<User>,
    token: String,
    refusal: Option<ServiceError>,
    mut form: AccountForm,
) -> Result<HttpResponse, AppError> {
    let (status, error, errors) = match refusal {
        None => (StatusCode::OK, None, Vec::new()),
        Some(ServiceError::NotFound) => return Ok(not_valid()),
        Some(ServiceError::Conflict(message)) => (StatusCode::CONFLICT, Some(message), Vec::new()),
        Some(ServiceError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, None, errors),
        Some(other) => return Err(other.into()),
    };
    let t = token.clone();
    let found = state
        .try_db(move |c| role_invitations::invitation(c, &t))
        .await?;
    let inv = match found {
        Ok(inv) => inv,
        Err(ServiceError::NotFound) => return Ok(not_valid()),
        Err(e) => return Err(e.into()),
    };
    let title = format!("Invitation to {}", inv.tenant);
    let layout = Layout::new(session, &state.settings, user.as_ref(), title, "invitation");
    form.password.clear();
    form.confirm_password.clear();
    form.name = form.name.chars().take(110).collect();
    let page = ShowPage {
        layout,
        invitee: Invitee {
            email: inv.invitation.email.clone(),
            path: path_of(&token),
        },
        expires: when(&inv.invitation.expires_at),
        closed: inv.closed_because(),
        signed_in_as: user.as_ref().map(|u| u.email.clone()),
        is_invitee: user.as_ref().is_some_and(|u| inv.is_for(u)),
        inv,
        error,
        errors: FormErrors(errors),
        form,
    };
    render_status(&page, status).map(no_referrer)
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user = load_user(&req, &session).await?;
    page(
        &state,
        &session,
        user,
        token.into_inner(),
        None,
        AccountForm::default(),
    )
    .await
}

/// Creates the invited person's account (with the invited address) and signs them in.
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let form = form.into_inner();
    let registration = Registration {
        name: form.name.clone(),
        password: form.password.clone(),
        confirm_password: form.confirm_password.clone(),
    };
    let t = token.clone();
    let done = invitee::register(
        &req,
        &state,
        &session,
        &path_of(&token),
        registration,
        move |c| {
            let inv = role_invitations::invitation(c, &t)?;
            if let Some(why) = inv.closed_because() {
                return Err(ServiceError::Conflict(why.into()));
            }
            Ok(inv.invitation.email)
        },
    )
    .await?;
    match done {
        Ok(res) => Ok(res),
        Err(e) => page(&state, &session, None, token, Some(e), form).await,
    }
}

#[derive(Template)]
#[template(path = "pages/role_invitations/accepted.html")]
struct AcceptedPage {
    layout: Layout,
    a: Accepted,
}

pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let user = match signed_in(&req, &session, &path_of(&token)).await? {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect),
    };
    let (u, t) = (user.clone(), token.clone());
    let result = state
        .try_blocking(move |s| role_invitations::accept(&mut *s.pool.get()?, &s.settings, &u, &t))
        .await?;
    match result {
        Ok(a) => {
            let layout = Layout::new(
                &session,
                &state.settings,
                Some(&user),
                "Invitation accepted",
                "invitation",
            );
            render_status(&AcceptedPage { layout, a }, StatusCode::OK).map(no_referrer)
        }
        Err(e) => {
            page(
                &state,
                &session,
                Some(user),
                token,
                Some(e),
                AccountForm::default(),
            )
            .await
        }
    }
}
