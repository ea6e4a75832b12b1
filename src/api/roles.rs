//! Roles of the caller's tenant: list and read (with `tenant.view`), and custom roles created,
//! changed and deleted by Account owners. Every rule is in `services::roles`.

use super::error::ErrorBody;
use super::{ApiCaller, ApiError, ApiJson, created, db};
use crate::domain::role::AppliesTo;
use crate::services::roles::{self, NewRole, Role, RoleChanges};
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// To what accounts a role applies: the account it is defined in, that account and its
/// sub-accounts, or only the sub-accounts.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum AppliesToJson {
    #[serde(rename = "this")]
    This,
    #[serde(rename = "this_and_sub")]
    ThisAndSub,
    #[serde(rename = "sub_only")]
    SubOnly,
}

impl From<AppliesTo> for AppliesToJson {
    fn from(a: AppliesTo) -> Self {
        match a {
            AppliesTo::ThisAccount => Self::This,
            AppliesTo::ThisAndSubAccounts => Self::ThisAndSub,
            AppliesTo::OnlySubAccounts => Self::SubOnly,
        }
    }
}

/// A role of the tenant.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleJson {
    pub id: String,
    pub name: String,
    pub description: String,
    pub applies_to: AppliesToJson,
    /// Built-in roles are read-only.
    pub builtin: bool,
    /// Permission names, e.g. `customers.view`; a custom role always has `tenant.view`.
    pub permissions: Vec<String>,
    /// How many users hold the role.
    pub members: i64,
}

impl From<&Role> for RoleJson {
    fn from(r: &Role) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            applies_to: r.applies_to.into(),
            builtin: r.is_builtin(),
            permissions: r
                .permissions
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            members: r.members,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleList {
    /// Built-in roles first, then custom roles by name; at most 200.
    pub items: Vec<RoleJson>,
}

/// The tenant's roles. Needs `tenant.view`.
#[utoipa::path(
    get,
    path = "/api/v1/roles",
    tag = "roles",
    operation_id = "listRoles",
    responses(
        (status = 200, description = "The roles", body = RoleList),
    )
)]
pub async fn list(caller: ApiCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (user, tenant) = (caller.user, caller.tenant_id);
    let roles = db(&state, move |c| roles::list(c, &user, &tenant)).await?;
    Ok(HttpResponse::Ok().json(RoleList {
        items: roles.iter().map(RoleJson::from).collect(),
    }))
}

/// One role of the tenant. Needs `tenant.view`.
#[utoipa::path(
    get,
    path = "/api/v1/roles/{id}",
    tag = "roles",
    operation_id = "getRole",
    params(("id" = String, Path, description = "The role id")),
    responses(
        (status = 200, description = "The role", body = RoleJson),
        (status = 404, description = "No such role in this account", body = ErrorBody),
    )
)]
pub async fn get(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let role = db(&state, move |c| roles::get(c, &user, &tenant, &id)).await?;
    Ok(HttpResponse::Ok().json(RoleJson::from(&role)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct NewRoleJson {
    /// Unique in the account, whatever the case; at most 60 characters.
    pub name: String,
    /// At most 500 characters; may be empty.
    pub description: String,
    /// Permission names, e.g. `customers.view`; `tenant.view` is always added. Only permissions
    /// the caller holds in this account.
    pub permissions: Vec<String>,
    /// `this`, `this_and_sub` or `sub_only`.
    pub applies_to: String,
}

/// Creates a custom role. Account owners only; never with a permission the caller lacks.
#[utoipa::path(
    post,
    path = "/api/v1/roles",
    tag = "roles",
    operation_id = "createRole",
    request_body = NewRoleJson,
    responses(
        (status = 201, description = "The new role", body = RoleJson),
        (status = 403, description = "Not an Account owner here, or a permission the caller lacks", body = ErrorBody),
        (status = 422, description = "A missing or bad field, an unknown permission or scope, or a name in use", body = ErrorBody),
    )
)]
pub async fn create(
    caller: ApiCaller,
    state: web::Data<AppState>,
    body: ApiJson<NewRoleJson>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let input = NewRole {
        name: b.name,
        description: b.description,
        permissions: b.permissions,
        applies_to: b.applies_to,
    };
    let (user, tenant) = (caller.user, caller.tenant_id);
    let role = db(&state, move |c| roles::create(c, &user, &tenant, &input)).await?;
    Ok(created(RoleJson::from(&role)))
}

/// A change of a role: the fields sent replace the current values, the others stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RoleChangesJson {
    pub name: Option<String>,
    pub description: Option<String>,
    /// The whole new set; `tenant.view` is always kept.
    pub permissions: Option<Vec<String>>,
    /// `this`, `this_and_sub` or `sub_only`.
    pub applies_to: Option<String>,
}

/// Changes a custom role; built-in roles are read-only. Account owners only; a permission the
/// caller lacks cannot be added (one the role already has may stay).
#[utoipa::path(
    patch,
    path = "/api/v1/roles/{id}",
    tag = "roles",
    operation_id = "updateRole",
    params(("id" = String, Path, description = "The role id")),
    request_body = RoleChangesJson,
    responses(
        (status = 200, description = "The changed role", body = RoleJson),
        (status = 403, description = "Not an Account owner here, or a permission the caller lacks", body = ErrorBody),
        (status = 404, description = "No such role in this account", body = ErrorBody),
        (status = 409, description = "A built-in role", body = ErrorBody),
        (status = 422, description = "A bad field, an unknown permission or scope, or a name in use", body = ErrorBody),
    )
)]
pub async fn update(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<RoleChangesJson>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let b = body.0;
    let changes = RoleChanges {
        name: b.name,
        description: b.description,
        permissions: b.permissions,
        applies_to: b.applies_to,
    };
    let (user, tenant) = (caller.user, caller.tenant_id);
    let role = db(&state, move |c| {
        roles::change(c, &user, &tenant, &id, &changes)
    })
    .await?;
    Ok(HttpResponse::Ok().json(RoleJson::from(&role)))
}

/// Deletes a custom role that nobody holds and no partner link uses. Account owners only.
#[utoipa::path(
    delete,
    path = "/api/v1/roles/{id}",
    tag = "roles",
    operation_id = "deleteRole",
    params(("id" = String, Path, description = "The role id")),
    responses(
        (status = 200, description = "The role, now deleted", body = RoleJson),
        (status = 403, description = "Not an Account owner here", body = ErrorBody),
        (status = 404, description = "No such role in this account", body = ErrorBody),
        (status = 409, description = "A built-in role, a role with members, or one a partner link uses", body = ErrorBody),
    )
)]
pub async fn delete(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let role = db(&state, move |c| roles::delete(c, &user, &tenant, &id)).await?;
    Ok(HttpResponse::Ok().json(RoleJson::from(&role)))
}
