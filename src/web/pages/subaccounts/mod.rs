//! The sub-account tree of an account: breadcrumbs, one level at a time (50 a page, search by the
//! start of the name), Expand loading a child's level under its row with htmx (a plain link to
//! the child's tree page without JavaScript), Create sub-account, Rename, and Delete of an empty
//! sub-account after a confirmation page.

use super::tenant_tabs::{self, Tab, TenantTabs, tabbed_page};
use super::{FormErrors, see_other};
use crate::authz;
use crate::domain::permission::Permission;
use crate::services::ServiceError;
use crate::services::subaccounts;
use crate::services::tenants::{self, Tenant};
use crate::services::users::User;
use crate::web::extract::{CurrentUser, is_htmx};
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState, csrf};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

mod delete;
mod level;

pub use delete::{delete, delete_confirm};
use level::{ChildView, Level, level, level_url};

/// Breadcrumbs longer than this show the first and last few, with a gap between.
const CRUMBS_SHOWN: usize = 8;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/accounts/{tenant_id}/sub-accounts")
            .route(web::get().to(tree))
            .route(web::post().to(create)),
    )
    .service(web::resource("/accounts/{tenant_id}/rename").route(web::post().to(rename)))
    .service(
        web::resource("/accounts/{tenant_id}/delete")
            .route(web::get().to(delete_confirm))
            .route(web::post().to(delete)),
    );
}

fn tree_url(tenant_id: &str) -> String {
    format!("/accounts/{tenant_id}/sub-accounts")
}

/// A breadcrumb: a link to an ancestor's tree page, or a gap in a long trail.
pub struct Crumb {
    pub id: Option<String>,
    pub name: String,
}

fn crumbs(ancestors: Vec<Tenant>) -> Vec<Crumb> {
    let n = ancestors.len();
    let mut out = Vec::new();
    for (i, t) in ancestors.into_iter().enumerate() {
        if n > CRUMBS_SHOWN && i >= 2 && i < n - (CRUMBS_SHOWN - 2) {
            if i == 2 {
                out.push(Crumb {
                    id: None,
                    name: format!("… {} more", n - CRUMBS_SHOWN),
                });
            }
            continue;
        }
        out.push(Crumb {
            id: Some(t.id),
            name: t.name,
        });
    }
    out
}

/// The Create and Rename forms as the user left them.
#[derive(Default)]
pub struct Forms {
    pub create_name: String,
    pub create_errors: FormErrors,
    pub rename_name: Option<String>,
    pub rename_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "pages/subaccounts/tree.html", blocks = ["tab"])]
struct TreePage {
    layout: Layout,
    tabs: TenantTabs,
    tenant: Tenant,
    crumbs: Vec<Crumb>,
    level: Level,
    q: String,
    first_link: Option<String>,
    can_create: bool,
    can_manage: bool,
    forms: Forms,
}
tabbed_page!(TreePage);

#[derive(Template)]
#[template(path = "pages/subaccounts/_items.html")]
struct ItemsFragment {
    level: Level,
}

#[derive(Template)]
#[template(path = "pages/subaccounts/_create.html")]
struct CreateFragment {
    tenant_id: String,
    csrf: String,
    forms: Forms,
    /// The new row, inserted at the top of the level out of band, and the feedback.
    added: Option<ChildView>,
    message: String,
}

fn fragment(page: &impl Template, status: StatusCode) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Vary", "HX-Request"))
        .body(page.render()?))
}

