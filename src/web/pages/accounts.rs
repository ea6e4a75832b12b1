//! A tenant's overview page, and the way back from a customer tenant to the partner.

use super::see_other;
use super::tenant_tabs::{self, Tab, TenantTabs, tabbed_page};
use crate::authz;
use crate::domain::permission::Permission;
use crate::services::links;
use crate::services::tenants::{self, Tenant};
use crate::services::{ServiceError, ServiceResult};
use crate::web::extract::{CurrentUser, client_ip};
use crate::web::layout::{self, Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// How many sub-accounts the overview lists.
const CHILDREN: i64 = 50;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/accounts/{tenant_id}").route(web::get().to(overview)))
        .service(web::resource("/acting/leave").route(web::post().to(leave)));
}

#[derive(Template)]
#[template(path = "pages/accounts/overview.html", blocks = ["tab"])]
struct OverviewPage {
    layout: Layout,
    tabs: TenantTabs,
    o: Overview,
}
tabbed_page!(OverviewPage);

struct Overview {
    tenant: Tenant,
    parent: Option<Tenant>,
    children: Vec<Tenant>,
    more_children: bool,
    /// The connected partner's name and access level.
    partner: Option<(String, String)>,
    /// Why the user may see this account, one line per path.
    why: Vec<String>,
    customers: bool,
    /// Those who may invite through their own roles may also ask "why" for other users.
    users: bool,
    manages_roles: bool,
    /// Accounts shared with us: for those who see the account through their own roles.
    shared_with_us: bool,
}

/// Allowed, or not; only real failures are errors.
fn allowed<T>(result: ServiceResult<T>) -> ServiceResult<bool> {
    match result {
        Ok(_) => Ok(true),
        Err(ServiceError::NotFound | ServiceError::Forbidden) => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn overview(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let u = user.clone();
    let (o, tabs) = state
        .read(move |c| {
            // A tenant the user cannot see at all is NotFound: its id reveals nothing.
            let access = authz::require(c, &u.id, &tenant_id, Permission::TenantView)?;
            let tenant = tenants::find(c, &tenant_id)?.ok_or(ServiceError::NotFound)?;
            let parent = match &tenant.parent_id {
                Some(p) => tenants::find(c, p)?,
                None => None,
            };
            let mut children = tenants::children(c, &tenant_id, CHILDREN + 1)?;
            let more_children = children.len() as i64 > CHILDREN;
            children.truncate(CHILDREN as usize);
            let partner = tenants::connected_partner(c, &tenant_id)?;
            let customers = tenant.is_partner
                && allowed(links::partner_access(
                    c,
                    &u,
                    &tenant_id,
                    Permission::CustomersView,
                ))?;
            let tabs = TenantTabs::of(&access, Tab::Overview);
            let o = Overview {
                parent,
                children,
                more_children,
                partner,
                why: access.explain(Permission::TenantView),
                customers,
                users: access.own().allows(Permission::UsersInvite),
                manages_roles: access.own().is_owner(),
                shared_with_us: access.own().allows(Permission::TenantView),
                tenant,
            };
            Ok((o, tabs))
        })
        .await?;
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        o.tenant.name.clone(),
        "accounts",
    );
    let page = OverviewPage { layout, tabs, o };
    tenant_tabs::respond(&req, &page, StatusCode::OK)
}

/// Return to the partner: audited, with a new session id, and the banner gone.
pub async fn leave(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    // The extractor has already dropped a context whose link ended.
    let Some(acting) = layout::acting(&session) else {
        return Ok(see_other("/"));
    };
    let ip = client_ip(&req, &state.settings);
    let entered = acting.clone();
    state
        .db(move |c| links::leave(c, &user, &entered, ip))
        .await?;
    layout::renew_session(&session)?;
    layout::set_acting(&session, None);
    flash(
        &session,
        "success",
        format!("You are back in {}.", acting.partner),
    );
    Ok(see_other(&format!(
        "/accounts/{}/customers",
        acting.partner_id
    )))
}
