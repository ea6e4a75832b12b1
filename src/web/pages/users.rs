//! "Users & roles" of a tenant: invite by email to a role, the invitations (Pending / Accepted,
//! Resend, Revoke), and the people with access through a role, including ancestors' roles that
//! apply here, each with Revoke behind a confirmation page. The rules live in
//! services::role_invitations and services::memberships.

use super::tenant_tabs::{self, Tab, TenantTabs, tabbed_page};
use super::{FormErrors, render, see_other, when};
use crate::db::AnyConnection;
use crate::domain::FieldError;
use crate::services::memberships::{self, PathPage, PathRow};
use crate::services::role_invitations::{
    self, InvitationPage, InvitationRow, InvitationStatus, RoleChoice,
};
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/accounts/{tenant}/users").route(web::get().to(show)))
        .service(
            web::resource("/accounts/{tenant}/users/invitations").route(web::post().to(invite)),
        )
        .service(
            web::resource("/accounts/{tenant}/users/invitations/{invitation}/resend")
                .route(web::post().to(resend)),
        )
        .service(
            web::resource("/accounts/{tenant}/users/invitations/{invitation}/revoke")
                .route(web::post().to(revoke_invitation)),
        )
        .service(
            web::resource("/accounts/{tenant}/users/memberships/{membership}/revoke")
                .route(web::get().to(revoke_membership_form))
                .route(web::post().to(revoke_membership)),
        );
}

fn page_of(tenant_id: &str) -> String {
    format!("/accounts/{tenant_id}/users")
}

/// A cursor from the query string: trimmed, bounded, or none.
fn cursor(raw: &str) -> Option<String> {
    Some(raw.trim().chars().take(64).collect::<String>()).filter(|c| !c.is_empty())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    tab: String,
    /// Invitations older than this id.
    before: String,
    /// People after this membership id.
    after: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    role: String,
}

struct Data {
    tenant_id: String,
    tenant_name: String,
    roles: Vec<RoleChoice>,
    tab: InvitationStatus,
    invitations: InvitationPage,
    people: PathPage,
    /// Where the first page of each list is, when this is a later one.
    later_invitations: bool,
    later_people: bool,
}

#[derive(Template)]
#[template(path = "pages/users/show.html", blocks = ["tab"])]
struct ShowPage {
    layout: Layout,
    tabs: TenantTabs,
    d: Data,
    form: InviteForm,
    errors: FormErrors,
    /// The pending invitation the form's address already has (offer Resend).
    pending: Option<String>,
}
tabbed_page!(ShowPage);

impl ShowPage {
    fn when(&self, t: &chrono::NaiveDateTime) -> String {
        when(t)
    }
    fn status_of(&self, row: &InvitationRow) -> &'static str {
        row.invitation.status().label()
    }
    fn tab_is(&self, tab: &str) -> bool {
        self.d.tab.as_str() == tab
    }
}

fn load(
    c: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    query: &ListQuery,
) -> ServiceResult<Data> {
    let access = role_invitations::inviter_access(c, user, tenant_id)?;
    let roles = role_invitations::assignable_roles(c, user, tenant_id)?;
    let tab = InvitationStatus::parse_tab(&query.tab).unwrap_or(InvitationStatus::Pending);
    let before = cursor(&query.before);
    let after = cursor(&query.after);
    let invitations = role_invitations::list(c, user, tenant_id, tab, before.as_deref())?;
    let people = memberships::access_paths_of(c, user, tenant_id, after.as_deref())?;
    Ok(Data {
        tenant_id: tenant_id.to_string(),
        tenant_name: access.tenant_name,
        roles,
        tab,
        invitations,
        people,
        later_invitations: before.is_some(),
        later_people: after.is_some(),
    })
}

/// The page, with the Invite form as typed and its errors.
async fn page(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    user: User,
    tenant_id: String,
    query: ListQuery,
    (form, errors): (InviteForm, Vec<FieldError>),
) -> Result<HttpResponse, AppError> {
    let (u, f) = (user.clone(), form.clone());
    let (d, pending, tabs) = state
        .db(move |c| {
            let d = load(c, &u, &tenant_id, &query)?;
            let pending = if f.email.is_empty() {
                None
            } else {
                role_invitations::pending_to(c, &tenant_id, &f.email, &f.role)?
            };
            let tabs = tenant_tabs::load(c, &u, &tenant_id, Tab::Users)?;
            Ok((d, pending, tabs))
        })
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = format!("Users & roles · {}", d.tenant_name);
    let layout = Layout::new(session, &state.settings, Some(&user), title, "accounts");
    let form = InviteForm {
        email: form.email.chars().take(260).collect(),
        role: form.role.chars().take(64).collect(),
    };
    let page = ShowPage {
        layout,
        tabs,
        d,
        form,
        errors: FormErrors(errors),
        pending,
    };
    tenant_tabs::respond(req, &page, status)
}

