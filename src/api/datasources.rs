//! Data sources: the acting tenant's connection definitions, and the tenants they are shared
//! with under an exact permission set. Passwords are never answered except by `reveal`. Every
//! rule is in `services::datasources`.

use super::error::ErrorBody;
use super::{ApiCaller, ApiError, ApiJson, created, cursor, db, timestamp};
use crate::services::datasources::{self, DataSource, Input, ShareEntry, SharedTenant};
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A data source; never its password.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataSourceJson {
    pub id: String,
    /// The tenant that owns it.
    pub tenant_id: String,
    /// The user who created it (null once that user is gone).
    #[schema(required = true)]
    pub owner_user_id: Option<String>,
    pub name: String,
    /// postgresql, mysql, sqlserver, oracle, rest or other.
    pub kind: String,
    pub host: String,
    #[schema(required = true)]
    pub port: Option<i32>,
    pub database: String,
    pub username: String,
    /// Whether a password is stored (reveal it with `POST /datasources/{id}/reveal`).
    pub has_password: bool,
    pub description: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
}

impl From<&DataSource> for DataSourceJson {
    fn from(d: &DataSource) -> Self {
        Self {
            id: d.id.clone(),
            tenant_id: d.tenant_id.clone(),
            owner_user_id: d.owner_user_id.clone(),
            name: d.name.clone(),
            kind: d.kind.clone(),
            host: d.host.clone(),
            port: d.port,
            database: d.database.clone(),
            username: d.username.clone(),
            has_password: d.has_password(),
            description: d.description.clone(),
            created_at: timestamp(&d.created_at),
            updated_at: timestamp(&d.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataSourceList {
    /// By name.
    pub items: Vec<DataSourceJson>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A data source as sent. On create, `name` and `kind` are required; on update, absent fields
/// stay as they are and an empty or absent password keeps the stored one.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct DataSourceBody {
    /// At most 100 characters, unique in the tenant regardless of case.
    pub name: Option<String>,
    /// postgresql, mysql, sqlserver, oracle, rest or other.
    pub kind: Option<String>,
    /// At most 255 characters.
    pub host: Option<String>,
    /// 1 to 65535.
    pub port: Option<i64>,
    pub database: Option<String>,
    pub username: Option<String>,
    /// Stored encrypted; never answered back.
    pub password: Option<String>,
    pub description: Option<String>,
}

impl From<DataSourceBody> for Input {
    fn from(b: DataSourceBody) -> Self {
        Input {
            name: b.name,
            kind: b.kind,
            host: b.host,
            port: b.port.map(Some),
            database: b.database,
            username: b.username,
            password: b.password,
            description: b.description,
        }
    }
}

/// The password, revealed on purpose.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Revealed {
    /// Empty when none is stored.
    pub password: String,
}

/// One tenant a data source is shared with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedTenantJson {
    pub tenant_id: String,
    /// Exactly what members of the tenant may do on the data source: datasources.view, use,
    /// modify, delete or share. At least one.
    pub permissions: Vec<String>,
}

impl From<&SharedTenant> for SharedTenantJson {
    fn from(s: &SharedTenant) -> Self {
        Self {
            tenant_id: s.tenant_id.clone(),
            permissions: s
                .permissions
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
        }
    }
}

/// The tenants a data source is shared with (at most 100, each listed once).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SharedTenants {
    pub shared_tenants: Vec<SharedTenantJson>,
}

impl SharedTenants {
    fn from_stored(list: &[SharedTenant]) -> Self {
        Self {
            shared_tenants: list.iter().map(SharedTenantJson::from).collect(),
        }
    }
    fn entries(self) -> Vec<ShareEntry> {
        self.shared_tenants
            .into_iter()
            .map(|s| ShareEntry {
                tenant_id: s.tenant_id,
                permissions: s.permissions,
            })
            .collect()
    }
}

/// Paging of the data source list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Data sources a page, 1 to 100 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// The acting tenant's data sources, by name, a page at a time. Needs `datasources.view`.
#[utoipa::path(
    get,
    path = "/api/v1/datasources",
    tag = "datasources",
    operation_id = "listDataSources",
    params(ListParams),
    responses(
        (status = 200, description = "A page of the tenant's data sources", body = DataSourceList),
        (status = 422, description = "A bad limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    state: web::Data<AppState>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = cursor::limit(q.limit.as_deref())?;
    let after = q.cursor.as_deref().map(cursor::decode).transpose()?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let page = db(&state, move |c| {
        datasources::list(c, &user, &tenant, after.as_deref(), limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DataSourceList {
        items: page.rows.iter().map(DataSourceJson::from).collect(),
        next_cursor: page.next.as_deref().map(cursor::encode),
    }))
}

/// Creates a data source of the acting tenant, owned by the caller. Needs `datasources.modify`.
#[utoipa::path(
    post,
    path = "/api/v1/datasources",
    tag = "datasources",
    operation_id = "createDataSource",
    request_body = DataSourceBody,
    responses(
        (status = 201, description = "The data source", body = DataSourceJson),
        (status = 422, description = "A missing, bad or taken field", body = ErrorBody),
    )
)]
pub async fn create(
    caller: ApiCaller,
    state: web::Data<AppState>,
    body: ApiJson<DataSourceBody>,
) -> Result<HttpResponse, ApiError> {
    let input = Input::from(body.0);
    let key = state.settings.datasource_key;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let ds = db(&state, move |c| {
        datasources::create(c, &key, &user, &tenant, &input)
    })
    .await?;
    Ok(created(DataSourceJson::from(&ds)))
}

/// One data source. Needs `datasources.view` on it.
#[utoipa::path(
    get,
    path = "/api/v1/datasources/{id}",
    tag = "datasources",
    operation_id = "getDataSource",
    params(("id" = String, Path, description = "The data source ID")),
    responses(
        (status = 200, description = "The data source", body = DataSourceJson),
        (status = 404, description = "No such data source the caller may see", body = ErrorBody),
    )
)]
pub async fn get(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let user = caller.user;
    let (ds, _) = db(&state, move |c| datasources::get(c, &user, &id)).await?;
    Ok(HttpResponse::Ok().json(DataSourceJson::from(&ds)))
}

