//! A customer tenant's Partner access page (who may work here, at which level, since when;
//! invitations waiting for the viewer; Remove access).

use super::tenant_tabs::{self, Tab, TenantTabs, tabbed_page};
use super::{FormErrors, render_status, see_other, when};
use crate::services::links::{self, AcceptInto, InvitationKey, LinkRow, PartnerAccess};
use crate::services::tenants::{self, Tenant};
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
    cfg.service(web::resource("/accounts/{tenant}/partner-access").route(web::get().to(show)))
        .service(
            web::resource("/accounts/{tenant}/partner-access/invitations/{link}/accept")
                .route(web::post().to(accept)),
        )
        .service(
            web::resource("/accounts/{tenant}/partner-access/invitations/{link}/decline")
                .route(web::post().to(decline)),
        )
        .service(
            web::resource("/accounts/{tenant}/partner-access/{link}/remove")
                .route(web::get().to(remove_form))
                .route(web::post().to(remove)),
        );
}

fn page_of(tenant_id: &str) -> String {
    format!("/accounts/{tenant_id}/partner-access")
}

/// The page's data, for the tenant's own admins only (another tenant is a 404).
fn load(
    c: &mut crate::db::AnyConnection,
    user: &crate::services::users::User,
    tenant_id: &str,
) -> ServiceResult<(Tenant, PartnerAccess)> {
    let access = links::partner_access_of(c, user, tenant_id)?;
    let tenant = tenants::find(c, tenant_id)?.ok_or(ServiceError::NotFound)?;
    Ok((tenant, access))
}

#[derive(Template)]
#[template(path = "pages/partner_access/show.html", blocks = ["tab"])]
struct ShowPage {
    layout: Layout,
    tabs: TenantTabs,
    tenant: Tenant,
    access: PartnerAccess,
}
tabbed_page!(ShowPage);

impl ShowPage {
    fn when(&self, t: impl std::borrow::Borrow<Option<chrono::NaiveDateTime>>) -> String {
        t.borrow().as_ref().map(when).unwrap_or_default()
    }
}

pub async fn show(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let u = user.clone();
    let (tenant, access, tabs) = state
        .db(move |c| {
            let (tenant, access) = load(c, &u, &tenant_id)?;
            let tabs = tenant_tabs::load(c, &u, &tenant_id, Tab::PartnerAccess)?;
            Ok((tenant, access, tabs))
        })
        .await?;
    let title = format!("Partner access · {}", tenant.name);
    let layout = Layout::new(&session, &state.settings, Some(&user), title, "accounts");
    let page = ShowPage {
        layout,
        tabs,
        tenant,
        access,
    };
    tenant_tabs::respond(&req, &page, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    reason: String,
}

/// Accepts an invitation addressed to the viewer into this tenant.
pub async fn accept(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, link_id) = path.into_inner();
    let (u, tid) = (user.clone(), tenant_id.clone());
    let result = state
        .try_blocking(move |s| {
            let c = &mut *s.pool.get()?;
            links::partner_access_of(c, &u, &tid)?;
            links::accept(
                c,
                &s.settings,
                &u,
                InvitationKey::Id(&link_id),
                AcceptInto::Existing(&tid),
            )
        })
        .await?;
    answered(
        &session,
        &tenant_id,
        result.map(|a| {
            format!(
                "You have accepted the request from {}: it can now work in {}.",
                a.partner, a.customer
            )
        }),
    )
}

pub async fn decline(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, link_id) = path.into_inner();
    let (u, tid, reason) = (user.clone(), tenant_id.clone(), form.into_inner().reason);
    let result = state
        .try_blocking(move |s| {
            let c = &mut *s.pool.get()?;
            links::partner_access_of(c, &u, &tid)?;
            links::decline(c, &s.settings, &u, InvitationKey::Id(&link_id), &reason)
        })
        .await?;
    answered(
        &session,
        &tenant_id,
        result.map(|i| format!("You have declined the request from {}.", i.row.partner)),
    )
}

/// Back to the Partner access page with what happened. A clash or bad input is said there too;
/// another tenant or another person's invitation is a 404.
fn answered(
    session: &Session,
    tenant_id: &str,
    result: ServiceResult<String>,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(done) => flash(session, "success", done),
        Err(ServiceError::Conflict(message)) => flash(session, "error", message),
        Err(ServiceError::Invalid(errors)) => {
            let text: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            flash(session, "error", text.join(" "));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&page_of(tenant_id)))
}

#[derive(Template)]
#[template(path = "pages/partner_access/remove.html")]
struct RemovePage {
    layout: Layout,
    tenant: Tenant,
    link: LinkRow,
    reason: String,
    errors: FormErrors,
}

/// The connected link `link_id` of the tenant, or NotFound.
fn connected(access: PartnerAccess, link_id: &str) -> ServiceResult<LinkRow> {
    access
        .connected
        .filter(|l| l.link.id == link_id)
        .ok_or(ServiceError::NotFound)
}

async fn remove_page(
    state: &AppState,
    session: &Session,
    user: crate::services::users::User,
    (tenant_id, link_id): (String, String),
    reason: String,
    errors: Vec<crate::domain::FieldError>,
) -> Result<HttpResponse, AppError> {
    let u = user.clone();
    let (tenant, link) = state
        .db(move |c| {
            let (tenant, access) = load(c, &u, &tenant_id)?;
            Ok((tenant, connected(access, &link_id)?))
        })
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = format!("Remove access of {}", link.partner);
    let layout = Layout::new(session, &state.settings, Some(&user), title, "accounts");
    let page = RemovePage {
        layout,
        tenant,
        link,
        reason: reason.chars().take(1010).collect(),
        errors: FormErrors(errors),
    };
    render_status(&page, status)
}

pub async fn remove_form(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    remove_page(
        &state,
        &session,
        user,
        path.into_inner(),
        String::new(),
        vec![],
    )
    .await
}

pub async fn remove(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, link_id) = path.into_inner();
    let reason = form.into_inner().reason;
    let (u, tid, lid, r) = (
        user.clone(),
        tenant_id.clone(),
        link_id.clone(),
        reason.clone(),
    );
    let result = state
        .try_blocking(move |s| {
            links::remove_partner(&mut *s.pool.get()?, &s.settings, &u, &tid, &lid, &r)
        })
        .await?;
    match result {
        Ok(ended) => {
            flash(
                &session,
                "success",
                format!(
                    "{} no longer has access to {}. They have been told by email.",
                    ended.partner,
                    ended.customer.unwrap_or_default()
                ),
            );
            Ok(see_other(&page_of(&tenant_id)))
        }
        Err(ServiceError::Invalid(errors)) => {
            remove_page(&state, &session, user, (tenant_id, link_id), reason, errors).await
        }
        Err(ServiceError::Conflict(message)) => {
            flash(&session, "error", message);
            Ok(see_other(&page_of(&tenant_id)))
        }
        Err(e) => Err(e.into()),
    }
}