pub async fn show(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    page(
        &req,
        &state,
        &session,
        user,
        path.into_inner(),
        q,
        (InviteForm::default(), vec![]),
    )
    .await
}

pub async fn invite(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let form = form.into_inner();
    let (u, tid, f) = (user.clone(), tenant_id.clone(), form.clone());
    let result = state
        .try_blocking(move |s| {
            role_invitations::invite(
                &mut *s.pool.get()?,
                &s.settings,
                &u,
                &tid,
                &f.email,
                &f.role,
            )
        })
        .await?;
    match result {
        Ok(row) => {
            flash(
                &session,
                "success",
                format!(
                    "Invitation sent to {} as {}. The link works until {}.",
                    row.invitation.email,
                    row.role,
                    when(&row.invitation.expires_at)
                ),
            );
            Ok(see_other(&page_of(&tenant_id)))
        }
        Err(ServiceError::Invalid(errors)) => {
            let query = ListQuery::default();
            page(
                &req,
                &state,
                &session,
                user,
                tenant_id,
                query,
                (form, errors),
            )
            .await
        }
        Err(ServiceError::Forbidden) => Err(AppError::status(
            StatusCode::FORBIDDEN,
            role_invitations::refusal_message(&user, &form.email),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Back to the page with what happened; a clash is said there too.
fn done(
    session: &Session,
    tenant_id: &str,
    result: ServiceResult<String>,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(text) => flash(session, "success", text),
        Err(ServiceError::Conflict(message)) => flash(session, "error", message),
        Err(ServiceError::Forbidden) => {
            return Err(AppError::status(
                StatusCode::FORBIDDEN,
                "You can only manage roles whose permissions you hold yourself.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&page_of(tenant_id)))
}

pub async fn resend(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, id) = path.into_inner();
    let tid = tenant_id.clone();
    let result = state
        .try_blocking(move |s| {
            role_invitations::resend(&mut *s.pool.get()?, &s.settings, &user, &tid, &id)
        })
        .await?;
    let result = result.map(|row| {
        format!(
            "A new invitation was sent to {}. The previous link no longer works.",
            row.invitation.email
        )
    });
    done(&session, &tenant_id, result)
}

pub async fn revoke_invitation(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, id) = path.into_inner();
    let tid = tenant_id.clone();
    let result = state
        .db(move |c| Ok(role_invitations::revoke(c, &user, &tid, &id)))
        .await?;
    let result = result.map(|row| {
        format!(
            "The invitation of {} was revoked: its link no longer works.",
            row.invitation.email
        )
    });
    done(&session, &tenant_id, result)
}

#[derive(Template)]
#[template(path = "pages/users/revoke.html")]
struct RevokePage {
    layout: Layout,
    tenant_id: String,
    row: PathRow,
}

pub async fn revoke_membership_form(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, membership_id) = path.into_inner();
    let (u, tid) = (user.clone(), tenant_id.clone());
    let row = state
        .db(move |c| memberships::path_of(c, &u, &tid, &membership_id))
        .await?;
    if !row.can_revoke {
        return Err(AppError::status(
            StatusCode::FORBIDDEN,
            "You can only revoke roles whose permissions you hold yourself where they are defined.",
        ));
    }
    let title = format!("Revoke {} of {}", row.path.role, row.path.email);
    let layout = Layout::new(&session, &state.settings, Some(&user), title, "accounts");
    render(&RevokePage {
        layout,
        tenant_id,
        row,
    })
}

pub async fn revoke_membership(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, membership_id) = path.into_inner();
    let (u, tid) = (user.clone(), tenant_id.clone());
    let result = state
        .try_blocking(move |s| {
            memberships::revoke(&mut *s.pool.get()?, &s.settings, &u, &tid, &membership_id)
        })
        .await?;
    match result {
        // Someone who took away their own way in goes to the start page.
        Ok(path) if path.user_id == user.id => {
            flash(
                &session,
                "success",
                format!(
                    "You no longer have the role {} in {}.",
                    path.role, path.defined_at
                ),
            );
            Ok(see_other("/"))
        }
        other => done(
            &session,
            &tenant_id,
            other.map(|path| {
                format!(
                    "{} no longer has the role {} in {}. They have been told by email.",
                    path.email, path.role, path.defined_at
                )
            }),
        ),
    }
}