fn wants_fragment(req: &HttpRequest) -> bool {
    is_htmx(req) && !req.headers().contains_key("HX-History-Restore-Request")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TreeQuery {
    q: String,
    after: String,
    fragment: String,
}

fn bounded(s: &str, n: usize) -> String {
    s.trim().chars().take(n).collect()
}

/// Renders the whole tree page, with the forms as given (after a refused create or rename).
#[allow(clippy::too_many_arguments)]
async fn tree_page(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    user: User,
    tenant_id: String,
    q: String,
    after: Option<String>,
    forms: Forms,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let u = user.clone();
    let (tid, query) = (tenant_id.clone(), q.clone());
    let first_link = after
        .is_some()
        .then(|| level_url(&tenant_id, &q, None, false));
    let (tenant, ancestors, level, can_create, can_manage, tabs) = state
        .db(move |c| {
            let access = authz::require(c, &u.id, &tid, Permission::TenantView)?;
            let tenant = tenants::find(c, &tid)?.ok_or(ServiceError::NotFound)?;
            let ancestors = subaccounts::breadcrumbs(c, &u, &tid)?;
            let level = level(c, &u, &tid, &query, after.as_deref())?;
            Ok((
                tenant,
                ancestors,
                level,
                access.allows(Permission::SubtenantsCreate),
                access.allows(Permission::TenantManage),
                TenantTabs::of(&access, Tab::SubAccounts),
            ))
        })
        .await?;
    let title = format!("Sub-accounts · {}", tenant.name);
    let layout = Layout::new(session, &state.settings, Some(&user), title, "accounts");
    let page = TreePage {
        layout,
        tabs,
        crumbs: crumbs(ancestors),
        first_link,
        level,
        q,
        can_create,
        can_manage,
        forms,
        tenant,
    };
    tenant_tabs::respond(req, &page, status)
}

pub async fn tree(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<TreeQuery>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let query = query.into_inner();
    let q = bounded(&query.q, 100);
    let after = Some(bounded(&query.after, 200)).filter(|a| !a.is_empty());
    if query.fragment == "children" && wants_fragment(&req) {
        let level = state
            .db(move |c| level(c, &user, &tenant_id, &q, after.as_deref()))
            .await?;
        return fragment(&ItemsFragment { level }, StatusCode::OK);
    }
    let forms = Forms::default();
    tree_page(
        &req,
        &state,
        &session,
        user,
        tenant_id,
        q,
        after,
        forms,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NameForm {
    name: String,
}

/// The status and field errors of a refused create or rename; other errors pass through.
fn refused(e: ServiceError) -> Result<(StatusCode, FormErrors), AppError> {
    match e {
        ServiceError::Invalid(errors) => Ok((StatusCode::UNPROCESSABLE_ENTITY, FormErrors(errors))),
        ServiceError::Conflict(message) => Ok((
            StatusCode::CONFLICT,
            FormErrors(vec![crate::domain::FieldError::new("name", message)]),
        )),
        e => Err(e.into()),
    }
}

pub async fn create(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let name = form.into_inner().name;
    let (u, tid, n) = (user.clone(), tenant_id.clone(), name.clone());
    let result = state
        .try_db(move |c| subaccounts::create_sub_account(c, &u, &tid, &n))
        .await?;
    match result {
        Ok(created) => {
            let message = format!("Sub-account {} created.", created.name);
            if wants_fragment(&req) {
                let page = CreateFragment {
                    tenant_id,
                    csrf: csrf::token(&session),
                    forms: Forms::default(),
                    added: Some(ChildView {
                        id: created.id,
                        name: created.name,
                        account_number: created.account_number,
                        has_children: false,
                    }),
                    message,
                };
                return fragment(&page, StatusCode::OK);
            }
            flash(&session, "success", message);
            Ok(see_other(&tree_url(&tenant_id)))
        }
        Err(e) => {
            let (status, errors) = refused(e)?;
            let forms = Forms {
                create_name: name.chars().take(200).collect(),
                create_errors: errors,
                ..Forms::default()
            };
            if wants_fragment(&req) {
                let page = CreateFragment {
                    tenant_id,
                    csrf: csrf::token(&session),
                    forms,
                    added: None,
                    message: String::new(),
                };
                // htmx swaps 422 answers only: the form shows the message next to the field.
                return fragment(&page, StatusCode::UNPROCESSABLE_ENTITY);
            }
            let q = String::new();
            tree_page(
                &req, &state, &session, user, tenant_id, q, None, forms, status,
            )
            .await
        }
    }
}

pub async fn rename(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let name = form.into_inner().name;
    let (u, tid, n) = (user.clone(), tenant_id.clone(), name.clone());
    let result = state
        .try_db(move |c| subaccounts::rename(c, &u, &tid, &n))
        .await?;
    match result {
        Ok(renamed) => {
            flash(
                &session,
                "success",
                format!("The account is now named {}.", renamed.name),
            );
            Ok(see_other(&tree_url(&tenant_id)))
        }
        Err(e) => {
            let (status, errors) = refused(e)?;
            let forms = Forms {
                rename_name: Some(name.chars().take(200).collect()),
                rename_errors: errors,
                ..Forms::default()
            };
            let q = String::new();
            tree_page(
                &req, &state, &session, user, tenant_id, q, None, forms, status,
            )
            .await
        }
    }
}
