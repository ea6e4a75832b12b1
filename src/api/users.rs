//! `GET /api/v1/users/self/authorization`: who is calling, in which tenant, with which
//! permissions.

use super::{ApiCaller, ApiError, db};
use crate::services::tenants;
use crate::services::users::User;
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserJson {
    pub id: String,
    pub email: String,
    pub name: String,
    /// `basic`, `core` or `full`.
    pub user_type: String,
    pub is_staff: bool,
}

impl From<&User> for UserJson {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            user_type: u.user_type.clone(),
            is_staff: u.is_staff,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantJson {
    pub id: String,
    pub name: String,
    pub account_number: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizationJson {
    pub user: UserJson,
    /// The tenant this call acts in: the token's, or the one named by `Liaison-Tenant`.
    pub tenant: TenantJson,
    /// The effective permissions of the user in that tenant, e.g. `customers.view`.
    pub permissions: Vec<String>,
}

/// The caller, the tenant the call acts in, and the caller's effective permissions there.
#[utoipa::path(
    get,
    path = "/api/v1/users/self/authorization",
    tag = "users",
    operation_id = "getAuthorization",
    responses(
        (status = 200, description = "The caller and their permissions", body = AuthorizationJson),
    )
)]
pub async fn authorization(
    caller: ApiCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = caller.tenant_id.clone();
    let tenant = db(&state, move |c| tenants::find(c, &tenant_id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(AuthorizationJson {
        user: UserJson::from(&caller.user),
        tenant: TenantJson {
            id: tenant.id,
            name: tenant.name,
            account_number: tenant.account_number,
        },
        permissions: caller
            .access
            .permissions()
            .into_iter()
            .map(|p| p.as_str().to_string())
            .collect(),
    }))
}
