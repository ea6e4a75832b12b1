//! Partner links, the customer's side: which partner has access, and removing it. For the
//! tenant's own admins; a partner inside the tenant cannot see or end its own link here.

use super::error::ErrorBody;
use super::links::LinkJson;
use super::{ApiCaller, ApiError, ApiJson, db};
use crate::services::links;
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerAccessJson {
    /// The connected partner, if any (at most one).
    #[schema(required = true)]
    pub connected: Option<LinkJson>,
    /// What the connected partner's access level allows, in plain words.
    pub allows: Vec<String>,
    /// Open invitations addressed to the calling admin, which could be accepted into this
    /// tenant from the portal.
    pub pending: Vec<LinkJson>,
}

/// The partner connected to the caller's tenant and what it may do there.
#[utoipa::path(
    get,
    path = "/api/v1/customer/partner-access",
    tag = "customer",
    operation_id = "getPartnerAccess",
    responses(
        (status = 200, description = "The partner access of the tenant", body = PartnerAccessJson),
    )
)]
pub async fn partner_access(
    caller: ApiCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (user, tenant) = (caller.user, caller.tenant_id);
    let access = db(&state, move |c| links::partner_access_of(c, &user, &tenant)).await?;
    Ok(HttpResponse::Ok().json(PartnerAccessJson {
        connected: access.connected.as_ref().map(LinkJson::from),
        allows: access.allows,
        pending: access.pending.iter().map(LinkJson::from).collect(),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RemoveAccess {
    /// Why the access ends; required, shown to the partner.
    pub reason: String,
}

/// Removes the connected partner's access at once; the partner is emailed.
#[utoipa::path(
    post,
    path = "/api/v1/customer/partner-access/{linkId}/remove",
    tag = "customer",
    operation_id = "removePartnerAccess",
    params(("linkId" = String, Path, description = "The connected link's id")),
    request_body = RemoveAccess,
    responses(
        (status = 200, description = "The link, now removed", body = LinkJson),
        (status = 409, description = "This partner is no longer connected", body = ErrorBody),
        (status = 422, description = "The reason is missing or too long", body = ErrorBody),
    )
)]
pub async fn remove(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<RemoveAccess>,
) -> Result<HttpResponse, ApiError> {
    let link_id = path.into_inner();
    let reason = body.0.reason;
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let row = db(&state, move |c| {
        links::remove_partner(c, &settings, &user, &tenant, &link_id, &reason)
    })
    .await?;
    Ok(HttpResponse::Ok().json(LinkJson::from(&row)))
}
