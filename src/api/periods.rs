//! Access periods and access-level changes of partner links: the partner asks for another level
//! or a later end date; the customer sees the difference and answers. Rules in
//! `services::links` and `services::grant_periods`.

use super::error::ErrorBody;
use super::links::LinkJson;
use super::{ApiCaller, ApiError, ApiJson, created, db, timestamp};
use crate::services::grant_periods::{self, ExtensionKey};
use crate::services::links;
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct LevelRequest {
    /// One of the ids of `GET /api/v1/partner/access-levels`, not the current one.
    pub access_level_id: String,
}

/// Asks the customer for another access level on a connected link. The current level stays
/// until the customer approves.
#[utoipa::path(
    post,
    path = "/api/v1/partner/links/{id}/access-level-request",
    tag = "partner",
    operation_id = "requestAccessLevel",
    params(("id" = String, Path, description = "The link id")),
    request_body = LevelRequest,
    responses(
        (status = 200, description = "The link, with the requested level", body = LinkJson),
        (status = 404, description = "No such link of this partner", body = ErrorBody),
        (status = 409, description = "The link is not connected, or a request is already pending", body = ErrorBody),
        (status = 422, description = "Not one of the access levels, or the current one", body = ErrorBody),
    )
)]
pub async fn request_level(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<LevelRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let level = body.0.access_level_id;
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let row = db(&state, move |c| {
        links::request_level_change(c, &settings, &user, &tenant, &id, &level)
    })
    .await
    .map_err(|e| e.rename_field("accessLevel", "accessLevelId"))?;
    Ok(HttpResponse::Ok().json(LinkJson::from(&row)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtensionRequest {
    /// The new end: an RFC 3339 date or date-time after the current end, at most 2 years away.
    pub ends_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionJson {
    pub id: String,
    pub link_id: String,
    /// RFC 3339, UTC.
    pub requested_ends_at: String,
    /// Until when the customer may confirm it.
    pub expires_at: String,
}

impl From<&grant_periods::Extension> for ExtensionJson {
    fn from(e: &grant_periods::Extension) -> Self {
        Self {
            id: e.id.clone(),
            link_id: e.grant_id.clone(),
            requested_ends_at: timestamp(&e.requested_ends_at),
            expires_at: timestamp(&e.expires_at),
        }
    }
}

/// Asks the customer to extend the access period of a connected link; the customer is emailed
/// a link to confirm. A newer request replaces an open one.
#[utoipa::path(
    post,
    path = "/api/v1/partner/links/{id}/extension-request",
    tag = "partner",
    operation_id = "requestExtension",
    params(("id" = String, Path, description = "The link id")),
    request_body = ExtensionRequest,
    responses(
        (status = 201, description = "The open extension request", body = ExtensionJson),
        (status = 404, description = "No such link of this partner", body = ErrorBody),
        (status = 409, description = "The link is not connected or has no end date", body = ErrorBody),
        (status = 422, description = "A bad end date", body = ErrorBody),
    )
)]
pub async fn request_extension(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<ExtensionRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let ends_at = body.0.ends_at;
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let extension = db(&state, move |c| {
        grant_periods::request_extension(c, &settings, &user, &tenant, &id, &ends_at)
    })
    .await?;
    Ok(created(ExtensionJson::from(&extension)))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LevelChangeJson {
    pub link: LinkJson,
    pub requested_access_level_id: String,
    pub requested_access_level: String,
    /// What the requested level allows that the current one does not, in plain words.
    pub added: Vec<String>,
    /// What the current level allows that the requested one does not.
    pub removed: Vec<String>,
}

/// The pending change of access level of the caller's partner, with the difference.
#[utoipa::path(
    get,
    path = "/api/v1/customer/partner-access/{linkId}/access-level-request",
    tag = "customer",
    operation_id = "getAccessLevelRequest",
    params(("linkId" = String, Path, description = "The connected link's id")),
    responses(
        (status = 200, description = "The pending change", body = LevelChangeJson),
        (status = 404, description = "No pending change on this tenant's link", body = ErrorBody),
    )
)]
pub async fn level_request(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let change = db(&state, move |c| {
        links::level_change_of(c, &user, &tenant, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(LevelChangeJson {
        link: LinkJson::from(&change.row),
        requested_access_level_id: change.requested_role_id,
        requested_access_level: change.requested_level,
        added: change.added,
        removed: change.removed,
    }))
}

async fn answer(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    approve: bool,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let row = db(&state, move |c| {
        links::answer_level_change(c, &settings, &user, &tenant, &id, approve)
    })
    .await?;
    Ok(HttpResponse::Ok().json(LinkJson::from(&row)))
}

/// Approves the requested access level: it limits the partner from its next request on.
#[utoipa::path(
    post,
    path = "/api/v1/customer/partner-access/{linkId}/access-level-request/approve",
    tag = "customer",
    operation_id = "approveAccessLevelRequest",
    params(("linkId" = String, Path, description = "The connected link's id")),
    responses(
        (status = 200, description = "The link, with its new level", body = LinkJson),
        (status = 404, description = "No such connected link of this tenant", body = ErrorBody),
        (status = 409, description = "No pending request", body = ErrorBody),
    )
)]
pub async fn approve(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    answer(caller, state, path, true).await
}

/// Declines the requested access level: the current one stays.
#[utoipa::path(
    post,
    path = "/api/v1/customer/partner-access/{linkId}/access-level-request/decline",
    tag = "customer",
    operation_id = "declineAccessLevelRequest",
    params(("linkId" = String, Path, description = "The connected link's id")),
    responses(
        (status = 200, description = "The link, unchanged but for the request", body = LinkJson),
        (status = 404, description = "No such connected link of this tenant", body = ErrorBody),
        (status = 409, description = "No pending request", body = ErrorBody),
    )
)]
pub async fn decline(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    answer(caller, state, path, false).await
}

/// Confirms the partner's open extension request: the access period takes its end date.
#[utoipa::path(
    post,
    path = "/api/v1/customer/partner-access/{linkId}/extension/confirm",
    tag = "customer",
    operation_id = "confirmExtension",
    params(("linkId" = String, Path, description = "The connected link's id")),
    responses(
        (status = 200, description = "The link, with its new end date", body = LinkJson),
        (status = 404, description = "No open extension request on this tenant's link", body = ErrorBody),
        (status = 409, description = "The request was answered meanwhile or the link ended", body = ErrorBody),
    )
)]
pub async fn confirm_extension(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let row = db(&state, move |c| {
        let key = ExtensionKey::Grant {
            owner_id: &tenant,
            grant_id: &id,
        };
        grant_periods::confirm_extension(c, &user, key)?;
        let link = links::find(c, &id)?.ok_or(crate::services::ServiceError::NotFound)?;
        links::row(c, link)
    })
    .await?;
    Ok(HttpResponse::Ok().json(LinkJson::from(&row)))
}
