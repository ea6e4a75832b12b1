//! Partner links, the partner's side: list, add, resend, delete, and the access levels it may
//! offer. The tenant is always the caller's; every rule is in `services::links`.

use super::error::ErrorBody;
use super::{ApiCaller, ApiError, ApiJson, created, cursor, db, timestamp};
use crate::domain::link::LinkStatus;
use crate::domain::permission::Permission;
use crate::services::links::{self, Invite, LinkFilter, LinkRow};
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LinkStatusJson {
    Pending,
    Connected,
    Declined,
    Expired,
    Removed,
}

impl From<LinkStatus> for LinkStatusJson {
    fn from(s: LinkStatus) -> Self {
        match s {
            LinkStatus::Pending => Self::Pending,
            LinkStatus::Connected => Self::Connected,
            LinkStatus::Declined => Self::Declined,
            LinkStatus::Expired => Self::Expired,
            LinkStatus::Removed => Self::Removed,
        }
    }
}

/// A partner link, as both sides see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkJson {
    pub id: String,
    pub status: LinkStatusJson,
    /// The invited address.
    pub email: String,
    /// The partner's message in the invitation.
    pub message: String,
    pub partner_id: String,
    pub partner_name: String,
    /// The customer tenant, once the invitation was accepted.
    #[schema(required = true)]
    pub customer_id: Option<String>,
    #[schema(required = true)]
    pub customer_name: Option<String>,
    #[schema(required = true)]
    pub customer_account_number: Option<String>,
    /// The partner's role that limits what its users may do in the customer tenant.
    pub access_level_id: String,
    pub access_level: String,
    /// RFC 3339, UTC.
    pub invited_at: String,
    #[schema(required = true)]
    pub invitation_expires_at: Option<String>,
    #[schema(required = true)]
    pub connected_at: Option<String>,
    #[schema(required = true)]
    pub ended_at: Option<String>,
    /// When the access period ends (RFC 3339, UTC); null: no end date.
    #[schema(required = true)]
    pub access_ends_at: Option<String>,
    /// A change of access level the partner asked for, awaiting the customer's answer.
    #[schema(required = true)]
    pub requested_access_level_id: Option<String>,
}

impl From<&LinkRow> for LinkJson {
    fn from(r: &LinkRow) -> Self {
        let l = &r.link;
        Self {
            id: l.id.clone(),
            status: r.status().into(),
            email: l.email.clone(),
            message: l.message.clone(),
            partner_id: l.grantee_tenant_id.clone(),
            partner_name: r.partner.clone(),
            customer_id: l.owner_tenant_id.clone(),
            customer_name: r.customer.clone(),
            customer_account_number: r.customer_account_number.clone(),
            access_level_id: l.limiting_role_id.clone(),
            access_level: r.access_level.clone(),
            invited_at: timestamp(&l.invited_at),
            invitation_expires_at: l.invitation_expires_at.as_ref().map(timestamp),
            connected_at: l.connected_at.as_ref().map(timestamp),
            ended_at: l.ended_at.as_ref().map(timestamp),
            access_ends_at: l.access_ends_at.as_ref().map(timestamp),
            requested_access_level_id: l.requested_role_id.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkList {
    pub items: Vec<LinkJson>,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// One of `pending`, `connected`, `declined`, `expired`; all but removed links when absent.
    status: Option<String>,
    /// Start of the email or of the customer's name.
    q: Option<String>,
    /// Links a page, 1 to 100 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

impl ListParams {
    fn filter(self) -> Result<LinkFilter, ApiError> {
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                LinkStatus::parse(s)
                    .filter(|s| LinkStatus::LISTED.contains(s))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "status",
                            "The status must be pending, connected, declined or expired.",
                        )
                    })?,
            ),
        };
        let search = self
            .q
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty());
        if search.as_ref().is_some_and(|q| q.chars().count() > 254) {
            return Err(ApiError::invalid(
                "q",
                "The search must be at most 254 characters.",
            ));
        }
        let before = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(cursor::decode(c)?),
            None => None,
        };
        Ok(LinkFilter {
            status,
            search,
            before,
            limit: Some(cursor::limit(self.limit.as_deref())?),
            ..Default::default()
        })
    }
}

