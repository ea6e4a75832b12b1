//! Everyone with access to the caller's tenant through a role (its own roles and its ancestors'
//! roles that apply to sub-accounts), and revoking such a membership. Every rule is in
//! `services::memberships`: `users.invite` here, every permission of the role where it is
//! defined, and the last Account owner stays.

use super::error::ErrorBody;
use super::roles::AppliesToJson;
use super::{ApiCaller, ApiError, cursor, db};
use crate::domain::role::AppliesTo;
use crate::services::memberships::{self, AccessPath};
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipUser {
    pub email: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipRef {
    pub id: String,
    pub name: String,
}

/// One membership giving access to the tenant.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipJson {
    pub id: String,
    pub user: MembershipUser,
    pub role: MembershipRef,
    /// The account the role is defined in: this one, or an ancestor.
    pub defined_in: MembershipRef,
    pub applies_to: AppliesToJson,
    /// True when the role is an ancestor's that applies to its sub-accounts.
    pub inherited: bool,
}

impl From<&AccessPath> for MembershipJson {
    fn from(p: &AccessPath) -> Self {
        Self {
            id: p.membership_id.clone(),
            user: MembershipUser {
                email: p.email.clone(),
                name: p.name.clone(),
            },
            role: MembershipRef {
                id: p.role_id.clone(),
                name: p.role.clone(),
            },
            defined_in: MembershipRef {
                id: p.defined_id.clone(),
                name: p.defined_at.clone(),
            },
            applies_to: p
                .applies_to
                .parse::<AppliesTo>()
                .unwrap_or(AppliesTo::ThisAccount)
                .into(),
            inherited: p.inherited(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipList {
    pub items: Vec<MembershipJson>,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Memberships a page, 1 to 100 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// Everyone with access to the tenant through a role, ancestors' roles included. Needs
/// `users.invite` through the caller's own roles.
#[utoipa::path(
    get,
    path = "/api/v1/memberships",
    tag = "roles",
    operation_id = "listMemberships",
    params(ListParams),
    responses(
        (status = 200, description = "A page of memberships", body = MembershipList),
        (status = 422, description = "A bad limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    state: web::Data<AppState>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(cursor::decode(c)?),
        None => None,
    };
    let limit = cursor::limit(q.limit.as_deref())?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let page = db(&state, move |c| {
        memberships::access_paths_page(c, &user, &tenant, after.as_deref(), limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MembershipList {
        items: page
            .rows
            .iter()
            .map(|r| MembershipJson::from(&r.path))
            .collect(),
        next_cursor: page.next.as_deref().map(cursor::encode),
    }))
}

/// Revokes a membership that gives access to the tenant: the user loses that access on their
/// next request and is told by email.
#[utoipa::path(
    delete,
    path = "/api/v1/memberships/{id}",
    tag = "roles",
    operation_id = "revokeMembership",
    params(("id" = String, Path, description = "The membership id")),
    responses(
        (status = 200, description = "The membership, now revoked", body = MembershipJson),
        (status = 403, description = "No users.invite, or a role with permissions the caller lacks where it is defined", body = ErrorBody),
        (status = 404, description = "No membership giving access to this account", body = ErrorBody),
        (status = 409, description = "The last Account owner, or already revoked", body = ErrorBody),
    )
)]
pub async fn revoke(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let revoked = db(&state, move |c| {
        memberships::revoke(c, &settings, &user, &tenant, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MembershipJson::from(&revoked)))
}
