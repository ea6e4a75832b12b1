//! App authorizations, the partner's side: list per app and environment with counts, request,
//! edit, remove. Every rule is in `services::app_authorizations`.

use super::error::ErrorBody;
use super::{ApiCaller, ApiError, ApiJson, created, cursor, db, timestamp};
use crate::services::app_authorizations::{
    self as authorizations, EditRequest, EnvironmentCount, Filter, NewRequest, Row, Status,
};
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AppAuthorizationStatus {
    Pending,
    Active,
    Declined,
    Removed,
    Expired,
}

impl From<Status> for AppAuthorizationStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Pending => Self::Pending,
            Status::Active => Self::Active,
            Status::Declined => Self::Declined,
            Status::Removed => Self::Removed,
            Status::Expired => Self::Expired,
        }
    }
}

/// An authorization of an app by a tenant in one environment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppAuthorizationJson {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub status: AppAuthorizationStatus,
    /// The environment's key, e.g. `production`.
    pub environment: String,
    /// The tenant, once the contact approved.
    #[schema(required = true)]
    pub tenant_id: Option<String>,
    /// The tenant's name once approved; the customer name as requested before.
    pub tenant_name: String,
    /// The customer's account number (Cust ID).
    pub account_number: String,
    pub contact_email: String,
    pub info: String,
    /// RFC 3339, UTC; null: no end.
    #[schema(required = true)]
    pub valid_until: Option<String>,
    #[schema(required = true)]
    pub authorized_by: Option<String>,
    #[schema(required = true)]
    pub authorized_at: Option<String>,
    /// When the app last asked about this authorization.
    #[schema(required = true)]
    pub last_used_at: Option<String>,
    /// Used by the app within the last 30 days.
    pub in_active_use: bool,
    pub requested_at: String,
    #[schema(required = true)]
    pub ended_at: Option<String>,
}

