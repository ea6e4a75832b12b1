//! Invitations to the caller's tenant's roles: list, invite, resend, revoke. Accepting stays in
//! the browser (the emailed link needs the invitee signed in). Every rule is in
//! `services::role_invitations`: `users.invite`, and only roles whose permissions the caller
//! holds, never themselves.

use super::error::ErrorBody;
use super::{ApiCaller, ApiError, ApiJson, created, cursor, db, timestamp};
use crate::services::role_invitations::{
    self as ri, InvitationRow, InvitationStatus, invite_refusal,
};
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvitationStatusJson {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl From<InvitationStatus> for InvitationStatusJson {
    fn from(s: InvitationStatus) -> Self {
        match s {
            InvitationStatus::Pending => Self::Pending,
            InvitationStatus::Accepted => Self::Accepted,
            InvitationStatus::Revoked => Self::Revoked,
            InvitationStatus::Expired => Self::Expired,
        }
    }
}

/// An invitation to one of the tenant's roles.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleInvitationJson {
    pub id: String,
    /// `expired` for a pending invitation whose link has run out.
    pub status: InvitationStatusJson,
    /// The invited address.
    pub email: String,
    pub role_id: String,
    pub role: String,
    /// The inviter's address, while they exist.
    #[schema(required = true)]
    pub invited_by: Option<String>,
    /// RFC 3339, UTC.
    pub invited_at: String,
    /// When the emailed link stops working.
    pub expires_at: String,
    #[schema(required = true)]
    pub accepted_at: Option<String>,
}

impl From<&InvitationRow> for RoleInvitationJson {
    fn from(r: &InvitationRow) -> Self {
        let i = &r.invitation;
        Self {
            id: i.id.clone(),
            status: i.status().into(),
            email: i.email.clone(),
            role_id: i.role_id.clone(),
            role: r.role.clone(),
            invited_by: r.invited_by.clone(),
            invited_at: timestamp(&i.invited_at),
            expires_at: timestamp(&i.expires_at),
            accepted_at: i.accepted_at.as_ref().map(timestamp),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleInvitationList {
    pub items: Vec<RoleInvitationJson>,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `pending` (the default) or `accepted`.
    status: Option<String>,
    /// Invitations a page, 1 to 100 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// The tenant's invitations, newest first. Needs `users.invite` through the caller's own roles.
#[utoipa::path(
    get,
    path = "/api/v1/role-invitations",
    tag = "roles",
    operation_id = "listRoleInvitations",
    params(ListParams),
    responses(
        (status = 200, description = "A page of invitations", body = RoleInvitationList),
        (status = 422, description = "A bad status, limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    state: web::Data<AppState>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("") => InvitationStatus::Pending,
        Some(s) => InvitationStatus::parse_tab(s).ok_or_else(|| {
            ApiError::invalid("status", "The status must be pending or accepted.")
        })?,
    };
    let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(cursor::decode(c)?),
        None => None,
    };
    let limit = cursor::limit(q.limit.as_deref())?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let page = db(&state, move |c| {
        ri::list_page(c, &user, &tenant, status, before.as_deref(), limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(RoleInvitationList {
        items: page.rows.iter().map(RoleInvitationJson::from).collect(),
        next_cursor: page.next.as_deref().map(cursor::encode),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct NewRoleInvitation {
    /// The invitee's email address.
    pub email: String,
    /// One of the ids of `GET /api/v1/roles`, whose permissions the caller holds.
    pub role_id: String,
}

/// Invites someone to a role: a pending invitation and the email with its link.
#[utoipa::path(
    post,
    path = "/api/v1/role-invitations",
    tag = "roles",
    operation_id = "createRoleInvitation",
    request_body = NewRoleInvitation,
    responses(
        (status = 201, description = "The pending invitation", body = RoleInvitationJson),
        (status = 403, description = "No users.invite, a role with permissions the caller lacks, or the caller's own address", body = ErrorBody),
        (status = 422, description = "A bad address or role, the address already has the role, or an invitation is already pending", body = ErrorBody),
    )
)]
pub async fn create(
    caller: ApiCaller,
    state: web::Data<AppState>,
    body: ApiJson<NewRoleInvitation>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let refusal = invite_refusal(&caller.access, &caller.user, &input.email);
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let row = db(&state, move |c| {
        ri::invite(c, &settings, &user, &tenant, &input.email, &input.role_id)
    })
    .await
    .map_err(|e| match e.status {
        StatusCode::FORBIDDEN => ApiError::new(StatusCode::FORBIDDEN, refusal),
        _ => e.rename_field("role", "roleId"),
    })?;
    Ok(created(RoleInvitationJson::from(&row)))
}

/// Sends a pending invitation again with a new link; the old link stops working.
#[utoipa::path(
    post,
    path = "/api/v1/role-invitations/{id}/resend",
    tag = "roles",
    operation_id = "resendRoleInvitation",
    params(("id" = String, Path, description = "The invitation id")),
    responses(
        (status = 200, description = "The invitation, with its new expiry", body = RoleInvitationJson),
        (status = 403, description = "No users.invite, or a role with permissions the caller lacks", body = ErrorBody),
        (status = 404, description = "No such invitation in this account", body = ErrorBody),
        (status = 409, description = "The invitation is no longer pending", body = ErrorBody),
    )
)]
pub async fn resend(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let row = db(&state, move |c| {
        ri::resend(c, &settings, &user, &tenant, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(RoleInvitationJson::from(&row)))
}

/// Revokes a pending invitation: its link stops working.
#[utoipa::path(
    post,
    path = "/api/v1/role-invitations/{id}/revoke",
    tag = "roles",
    operation_id = "revokeRoleInvitation",
    params(("id" = String, Path, description = "The invitation id")),
    responses(
        (status = 200, description = "The invitation, now revoked", body = RoleInvitationJson),
        (status = 403, description = "No users.invite, or a role with permissions the caller lacks", body = ErrorBody),
        (status = 404, description = "No such invitation in this account", body = ErrorBody),
        (status = 409, description = "The invitation is no longer pending", body = ErrorBody),
    )
)]
pub async fn revoke(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let row = db(&state, move |c| ri::revoke(c, &user, &tenant, &id)).await?;
    Ok(HttpResponse::Ok().json(RoleInvitationJson::from(&row)))
}