/// Changes the fields sent. Needs `datasources.modify` on it.
#[utoipa::path(
    patch,
    path = "/api/v1/datasources/{id}",
    tag = "datasources",
    operation_id = "updateDataSource",
    params(("id" = String, Path, description = "The data source ID")),
    request_body = DataSourceBody,
    responses(
        (status = 200, description = "The data source", body = DataSourceJson),
        (status = 404, description = "No such data source the caller may see", body = ErrorBody),
        (status = 422, description = "A bad or taken field", body = ErrorBody),
    )
)]
pub async fn update(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<DataSourceBody>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let input = Input::from(body.0);
    let key = state.settings.datasource_key;
    let user = caller.user;
    let ds = db(&state, move |c| {
        datasources::update(c, &key, &user, &id, &input)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DataSourceJson::from(&ds)))
}

/// Deletes a data source and its shares. Needs `datasources.delete` on it.
#[utoipa::path(
    delete,
    path = "/api/v1/datasources/{id}",
    tag = "datasources",
    operation_id = "deleteDataSource",
    params(("id" = String, Path, description = "The data source ID")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such data source the caller may see", body = ErrorBody),
    )
)]
pub async fn delete(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let user = caller.user;
    db(&state, move |c| datasources::delete(c, &user, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The stored password, on purpose; audited (`datasource.revealed`). Needs `datasources.use`.
#[utoipa::path(
    post,
    path = "/api/v1/datasources/{id}/reveal",
    tag = "datasources",
    operation_id = "revealDataSourcePassword",
    params(("id" = String, Path, description = "The data source ID")),
    responses(
        (status = 200, description = "The password", body = Revealed),
        (status = 404, description = "No such data source the caller may see", body = ErrorBody),
    )
)]
pub async fn reveal(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let key = state.settings.datasource_key;
    let (user, ip) = (caller.user, caller.ip);
    let password = db(&state, move |c| {
        datasources::reveal(c, &key, &user, &id, ip)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Revealed { password }))
}

/// The tenants the data source is shared with. Needs `datasources.view` on it.
#[utoipa::path(
    get,
    path = "/api/v1/datasources/{id}/shared-tenants",
    tag = "datasources",
    operation_id = "listDataSourceSharedTenants",
    params(("id" = String, Path, description = "The data source ID")),
    responses(
        (status = 200, description = "The shared tenants", body = SharedTenants),
        (status = 404, description = "No such data source the caller may see", body = ErrorBody),
    )
)]
pub async fn shared(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let user = caller.user;
    let (_, list) = db(&state, move |c| datasources::share_list(c, &user, &id)).await?;
    Ok(HttpResponse::Ok().json(SharedTenants::from_stored(&list)))
}

