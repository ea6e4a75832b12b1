//! Delete an empty sub-account: a confirmation page naming it (or saying why it cannot go), then
//! the post, which returns to the parent's tree.

use super::tree_url;
use crate::authz;
use crate::domain::permission::Permission;
use crate::services::ServiceError;
use crate::services::subaccounts;
use crate::services::tenants::{self, Tenant};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, flash};
use crate::web::pages::{render_status, see_other};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/subaccounts/delete.html")]
struct DeletePage {
    layout: Layout,
    tenant: Tenant,
    /// Why it cannot be deleted, when it cannot.
    refusal: Option<String>,
}

pub async fn delete_confirm(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let u = user.clone();
    let (tenant, refusal) = state
        .db(move |c| {
            authz::require(c, &u.id, &tenant_id, Permission::TenantManage)?;
            let tenant = tenants::find(c, &tenant_id)?.ok_or(ServiceError::NotFound)?;
            let refusal = match tenant.parent_id {
                None => Some(format!(
                    "{} is a top-level account and cannot be deleted here. Support staff can help.",
                    tenant.name
                )),
                Some(_) => subaccounts::why_not_empty(c, &tenant)?,
            };
            Ok((tenant, refusal))
        })
        .await?;
    let title = format!("Delete {}", tenant.name);
    let layout = Layout::new(&session, &state.settings, Some(&user), title, "accounts");
    let status = if refusal.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    render_status(
        &DeletePage {
            layout,
            tenant,
            refusal,
        },
        status,
    )
}

pub async fn delete(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let deleted = state
        .db(move |c| subaccounts::delete_empty(c, &user, &tenant_id))
        .await?;
    flash(
        &session,
        "success",
        format!("The sub-account {} was deleted.", deleted.name),
    );
    let parent = deleted.parent_id.unwrap_or_default();
    Ok(see_other(&tree_url(&parent)))
}
