//! The explainer (DESIGN §3) as JSON: for an account of the acting tenant's subtree and a user,
//! every permission with the paths that allow it. The rules are `services::access::explain`.

use super::error::ErrorBody;
use super::roles::AppliesToJson;
use super::{ApiCaller, ApiError, db};
use crate::authz::{Path, Via};
use crate::services::access::Explanation;
use crate::services::subtree;
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PathKind {
    /// A role the user holds in the account or in an ancestor.
    Role,
    /// A role the user holds in a partner (or sharing) account, through a link or share.
    Grant,
}

/// One way a permission reaches the user.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PathJson {
    pub kind: PathKind,
    /// In words, e.g. "Administrator in Betty's MSP → partner link to Wayne Enterprises,
    /// limited to Operator".
    pub explanation: String,
    /// The user's role.
    pub role: String,
    /// Roles: the account where the role is defined (this one or an ancestor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_in: Option<AccountRef>,
    /// Roles: where the role applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<AppliesToJson>,
    /// Grants: the partner link or share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// Grants: the partner's role that limits what the link allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limiting_role: Option<String>,
    /// Grants: the partner (or sharing) account the user belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
}

impl PathJson {
    fn new(path: &Path, target: &str) -> Self {
        let explanation = path.via.explain(target);
        match &path.via {
            Via::Role {
                role,
                tenant_id,
                tenant,
                applies_to,
                ..
            } => Self {
                kind: PathKind::Role,
                explanation,
                role: role.clone(),
                defined_in: Some(AccountRef {
                    id: tenant_id.clone(),
                    name: tenant.clone(),
                }),
                applies_to: Some((*applies_to).into()),
                grant_id: None,
                limiting_role: None,
                partner: None,
            },
            Via::Grant {
                grant_id,
                role,
                grantee,
                limiting_role,
                ..
            } => Self {
                kind: PathKind::Grant,
                explanation,
                role: role.clone(),
                defined_in: None,
                applies_to: None,
                grant_id: Some(grant_id.clone()),
                limiting_role: Some(limiting_role.clone()),
                partner: Some(grantee.clone()),
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionJson {
    /// E.g. `tenant.view`.
    pub permission: String,
    pub allowed: bool,
    /// Empty when not allowed.
    pub paths: Vec<PathJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessJson {
    /// Whose access: the address asked about, or the caller's.
    pub user: String,
    pub account: AccountRef,
    /// The whole catalogue in order, so what is missing shows too.
    pub permissions: Vec<PermissionJson>,
}

impl From<Explanation> for AccessJson {
    fn from(e: Explanation) -> Self {
        let target = &e.access.tenant_name;
        let permissions = e
            .lines
            .iter()
            .map(|line| PermissionJson {
                permission: line.permission.as_str().to_string(),
                allowed: line.allowed(),
                paths: line
                    .paths
                    .iter()
                    .map(|p| PathJson::new(p, target))
                    .collect(),
            })
            .collect();
        Self {
            user: e.subject_email,
            account: AccountRef {
                id: e.access.tenant_id.clone(),
                name: e.access.tenant_name.clone(),
            },
            permissions,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AccessParams {
    /// The email address of the user to explain; the caller when absent. Needs `users.invite`
    /// on the account through the caller's own roles. A user without access, known or not, is
    /// answered alike.
    user: Option<String>,
}

/// Why a user may do what on an account of the acting tenant's subtree. Needs `tenant.view`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{id}/access",
    tag = "accounts",
    operation_id = "explainAccess",
    params(("id" = String, Path, description = "The account id"), AccessParams),
    responses(
        (status = 200, description = "Every permission, with the paths that allow it", body = AccessJson),
        (status = 403, description = "Another user's access, without users.invite on the account", body = ErrorBody),
        (status = 404, description = "No such account in the acting account's subtree", body = ErrorBody),
        (status = 422, description = "The user is not an email address", body = ErrorBody),
    )
)]
pub async fn explain(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<AccessParams>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let subject = query.into_inner().user;
    let (user, root) = (caller.user, caller.tenant_id);
    let explanation = db(&state, move |c| {
        subtree::explain(c, &user, &root, &id, subject.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(AccessJson::from(explanation)))
}
