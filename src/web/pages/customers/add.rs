//! The Add dialog: a page of its own without JavaScript, a dialog with htmx. A new invitation
//! is inserted at the top of the table; errors re-render the form next to the fields, with a
//! Resend offer when the address already has a pending invitation.

use super::views::*;
use super::{base, fragment, rights, wants_fragment};
use crate::domain::permission::Permission;
use crate::services::ServiceError;
use crate::services::links::{self, Invite};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, flash};
use crate::web::pages::{FormErrors, render_status, see_other};
use crate::web::{AppError, AppState, csrf};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddForm {
    email: String,
    access_level: String,
    message: String,
    ends_at: String,
}

/// Renders the Add form: a page of its own, or a dialog for htmx.
fn form_response(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    user: &crate::services::users::User,
    partner: String,
    mut f: Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    if wants_fragment(req) {
        f.dialog = true;
        return fragment(&DialogFragment { partner, f }, status);
    }
    let layout = Layout::new(
        session,
        &state.settings,
        Some(user),
        "Add new account",
        "customers",
    );
    render_status(&NewPage { layout, partner, f }, status)
}

pub async fn new_form(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let (u, t) = (user.clone(), tenant_id.clone());
    let (partner, levels) = state
        .db(move |c| {
            let access = links::partner_access(c, &u, &t, Permission::CustomersManage)?;
            Ok((access.tenant_name, links::access_levels(c, &t)?))
        })
        .await?;
    let f = Form {
        tenant_id,
        csrf: csrf::token(&session),
        email: String::new(),
        access_level: String::new(),
        message: String::new(),
        ends_at: String::new(),
        levels,
        errors: FormErrors::default(),
        pending_link: None,
        dialog: false,
    };
    form_response(&req, &state, &session, &user, partner, f, StatusCode::OK)
}

enum Added {
    Sent(Box<(Ctx, links::LinkRow)>),
    Rejected {
        partner: String,
        errors: Vec<crate::domain::FieldError>,
        pending: Option<String>,
        levels: Vec<links::AccessLevel>,
    },
}

pub async fn create(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let form = form.into_inner();
    let (u, t, settings) = (user.clone(), tenant_id.clone(), state.settings.clone());
    let (email, level, message, ends_at) = (
        form.email.clone(),
        form.access_level.clone(),
        form.message.clone(),
        form.ends_at.clone(),
    );
    let token = csrf::token(&session);
    let outcome = state
        .db(move |c| {
            let (ctx, access) = rights(c, &u, &t, token)?;
            let partner = access.tenant_name;
            let input = Invite {
                email: &email,
                access_level: &level,
                message: &message,
            };
            match links::invite_until(c, &settings, &u, &t, input, &ends_at) {
                Ok(row) => Ok(Added::Sent(Box::new((ctx, row)))),
                Err(ServiceError::Invalid(errors)) => {
                    let pending = if errors.iter().any(|e| e.field == "email") {
                        links::pending_to(c, &t, &email)?
                    } else {
                        None
                    };
                    Ok(Added::Rejected {
                        partner,
                        errors,
                        pending,
                        levels: links::access_levels(c, &t)?,
                    })
                }
                Err(e) => Err(e),
            }
        })
        .await?;
    match outcome {
        Added::Sent(sent) => {
            let (ctx, row) = *sent;
            let message = format!("Invitation sent to {}.", row.link.email);
            if wants_fragment(&req) {
                let page = Changed {
                    ctx,
                    added: Some(row.into()),
                    replaced: None,
                    removed: None,
                    message,
                };
                return fragment(&page, StatusCode::OK);
            }
            flash(&session, "success", message);
            Ok(see_other(&base(&tenant_id)))
        }
        Added::Rejected {
            partner,
            errors,
            pending,
            levels,
        } => {
            let f = Form {
                tenant_id,
                csrf: csrf::token(&session),
                email: form.email.chars().take(320).collect(),
                access_level: form.access_level,
                message: form.message,
                ends_at: form.ends_at.chars().take(64).collect(),
                levels,
                errors: FormErrors(errors),
                pending_link: pending,
                dialog: false,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            form_response(&req, &state, &session, &user, partner, f, status)
        }
    }
}
