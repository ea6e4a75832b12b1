//! The app's own endpoints: an app authenticates with HTTP Basic (client ID and secret), a
//! separate extractor from [`super::ApiCaller`], and asks which tenants authorized it.

use super::error::ErrorBody;
use super::{ApiError, cursor, timestamp};
use crate::services::app_authorizations::{self as authorizations, AuthorizedTenant};
use crate::services::apps::{self, App};
use crate::services::{api_tokens, audit};
use crate::web::AppState;
use crate::web::extract::client_ip;
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use utoipa::{IntoParams, ToSchema};

/// An app authenticated by its client ID and secret.
pub struct AppCaller {
    pub app: App,
}

const MISSING: &str = "Authenticate the app with HTTP Basic: its client ID as the user name and its secret as the password.";
const WRONG: &str = "The client ID or secret is not valid.";

fn basic(req: &HttpRequest) -> Result<(String, String), ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized(MISSING))?;
    let malformed = || ApiError::unauthorized(MISSING);
    let value = value.to_str().map_err(|_| malformed())?.trim();
    let (scheme, rest) = value.split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") || rest.len() > 2048 {
        return Err(malformed());
    }
    let decoded = STANDARD.decode(rest.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok((id.to_string(), secret.to_string()))
}

async fn app_caller(req: HttpRequest) -> Result<AppCaller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
    let (client_id, secret) = basic(&req)?;
    let ip = client_ip(&req, &state.settings);
    let throttle = state.settings.signin_throttle.clone();
    let found = state
        .try_db(
            move |c| -> crate::services::ServiceResult<Option<Option<App>>> {
                // Refused credentials are throttled per address, like sign-ins.
                if let Some(ip) = &ip {
                    let since = crate::services::now()
                        - chrono::Duration::from_std(throttle.window)
                            .map_err(anyhow::Error::from)?;
                    let failures =
                        audit::count_for_ip(c, audit::actions::API_AUTH_FAILED, ip, since)?;
                    if failures >= throttle.per_address {
                        return Ok(None);
                    }
                }
                let app = apps::authenticate(c, &client_id, &secret)?;
                if app.is_none() {
                    api_tokens::auth_failed(
                        c,
                        None,
                        format!("app credentials refused for {client_id}"),
                        ip,
                    )?;
                }
                Ok(Some(app))
            },
        )
        .await??;
    let Some(found) = found else {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many refused app credentials from this address. Wait and try again.",
        );
        e.retry_after = Some(state.settings.signin_throttle.window.as_secs());
        return Err(e);
    };
    found
        .map(|app| AppCaller { app })
        .ok_or_else(|| ApiError::unauthorized(WRONG))
}

impl FromRequest for AppCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(app_caller(req.clone()))
    }
}

/// A tenant that authorized the calling app.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizedTenantJson {
    pub tenant_id: String,
    pub tenant_name: String,
    pub account_number: String,
    pub environment: String,
    pub authorization_id: String,
    /// RFC 3339, UTC.
    #[schema(required = true)]
    pub authorized_at: Option<String>,
    /// RFC 3339, UTC; null: no end.
    #[schema(required = true)]
    pub valid_until: Option<String>,
}

impl From<&AuthorizedTenant> for AuthorizedTenantJson {
    fn from(t: &AuthorizedTenant) -> Self {
        Self {
            tenant_id: t.tenant_id.clone(),
            tenant_name: t.tenant.clone(),
            account_number: t.account_number.clone(),
            environment: t.authorization.environment.clone(),
            authorization_id: t.authorization.id.clone(),
            authorized_at: t.authorization.authorized_at.as_ref().map(timestamp),
            valid_until: t.authorization.valid_until.as_ref().map(timestamp),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizedTenantList {
    pub items: Vec<AuthorizedTenantJson>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SelfParams {
    /// An environment key, e.g. `production`. Required.
    environment: String,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    cursor: Option<String>,
}

/// The tenants that authorized the calling app in an environment (recording its use).
#[utoipa::path(
    get,
    path = "/api/v1/apps/self/authorizations",
    tag = "app",
    operation_id = "listOwnAuthorizations",
    params(SelfParams),
    responses(
        (status = 200, description = "A page of authorizing tenants", body = AuthorizedTenantList),
        (status = 422, description = "A missing or unknown environment, bad limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    caller: AppCaller,
    state: web::Data<AppState>,
    query: web::Query<SelfParams>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = cursor::limit(q.limit.as_deref())?;
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(cursor::decode(c)?),
        None => None,
    };
    let settings = state.settings.clone();
    let (items, next) = super::db(&state, move |c| {
        authorizations::authorized_tenants(
            c,
            &settings,
            &caller.app,
            &q.environment,
            after.as_deref(),
            limit,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(AuthorizedTenantList {
        items: items.iter().map(AuthorizedTenantJson::from).collect(),
        next_cursor: next.as_deref().map(cursor::encode),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct EnvironmentParam {
    /// An environment key, e.g. `production`. Required.
    environment: String,
}

/// Whether a tenant authorized the calling app in an environment: 200 when it did (recording
/// the use), 403 when it did not.
#[utoipa::path(
    get,
    path = "/api/v1/apps/self/authorizations/{tenantId}",
    tag = "app",
    operation_id = "getOwnAuthorization",
    params(("tenantId" = String, Path, description = "The tenant id"), EnvironmentParam),
    responses(
        (status = 200, description = "The tenant authorized the app", body = AuthorizedTenantJson),
        (status = 403, description = "The tenant did not authorize the app in this environment", body = ErrorBody),
        (status = 422, description = "A missing or unknown environment", body = ErrorBody),
    )
)]
pub async fn get(
    caller: AppCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<EnvironmentParam>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = path.into_inner();
    if tenant_id.len() > super::MAX_ID_CHARS {
        return Err(not_authorized());
    }
    let settings = state.settings.clone();
    let environment = query.into_inner().environment;
    let found = super::db(&state, move |c| {
        authorizations::authorized_tenant(c, &settings, &caller.app, &environment, &tenant_id)
    })
    .await
    .map_err(|e| {
        if e.status == StatusCode::FORBIDDEN {
            not_authorized()
        } else {
            e
        }
    })?;
    Ok(HttpResponse::Ok().json(AuthorizedTenantJson::from(&found)))
}

fn not_authorized() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "This tenant has not authorized the app in this environment.",
    )
}