async fn write(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: SharedTenants,
    replace: bool,
) -> Result<Vec<SharedTenant>, ApiError> {
    let id = super::path_id(path)?;
    let entries = body.entries();
    let user = caller.user;
    let outcome = db(&state, move |c| {
        datasources::write_shares(c, &user, &id, &entries, replace)
    })
    .await?;
    outcome.map_err(|e| ApiError::invalid(&e.field, e.message))
}

/// Shares the data source with more tenants (a tenant already listed gets the permissions sent);
/// answers the whole stored list. Applied whole or not at all: an unknown tenant, a tenant
/// listed twice, an unknown permission, an empty permission list or more than 100 tenants is
/// 422 naming the entry (`sharedTenants[i].tenantId`, `sharedTenants[i].permissions[j]`). Needs
/// to be staff, or the data source's owner with `datasources.modify` on it and `tenant.manage`
/// on each tenant.
#[utoipa::path(
    post,
    path = "/api/v1/datasources/{id}/shared-tenants",
    tag = "datasources",
    operation_id = "addDataSourceSharedTenants",
    params(("id" = String, Path, description = "The data source ID")),
    request_body = SharedTenants,
    responses(
        (status = 201, description = "The shared tenants as stored", body = SharedTenants),
        (status = 403, description = "The caller may not share with one of these tenants", body = ErrorBody),
        (status = 404, description = "No such data source the caller may see", body = ErrorBody),
        (status = 422, description = "A bad entry, named", body = ErrorBody),
    )
)]
pub async fn add_shared(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<SharedTenants>,
) -> Result<HttpResponse, ApiError> {
    let list = write(caller, state, path, body.0, false).await?;
    Ok(created(SharedTenants::from_stored(&list)))
}

/// Replaces the list of shared tenants (same rules as adding; tenants left out are removed and
/// must be ones the caller may share with).
#[utoipa::path(
    put,
    path = "/api/v1/datasources/{id}/shared-tenants",
    tag = "datasources",
    operation_id = "replaceDataSourceSharedTenants",
    params(("id" = String, Path, description = "The data source ID")),
    request_body = SharedTenants,
    responses(
        (status = 200, description = "The shared tenants as stored", body = SharedTenants),
        (status = 403, description = "The caller may not share with one of these tenants", body = ErrorBody),
        (status = 404, description = "No such data source the caller may see", body = ErrorBody),
        (status = 422, description = "A bad entry, named", body = ErrorBody),
    )
)]
pub async fn replace_shared(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<SharedTenants>,
) -> Result<HttpResponse, ApiError> {
    let list = write(caller, state, path, body.0, true).await?;
    Ok(HttpResponse::Ok().json(SharedTenants::from_stored(&list)))
}

/// Stops sharing the data source with one tenant.
#[utoipa::path(
    delete,
    path = "/api/v1/datasources/{id}/shared-tenants/{tenantId}",
    tag = "datasources",
    operation_id = "removeDataSourceSharedTenant",
    params(
        ("id" = String, Path, description = "The data source ID"),
        ("tenantId" = String, Path, description = "The tenant it is shared with"),
    ),
    responses(
        (status = 204, description = "No longer shared with this tenant"),
        (status = 403, description = "The caller may not share with this tenant", body = ErrorBody),
        (status = 404, description = "No such data source, or not shared with this tenant", body = ErrorBody),
    )
)]
pub async fn remove_shared(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, tenant_id) = path.into_inner();
    if id.len() > super::MAX_ID_CHARS || tenant_id.len() > super::MAX_ID_CHARS {
        return Err(ApiError::not_found());
    }
    let user = caller.user;
    db(&state, move |c| {
        datasources::remove_share(c, &user, &id, &tenant_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
