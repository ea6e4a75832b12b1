//! The invitation a customer opens from the email: what the partner asks for, then create an
//! account or sign in, and accept into one of their accounts or decline. Opening it changes
//! nothing; the token is spent by the POSTs. The token is in the URL, so these pages send
//! `Referrer-Policy: no-referrer` and the request log masks it.

use super::invitee::{self, Invitee, Registration, no_referrer, signed_in};
use super::{FormErrors, render_status};
use crate::services::ServiceError;
use crate::services::links::{self, ALREADY_LINKED, AcceptInto, Invitation, InvitationKey};
use crate::services::tenants::{self, Tenant};
use crate::services::users::User;
use crate::web::extract::load_user;
use crate::web::layout::Layout;
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use serde::Deserialize;

/// How many of the user's accounts the tenant choice offers.
const MAX_TENANT_CHOICES: i64 = 100;

/// Shown for an unknown, replaced or cancelled token.
pub const NOT_VALID: &str = "This invitation link is not valid. It may have been replaced by a \
    newer invitation: check your email for the latest one.";

pub use invitee::ACCOUNT_EXISTS;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/invitations/{token}").route(web::get().to(show)))
        .service(web::resource("/invitations/{token}/register").route(web::post().to(register)))
        .service(web::resource("/invitations/{token}/accept").route(web::post().to(accept)))
        .service(web::resource("/invitations/{token}/decline").route(web::post().to(decline)));
}

fn not_valid() -> HttpResponse {
    no_referrer(AppError::status(StatusCode::NOT_FOUND, NOT_VALID).error_response())
}

#[derive(Template)]
#[template(path = "pages/invitations/show.html")]
struct InvitationPage {
    layout: Layout,
    token: String,
    invitee: Invitee,
    inv: Invitation,
    expires: String,
    closed: Option<&'static str>,
    /// The signed-in user's address, if any.
    signed_in_as: Option<String>,
    is_invitee: bool,
    tenants: Vec<Tenant>,
    /// What went wrong with the last answer (a clash with the current state), in words.
    error: Option<String>,
    /// When the chosen account already has a partner: where to remove it first.
    already_linked: Option<String>,
    errors: FormErrors,
    form: Answer,
}

/// Every field the forms of the page post, kept to fill them again after an error.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Answer {
    name: String,
    password: String,
    confirm_password: String,
    tenant: String,
    new_name: String,
    reason: String,
}

/// What a re-rendered page adds to the invitation.
#[derive(Default)]
struct Outcome {
    status: Option<StatusCode>,
    error: Option<String>,
    already_linked: Option<String>,
    errors: Vec<crate::domain::FieldError>,
    form: Answer,
}

/// The invitation page for `user`, or the "not valid" page.
async fn page(
    state: &AppState,
    session: &Session,
    user: Option<User>,
    token: String,
    outcome: Outcome,
) -> Result<HttpResponse, AppError> {
    let t = token.clone();
    let viewer = user.clone();
    let found = state
        .try_db(move |c| {
            let inv = links::invitation(c, InvitationKey::Token(&t))?;
            let tenants = match &viewer {
                Some(u) if inv.is_for(u) && inv.closed_because().is_none() => {
                    tenants::administered_by(c, u, MAX_TENANT_CHOICES)?
                }
                _ => Vec::new(),
            };
            Ok((inv, tenants))
        })
        .await?;
    let (inv, tenants) = match found {
        Ok(found) => found,
        Err(ServiceError::NotFound) => return Ok(not_valid()),
        Err(e) => return Err(e.into()),
    };
    let title = format!("Invitation from {}", inv.row.partner);
    let layout = Layout::new(session, &state.settings, user.as_ref(), title, "invitation");
    let mut form = outcome.form;
    // Passwords are never sent back; long input is cut to what the fields accept.
    form.password.clear();
    form.confirm_password.clear();
    form.name = form.name.chars().take(110).collect();
    form.new_name = form.new_name.chars().take(110).collect();
    form.reason = form.reason.chars().take(1010).collect();
    let page = InvitationPage {
        layout,
        invitee: Invitee {
            email: inv.row.link.email.clone(),
            path: format!("/invitations/{token}"),
        },
        token,
        expires: inv
            .row
            .link
            .invitation_expires_at
            .as_ref()
            .map(super::when)
            .unwrap_or_default(),
        closed: inv.closed_because(),
        signed_in_as: user.as_ref().map(|u| u.email.clone()),
        is_invitee: user.as_ref().is_some_and(|u| inv.is_for(u)),
        inv,
        tenants,
        error: outcome.error,
        already_linked: outcome.already_linked,
        errors: FormErrors(outcome.errors),
        form,
    };
    render_status(&page, outcome.status.unwrap_or(StatusCode::OK)).map(no_referrer)
}