impl From<&Row> for AppAuthorizationJson {
    fn from(r: &Row) -> Self {
        let a = &r.authorization;
        Self {
            id: a.id.clone(),
            app_id: a.app_id.clone(),
            app_name: r.app.clone(),
            status: r.status().into(),
            environment: a.environment.clone(),
            tenant_id: a.tenant_id.clone(),
            tenant_name: r.tenant.clone(),
            account_number: a.account_number.clone(),
            contact_email: a.contact_email.clone(),
            info: a.info.clone(),
            valid_until: a.valid_until.as_ref().map(timestamp),
            authorized_by: r.authorized_by.clone(),
            authorized_at: a.authorized_at.as_ref().map(timestamp),
            last_used_at: a.last_used_at.as_ref().map(timestamp),
            in_active_use: a.in_active_use(),
            requested_at: timestamp(&a.requested_at),
            ended_at: a.ended_at.as_ref().map(timestamp),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentCountJson {
    pub environment: String,
    pub name: String,
    /// Tenants whose authorization is active.
    pub active: i64,
    /// Requests awaiting the customer's answer.
    pub pending: i64,
}

impl From<&EnvironmentCount> for EnvironmentCountJson {
    fn from(c: &EnvironmentCount) -> Self {
        Self {
            environment: c.key.clone(),
            name: c.name.clone(),
            active: c.active,
            pending: c.pending,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppAuthorizationList {
    /// Every configured environment with its counts.
    pub counts: Vec<EnvironmentCountJson>,
    /// Pending and active authorizations in the environment asked for, newest first.
    pub items: Vec<AppAuthorizationJson>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// An environment key, e.g. `production`; the first configured one when absent.
    environment: Option<String>,
    /// Start of the customer's name or Cust ID.
    q: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    cursor: Option<String>,
}

/// The app's authorizations in one environment, with the counts of every environment.
#[utoipa::path(
    get,
    path = "/api/v1/apps/{appId}/authorizations",
    tag = "apps",
    operation_id = "listAppAuthorizations",
    params(("appId" = String, Path, description = "The app ID"), ListParams),
    responses(
        (status = 200, description = "Counts and a page of authorizations", body = AppAuthorizationList),
        (status = 404, description = "No such app of this partner", body = ErrorBody),
        (status = 422, description = "A bad environment, search, limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let app_id = super::path_id(path)?;
    let q = query.into_inner();
    let environment = q
        .environment
        .unwrap_or_else(|| state.settings.environments[0].key.clone());
    let search = q.q.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if search.as_ref().is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::invalid(
            "q",
            "The search must be at most 100 characters.",
        ));
    }
    let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(cursor::decode(c)?),
        None => None,
    };
    let filter = Filter {
        app_id: Some(app_id.clone()),
        environment,
        search,
        before,
        limit: Some(cursor::limit(q.limit.as_deref())?),
    };
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let (counts, page) = db(&state, move |c| {
        let (_, counts) = authorizations::counts(c, &settings, &user, &tenant, &app_id)?;
        let page = authorizations::list_for_partner(c, &settings, &user, &tenant, &filter)?;
        Ok((counts, page))
    })
    .await?;
    Ok(HttpResponse::Ok().json(AppAuthorizationList {
        counts: counts.iter().map(EnvironmentCountJson::from).collect(),
        items: page.rows.iter().map(AppAuthorizationJson::from).collect(),
        next_cursor: page.next.as_deref().map(cursor::encode),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct NewAppAuthorization {
    pub app_id: String,
    /// An environment key, e.g. `production`.
    pub environment: String,
    /// Must match the tenant's name (case-insensitively) when the contact approves.
    pub customer_name: String,
    /// The customer's account number (Cust ID).
    pub account_number: String,
    /// The customer's contact person, who receives the confirmation email.
    pub contact_email: String,
    /// Optional additional information.
    pub info: String,
    /// Optional end of validity: an RFC 3339 date or date-time, 1 day to 2 years from now.
    pub valid_until: Option<String>,
}

/// Request Authorization: a pending authorization and the confirmation email to the contact.
/// Needs `authorizations.manage`.
#[utoipa::path(
    post,
    path = "/api/v1/app-authorizations",
    tag = "apps",
    operation_id = "requestAppAuthorization",
    request_body = NewAppAuthorization,
    responses(
        (status = 201, description = "The pending authorization", body = AppAuthorizationJson),
        (status = 404, description = "No such app of this partner", body = ErrorBody),
        (status = 422, description = "A missing or bad field", body = ErrorBody),
    )
)]
pub async fn request(
    caller: ApiCaller,
    state: web::Data<AppState>,
    body: ApiJson<NewAppAuthorization>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let input = NewRequest {
        app_id: b.app_id,
        environment: b.environment,
        customer_name: b.customer_name,
        account_number: b.account_number,
        contact_email: b.contact_email,
        info: b.info,
        valid_until: b.valid_until.unwrap_or_default(),
    };
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let row = db(&state, move |c| {
        authorizations::request(c, &settings, &user, &tenant, &input)
    })
    .await
    .map_err(|e| e.rename_field("app", "appId"))?;
    Ok(created(AppAuthorizationJson::from(&row)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AppAuthorizationEdit {
    /// Whom the request is submitted on behalf of.
    pub on_behalf_of: String,
    /// The customer's contact person, who receives the confirmation email.
    pub contact_email: String,
    pub environment: String,
    pub valid_until: Option<String>,
    pub info: String,
}

/// Edit: emails the contact the changes; they apply when the contact approves.
#[utoipa::path(
    post,
    path = "/api/v1/app-authorizations/{id}/edit",
    tag = "apps",
    operation_id = "editAppAuthorization",
    params(("id" = String, Path, description = "The authorization id")),
    request_body = AppAuthorizationEdit,
    responses(
        (status = 200, description = "The authorization, unchanged until approved", body = AppAuthorizationJson),
        (status = 404, description = "No such authorization of this partner", body = ErrorBody),
        (status = 409, description = "The authorization is not active", body = ErrorBody),
    )
)]
pub async fn edit(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<AppAuthorizationEdit>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let b = body.0;
    let input = EditRequest {
        on_behalf_of: b.on_behalf_of,
        contact_email: b.contact_email,
        environment: b.environment,
        valid_until: b.valid_until.unwrap_or_default(),
        info: b.info,
    };
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let row = db(&state, move |c| {
        authorizations::edit(c, &settings, &user, &tenant, &id, &input)
    })
    .await?;
    Ok(HttpResponse::Ok().json(AppAuthorizationJson::from(&row)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AppAuthorizationRemoval {
    /// The customer's contact person, who is told. Required.
    pub contact_email: String,
    /// Required.
    pub reason: String,
}

/// Remove: the authorization ends at once and the app loses access; the contact is emailed.
#[utoipa::path(
    post,
    path = "/api/v1/app-authorizations/{id}/remove",
    tag = "apps",
    operation_id = "removeAppAuthorization",
    params(("id" = String, Path, description = "The authorization id")),
    request_body = AppAuthorizationRemoval,
    responses(
        (status = 200, description = "The removed authorization", body = AppAuthorizationJson),
        (status = 404, description = "No such authorization of this partner", body = ErrorBody),
        (status = 409, description = "Already ended", body = ErrorBody),
    )
)]
pub async fn remove(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<AppAuthorizationRemoval>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let b = body.0;
    let (user, tenant, settings) = (caller.user, caller.tenant_id, state.settings.clone());
    let row = db(&state, move |c| {
        authorizations::remove(
            c,
            &settings,
            &user,
            &tenant,
            &id,
            &b.contact_email,
            &b.reason,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(AppAuthorizationJson::from(&row)))
}
