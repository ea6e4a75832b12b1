//! Account shares of an account in the acting tenant's subtree (the managing account): list,
//! share, change the limiting role, revoke. An account outside the subtree, or a share another
//! account manages, is a 404. Every rule is in `services::shares`.

use super::body::text;
use super::error::ErrorBody;
use super::{ApiCaller, ApiError, ApiJson, created, cursor, db, timestamp};
use crate::services::shares::{self, NewShare, Share};
use crate::services::subtree;
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShareStatusJson {
    /// Gives access (until `endsAt`, if set).
    Connected,
    /// Its end date was reached.
    Expired,
    /// Revoked.
    Removed,
}

/// An account shared with a target tenant, capped by a limiting role of the managing account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShareJson {
    pub id: String,
    pub status: ShareStatusJson,
    /// The shared account: the managing account or one of its sub-accounts.
    pub account_id: String,
    pub account_name: String,
    pub target_tenant_id: String,
    pub target_tenant_name: String,
    /// A role of the managing account: the most the target's users may do.
    pub limiting_role_id: String,
    pub limiting_role: String,
    /// RFC 3339, UTC; null for no end date.
    #[schema(required = true)]
    pub ends_at: Option<String>,
    /// The email of the user who shared; null once that user is gone.
    #[schema(required = true)]
    pub created_by: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<Share> for ShareJson {
    fn from(s: Share) -> Self {
        let status = match (s.status.as_str(), s.is_active()) {
            ("connected", true) => ShareStatusJson::Connected,
            ("removed", _) => ShareStatusJson::Removed,
            _ => ShareStatusJson::Expired,
        };
        Self {
            id: s.id,
            status,
            account_id: s.account_id,
            account_name: s.account_name,
            target_tenant_id: s.target_id,
            target_tenant_name: s.target_name,
            limiting_role_id: s.limiting_role_id,
            limiting_role: s.limiting_role,
            ends_at: s.ends_at.as_ref().map(timestamp),
            created_by: s.created_by,
            created_at: timestamp(&s.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShareList {
    pub items: Vec<ShareJson>,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Shares a page, 1 to 100 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// Ids are UUIDs; anything longer is nothing of ours.
fn ids(path: web::Path<(String, String)>) -> Result<(String, String), ApiError> {
    let (a, b) = path.into_inner();
    if a.len() > super::MAX_ID_CHARS || b.len() > super::MAX_ID_CHARS {
        return Err(ApiError::not_found());
    }
    Ok((a, b))
}

/// The connected shares the account manages (those limited by its roles), newest first. Needs
/// `tenant.view` on it.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{id}/shares",
    tag = "shares",
    operation_id = "listShares",
    params(("id" = String, Path, description = "The managing account"), ListParams),
    responses(
        (status = 200, description = "A page of shares", body = ShareList),
        (status = 404, description = "No such account in the acting account's subtree", body = ErrorBody),
        (status = 422, description = "A bad limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let params = query.into_inner();
    let before = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(cursor::decode(c)?),
        None => None,
    };
    let limit = cursor::limit(params.limit.as_deref())?;
    let (user, root) = (caller.user, caller.tenant_id);
    let page = db(&state, move |c| {
        subtree::within(c, &root, &id)?;
        shares::list(c, &user, &id, before.as_deref(), Some(limit))
    })
    .await?;
    Ok(HttpResponse::Ok().json(ShareList {
        items: page.rows.into_iter().map(ShareJson::from).collect(),
        next_cursor: page.next.as_deref().map(cursor::encode),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct NewShareJson {
    /// The tenant ID of the account to share with (its admins see it on its overview page).
    #[schema(value_type = String)]
    pub target_tenant_id: serde_json::Value,
    /// A role of the managing account: the most the target's users may do.
    #[schema(value_type = String)]
    pub limiting_role_id: serde_json::Value,
    /// Optional end date, `YYYY-MM-DD`, 1 day to 2 years ahead: access ends at the start of that
    /// day (UTC). Null or absent for no end date.
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_at: serde_json::Value,
    /// Optional: a sub-account of the managing account to share instead of the account itself.
    #[schema(value_type = Option<String>)]
    pub account_id: serde_json::Value,
}

/// Shares the account (or one of its sub-accounts, `accountId`) with a target tenant. Needs the
/// multi-tenancy entitlement on the account, a core or full user, and `grants.manage` through
/// the caller's own roles; the limiting role may not allow more than the caller holds.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{id}/shares",
    tag = "shares",
    operation_id = "createShare",
    params(("id" = String, Path, description = "The managing account")),
    request_body = NewShareJson,
    responses(
        (status = 201, description = "The new share", body = ShareJson),
        (status = 403, description = "No entitlement, a basic user, or no grants.manage through the caller's own roles", body = ErrorBody),
        (status = 404, description = "No such account in the acting account's subtree", body = ErrorBody),
        (status = 422, description = "An unknown or unsuitable target, role, account or end date, or a duplicate share", body = ErrorBody),
    )
)]
pub async fn create(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<NewShareJson>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let b = body.0;
    let input = NewShare {
        target_tenant_id: text("targetTenantId", &b.target_tenant_id)?,
        limiting_role_id: text("limitingRoleId", &b.limiting_role_id)?,
        ends_at: text("endsAt", &b.ends_at)?,
        account_id: text("accountId", &b.account_id)?,
    };
    let (user, root) = (caller.user, caller.tenant_id);
    let share = db(&state, move |c| {
        subtree::within(c, &root, &id)?;
        shares::create(c, &user, &id, &input)
    })
    .await?;
    Ok(created(ShareJson::from(share)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ShareChange {
    /// Another role of the managing account.
    #[schema(value_type = String)]
    pub limiting_role_id: serde_json::Value,
}

/// Changes the limiting role of a share; the target's users have the new limit on their next
/// request.
#[utoipa::path(
    patch,
    path = "/api/v1/accounts/{id}/shares/{shareId}",
    tag = "shares",
    operation_id = "changeShare",
    params(
        ("id" = String, Path, description = "The managing account"),
        ("shareId" = String, Path, description = "The share"),
    ),
    request_body = ShareChange,
    responses(
        (status = 200, description = "The changed share", body = ShareJson),
        (status = 403, description = "The caller may not share", body = ErrorBody),
        (status = 404, description = "No such account or share", body = ErrorBody),
        (status = 409, description = "The share has ended", body = ErrorBody),
        (status = 422, description = "An unknown or unsuitable role", body = ErrorBody),
    )
)]
pub async fn change(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: ApiJson<ShareChange>,
) -> Result<HttpResponse, ApiError> {
    let (id, share_id) = ids(path)?;
    let role = text("limitingRoleId", &body.0.limiting_role_id)?;
    let (user, root) = (caller.user, caller.tenant_id);
    let share = db(&state, move |c| {
        subtree::within(c, &root, &id)?;
        shares::change_role(c, &user, &id, &share_id, &role)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ShareJson::from(share)))
}

/// Revokes a share at once.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{id}/shares/{shareId}",
    tag = "shares",
    operation_id = "revokeShare",
    params(
        ("id" = String, Path, description = "The managing account"),
        ("shareId" = String, Path, description = "The share"),
    ),
    responses(
        (status = 200, description = "The revoked share", body = ShareJson),
        (status = 403, description = "The caller may not share", body = ErrorBody),
        (status = 404, description = "No such account or share", body = ErrorBody),
        (status = 409, description = "The share has already ended", body = ErrorBody),
    )
)]
pub async fn revoke(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, share_id) = ids(path)?;
    let (user, root) = (caller.user, caller.tenant_id);
    let share = db(&state, move |c| {
        subtree::within(c, &root, &id)?;
        shares::revoke(c, &user, &id, &share_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ShareJson::from(share)))
}