/// A failed answer shown on the invitation page: 409 for a clash, 422 for bad input.
async fn refused(
    state: &AppState,
    session: &Session,
    user: Option<User>,
    token: String,
    error: ServiceError,
    form: Answer,
) -> Result<HttpResponse, AppError> {
    let outcome = match error {
        ServiceError::NotFound => return Ok(not_valid()),
        ServiceError::Conflict(message) => Outcome {
            status: Some(StatusCode::CONFLICT),
            already_linked: (message == ALREADY_LINKED && form.tenant != "new")
                .then(|| form.tenant.clone()),
            error: Some(message),
            form,
            ..Outcome::default()
        },
        ServiceError::Invalid(errors) => Outcome {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            errors,
            form,
            ..Outcome::default()
        },
        other => return Err(other.into()),
    };
    page(state, session, user, token, outcome).await
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
        Outcome::default(),
    )
    .await
}

impl Answer {
    fn registration(&self) -> Registration {
        Registration {
            name: self.name.clone(),
            password: self.password.clone(),
            confirm_password: self.confirm_password.clone(),
        }
    }
}

/// Creates the invited person's account (with the invited address) and signs them in.
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
    form: web::Form<Answer>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let form = form.into_inner();
    let t = token.clone();
    let done = invitee::register(
        &req,
        &state,
        &session,
        &format!("/invitations/{token}"),
        form.registration(),
        move |c| {
            let inv = links::invitation(c, InvitationKey::Token(&t))?;
            if let Some(why) = inv.closed_because() {
                return Err(ServiceError::Conflict(why.into()));
            }
            Ok(inv.row.link.email)
        },
    )
    .await?;
    match done {
        Ok(res) => Ok(res),
        Err(e) => refused(&state, &session, None, token, e, form).await,
    }
}

#[derive(Template)]
#[template(path = "pages/invitations/answered.html")]
struct AnsweredPage {
    layout: Layout,
    partner: String,
    accepted: Option<links::Accepted>,
}

pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
    form: web::Form<Answer>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let user = match signed_in(&req, &session, &format!("/invitations/{token}")).await? {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect),
    };
    let form = form.into_inner();
    let (u, t, f) = (user.clone(), token.clone(), form.clone());
    let result = state
        .try_blocking(move |s| {
            let into = if f.tenant == "new" {
                AcceptInto::New(&f.new_name)
            } else {
                AcceptInto::Existing(&f.tenant)
            };
            links::accept(
                &mut *s.pool.get()?,
                &s.settings,
                &u,
                InvitationKey::Token(&t),
                into,
            )
        })
        .await?;
    match result {
        Ok(accepted) => {
            let layout = Layout::new(
                &session,
                &state.settings,
                Some(&user),
                "Invitation accepted",
                "invitation",
            );
            let page = AnsweredPage {
                layout,
                partner: accepted.partner.clone(),
                accepted: Some(accepted),
            };
            render_status(&page, StatusCode::OK).map(no_referrer)
        }
        Err(e) => refused(&state, &session, Some(user), token, e, form).await,
    }
}

pub async fn decline(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
    form: web::Form<Answer>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let user = match signed_in(&req, &session, &format!("/invitations/{token}")).await? {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect),
    };
    let form = form.into_inner();
    let (u, t, reason) = (user.clone(), token.clone(), form.reason.clone());
    let result = state
        .try_blocking(move |s| {
            links::decline(
                &mut *s.pool.get()?,
                &s.settings,
                &u,
                InvitationKey::Token(&t),
                &reason,
            )
        })
        .await?;
    match result {
        Ok(inv) => {
            let layout = Layout::new(
                &session,
                &state.settings,
                Some(&user),
                "Invitation declined",
                "invitation",
            );
            let page = AnsweredPage {
                layout,
                partner: inv.row.partner,
                accepted: None,
            };
            render_status(&page, StatusCode::OK).map(no_referrer)
        }
        Err(e) => refused(&state, &session, Some(user), token, e, form).await,
    }
}