/// The partner's links, newest first. Needs `customers.view` through the caller's own roles.
#[utoipa::path(
    get,
    path = "/api/v1/partner/links",
    tag = "partner",
    operation_id = "listPartnerLinks",
    params(ListParams),
    responses(
        (status = 200, description = "A page of links", body = LinkList),
        (status = 422, description = "A bad filter, limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    state: web::Data<AppState>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.into_inner().filter()?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let page = db(&state, move |c| {
        let access = links::partner_access(c, &user, &tenant, Permission::CustomersView)?;
        links::list_for_partner(c, &access, &filter)
    })
    .await?;
    Ok(HttpResponse::Ok().json(LinkList {
        items: page.rows.iter().map(LinkJson::from).collect(),
        next_cursor: page.next.as_deref().map(cursor::encode),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct NewLink {
    /// The customer admin's email address.
    pub email: String,
    /// One of the ids of `GET /api/v1/partner/access-levels`.
    pub access_level_id: String,
    /// Shown in the invitation; may be empty.
    pub message: String,
    /// When the access ends by itself: an RFC 3339 date (`2027-03-01`, the start of that day,
    /// UTC) or date-time, 1 day to 2 years from now. Absent or null: no end date.
    pub ends_at: Option<String>,
}

/// Adds a customer account by email: a pending link and the invitation email. The answer is
/// the same whatever the address is linked to elsewhere.
#[utoipa::path(
    post,
    path = "/api/v1/partner/links",
    tag = "partner",
    operation_id = "createPartnerLink",
    request_body = NewLink,
    responses(
        (status = 201, description = "The pending link", body = LinkJson),
        (status = 422, description = "A missing or bad field, or an invitation to this address already pending", body = ErrorBody),
    )
)]
pub async fn create(
    caller: ApiCaller,
    state: web::Data<AppState>,
    body: ApiJson<NewLink>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let row = db(&state, move |c| {
        let invite = Invite {
            email: &input.email,
            access_level: &input.access_level_id,
            message: &input.message,
        };
        let ends_at = input.ends_at.as_deref().unwrap_or_default();
        links::invite_until(c, &settings, &user, &tenant, invite, ends_at)
    })
    .await
    .map_err(|e| e.rename_field("accessLevel", "accessLevelId"))?;
    Ok(created(LinkJson::from(&row)))
}

/// Sends a pending invitation again with a new link; the old link stops working.
#[utoipa::path(
    post,
    path = "/api/v1/partner/links/{id}/resend",
    tag = "partner",
    operation_id = "resendPartnerLink",
    params(("id" = String, Path, description = "The link id")),
    responses(
        (status = 200, description = "The link, with its new expiry", body = LinkJson),
        (status = 404, description = "No such link of this partner", body = ErrorBody),
        (status = 409, description = "The link is no longer pending", body = ErrorBody),
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
        links::resend(c, &settings, &user, &tenant, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(LinkJson::from(&row)))
}

/// Deletes a link: cancels a pending invitation, or ends a connected link at once.
#[utoipa::path(
    delete,
    path = "/api/v1/partner/links/{id}",
    tag = "partner",
    operation_id = "deletePartnerLink",
    params(("id" = String, Path, description = "The link id")),
    responses(
        (status = 200, description = "The link, now removed", body = LinkJson),
        (status = 404, description = "No such link of this partner", body = ErrorBody),
        (status = 409, description = "The link was already deleted", body = ErrorBody),
    )
)]
pub async fn delete(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let row = db(&state, move |c| {
        links::delete(c, &settings, &user, &tenant, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(LinkJson::from(&row)))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessLevelJson {
    /// Pass as `accessLevelId` when adding a link.
    pub id: String,
    pub name: String,
    pub description: String,
    /// The level the portal suggests.
    pub is_default: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLevelList {
    /// Broadest first; a partner has a handful.
    pub items: Vec<AccessLevelJson>,
}

/// The access levels the partner may ask a customer for.
#[utoipa::path(
    get,
    path = "/api/v1/partner/access-levels",
    tag = "partner",
    operation_id = "listAccessLevels",
    responses(
        (status = 200, description = "The access levels", body = AccessLevelList),
    )
)]
pub async fn access_levels(
    caller: ApiCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (user, tenant) = (caller.user, caller.tenant_id);
    let levels = db(&state, move |c| {
        links::partner_access(c, &user, &tenant, Permission::CustomersView)?;
        links::access_levels(c, &tenant)
    })
    .await?;
    Ok(HttpResponse::Ok().json(AccessLevelList {
        items: levels
            .into_iter()
            .map(|l| AccessLevelJson {
                id: l.role_id,
                name: l.name,
                description: l.description,
                is_default: l.is_default,
            })
            .collect(),
    }))
}
