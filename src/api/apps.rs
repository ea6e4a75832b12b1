//! Apps, the partner's side: list, register (the secret answered once), rotate the secret. The
//! tenant is the caller's; every rule is in `services::apps`.

use super::error::ErrorBody;
use super::{ApiCaller, ApiError, ApiJson, created, cursor, db, timestamp};
use crate::services::apps::{self, App, WithSecret};
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A partner's app.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppJson {
    /// The app ID.
    pub id: String,
    pub name: String,
    pub description: String,
    /// The user name of the app's HTTP Basic credentials.
    pub client_id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub secret_rotated_at: String,
}

impl From<&App> for AppJson {
    fn from(a: &App) -> Self {
        Self {
            id: a.id.clone(),
            name: a.name.clone(),
            description: a.description.clone(),
            client_id: a.client_id.clone(),
            created_at: timestamp(&a.created_at),
            secret_rotated_at: timestamp(&a.secret_rotated_at),
        }
    }
}

/// An app with its secret: shown this once, never again.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppWithSecret {
    pub app: AppJson,
    /// The password of the app's HTTP Basic credentials. Keep it: it cannot be shown again.
    pub client_secret: String,
}

impl From<&WithSecret> for AppWithSecret {
    fn from(w: &WithSecret) -> Self {
        Self {
            app: AppJson::from(&w.app),
            client_secret: w.secret.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppList {
    pub items: Vec<AppJson>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Apps a page, 1 to 100 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// The partner's apps, oldest first. Needs `apps.manage` or `authorizations.manage`.
#[utoipa::path(
    get,
    path = "/api/v1/apps",
    tag = "apps",
    operation_id = "listApps",
    params(PageParams),
    responses(
        (status = 200, description = "A page of apps", body = AppList),
        (status = 422, description = "A bad limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    state: web::Data<AppState>,
    query: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = cursor::limit(q.limit.as_deref())?;
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(cursor::decode(c)?),
        None => None,
    };
    let (user, tenant) = (caller.user, caller.tenant_id);
    let page = db(&state, move |c| {
        apps::list(c, &user, &tenant, after.as_deref(), Some(limit))
    })
    .await?;
    Ok(HttpResponse::Ok().json(AppList {
        items: page.apps.iter().map(AppJson::from).collect(),
        next_cursor: page.next.as_deref().map(cursor::encode),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewApp {
    /// Unique among the partner's apps, at most 100 characters.
    pub name: String,
    /// May be empty; at most 1000 characters.
    pub description: String,
}

/// Registers an app; answers its client ID and secret (the secret only this once). Needs
/// `apps.manage`.
#[utoipa::path(
    post,
    path = "/api/v1/apps",
    tag = "apps",
    operation_id = "createApp",
    request_body = NewApp,
    responses(
        (status = 201, description = "The app and its secret", body = AppWithSecret),
        (status = 422, description = "A missing, bad or taken name, or a bad description", body = ErrorBody),
    )
)]
pub async fn create(
    caller: ApiCaller,
    state: web::Data<AppState>,
    body: ApiJson<NewApp>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let app = db(&state, move |c| {
        apps::create(c, &user, &tenant, &input.name, &input.description)
    })
    .await?;
    Ok(created(AppWithSecret::from(&app)))
}

/// A new secret for the app; the old one stops working at once. Needs `apps.manage`.
#[utoipa::path(
    post,
    path = "/api/v1/apps/{appId}/secret",
    tag = "apps",
    operation_id = "rotateAppSecret",
    params(("appId" = String, Path, description = "The app ID")),
    responses(
        (status = 200, description = "The app and its new secret", body = AppWithSecret),
        (status = 404, description = "No such app of this partner", body = ErrorBody),
    )
)]
pub async fn rotate(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let app = db(&state, move |c| apps::rotate_secret(c, &user, &tenant, &id)).await?;
    Ok(HttpResponse::Ok().json(AppWithSecret::from(&app)))
}
