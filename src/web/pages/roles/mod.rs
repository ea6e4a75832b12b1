//! Roles of an account: the list (built-in roles read-only), and for Account owners the form to
//! create or change a custom role (grouped permissions, where it applies), and delete with a
//! confirmation page. The rules live in `services::roles`.

use super::{render, see_other};
use crate::domain::permission::Permission;
use crate::services::ServiceError;
use crate::services::roles::{self, Role};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

mod form;

use form::editable;
pub use form::{create, edit_form, new_form, update};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/accounts/{tenant_id}/roles")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/accounts/{tenant_id}/roles/new").route(web::get().to(new_form)))
    .service(
        web::resource("/accounts/{tenant_id}/roles/{role_id}")
            .route(web::get().to(edit_form))
            .route(web::post().to(update)),
    )
    .service(
        web::resource("/accounts/{tenant_id}/roles/{role_id}/delete")
            .route(web::get().to(delete_confirm))
            .route(web::post().to(delete)),
    );
}

fn list_url(tenant_id: &str) -> String {
    format!("/accounts/{tenant_id}/roles")
}

/// Permissions under their group headings, in catalogue order.
fn grouped<T>(items: impl Iterator<Item = (Permission, T)>) -> Vec<(&'static str, Vec<T>)> {
    let mut groups: Vec<(&'static str, Vec<T>)> = Vec::new();
    for (p, item) in items {
        match groups.iter_mut().find(|(g, _)| *g == p.group()) {
            Some((_, v)) => v.push(item),
            None => groups.push((p.group(), vec![item])),
        }
    }
    groups
}

pub struct RoleView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub scope: &'static str,
    pub builtin: bool,
    pub members: i64,
    pub groups: Vec<(&'static str, Vec<&'static str>)>,
}

impl From<Role> for RoleView {
    fn from(r: Role) -> Self {
        Self {
            groups: grouped(r.permissions.iter().map(|p| (*p, p.description()))),
            scope: r.applies_to.label(),
            builtin: r.is_builtin(),
            id: r.id,
            name: r.name,
            description: r.description,
            members: r.members,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/roles/list.html")]
struct ListPage {
    layout: Layout,
    tenant_id: String,
    tenant_name: String,
    roles: Vec<RoleView>,
    can_manage: bool,
}

pub async fn list(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let (u, t) = (user.clone(), tenant_id.clone());
    let (roles, manager) = state
        .db(move |c| {
            let roles = roles::list(c, &u, &t)?;
            let manager = match roles::manager_access(c, &u, &t) {
                Ok(own) => Ok(own),
                Err(ServiceError::Forbidden) => Err(crate::authz::access(c, &u.id, &t)?),
                Err(e) => return Err(e),
            };
            Ok((roles, manager))
        })
        .await?;
    let (tenant_name, can_manage) = match manager {
        Ok(own) => (own.tenant_name, true),
        Err(access) => (access.tenant_name, false),
    };
    let title = format!("Roles · {tenant_name}");
    let layout = Layout::new(&session, &state.settings, Some(&user), title, "accounts");
    render(&ListPage {
        layout,
        tenant_id,
        tenant_name,
        roles: roles.into_iter().map(RoleView::from).collect(),
        can_manage,
    })
}

#[derive(Template)]
#[template(path = "pages/roles/delete.html")]
struct DeletePage {
    layout: Layout,
    tenant_id: String,
    r: RoleView,
}

pub async fn delete_confirm(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, role_id) = path.into_inner();
    let (u, t) = (user.clone(), tenant_id.clone());
    let (_, role) = state.db(move |c| editable(c, &u, &t, &role_id)).await?;
    let title = format!("Delete role {}", role.name);
    let layout = Layout::new(&session, &state.settings, Some(&user), title, "accounts");
    render(&DeletePage {
        layout,
        tenant_id,
        r: role.into(),
    })
}

pub async fn delete(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, role_id) = path.into_inner();
    let t = tenant_id.clone();
    let role = state
        .db(move |c| roles::delete(c, &user, &t, &role_id))
        .await?;
    flash(&session, "success", format!("Role {} deleted.", role.name));
    Ok(see_other(&list_url(&tenant_id)))
}
