//! The JSON API (DESIGN §11) under `/api/v1`: JSON in and out, never cookies, authenticated by
//! an API token or HTTP Basic ([`ApiCaller`]), errors as `{"error": {...}}` ([`ApiError`]).
//! Handlers are thin: they call the same services as the pages. The OpenAPI document is
//! generated from the handlers' annotations ([`doc::ApiDoc`]).

pub mod access;
pub mod accounts;
pub mod activity;
pub mod app_authorizations;
pub mod app_self;
pub mod apps;
pub mod auth;
pub mod body;
pub mod customer;
pub mod datasources;
pub mod doc;
pub mod error;
pub mod links;
pub mod memberships;
pub mod periods;
pub mod role_invitations;
pub mod roles;
pub mod shares;
pub mod users;

pub use auth::ApiCaller;
pub use body::ApiJson;
pub use error::ApiError;

use crate::db::AnyConnection;
use crate::services::ServiceError;
use crate::web::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpResponse, ResponseError, web};

pub const PREFIX: &str = "/api/v1";

/// Declares the routes once: the router registers exactly these, and a test checks that each is
/// in the OpenAPI document.
macro_rules! api_routes {
    ($($method:ident $path:literal => $handler:path;)*) => {
        /// Every route of the API: (method, path below [`PREFIX`]).
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn register(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, web::method(actix_web::http::Method::$method).to($handler));)*
            // A known path with another method: 405, after the routes above had their chance.
            $(cfg.service(web::resource($path).to(method_not_allowed));)*
        }
    };
}

api_routes! {
    GET "/openapi.json" => doc::openapi_json;
    GET "/users/self/authorization" => users::authorization;
    GET "/partner/links" => links::list;
    POST "/partner/links" => links::create;
    POST "/partner/links/{id}/resend" => links::resend;
    DELETE "/partner/links/{id}" => links::delete;
    GET "/partner/access-levels" => links::access_levels;
    GET "/customer/partner-access" => customer::partner_access;
    POST "/customer/partner-access/{linkId}/remove" => customer::remove;
    POST "/partner/links/{id}/access-level-request" => periods::request_level;
    POST "/partner/links/{id}/extension-request" => periods::request_extension;
    GET "/customer/partner-access/{linkId}/access-level-request" => periods::level_request;
    POST "/customer/partner-access/{linkId}/access-level-request/approve" => periods::approve;
    POST "/customer/partner-access/{linkId}/access-level-request/decline" => periods::decline;
    POST "/customer/partner-access/{linkId}/extension/confirm" => periods::confirm_extension;
    GET "/roles" => roles::list;
    POST "/roles" => roles::create;
    GET "/roles/{id}" => roles::get;
    PATCH "/roles/{id}" => roles::update;
    DELETE "/roles/{id}" => roles::delete;
    GET "/role-invitations" => role_invitations::list;
    POST "/role-invitations" => role_invitations::create;
    POST "/role-invitations/{id}/resend" => role_invitations::resend;
    POST "/role-invitations/{id}/revoke" => role_invitations::revoke;
    GET "/memberships" => memberships::list;
    DELETE "/memberships/{id}" => memberships::revoke;
    GET "/accounts" => accounts::list;
    POST "/accounts" => accounts::create;
    GET "/accounts/{id}" => accounts::get;
    PATCH "/accounts/{id}" => accounts::rename;
    DELETE "/accounts/{id}" => accounts::delete;
    GET "/accounts/{id}/access" => access::explain;
    GET "/accounts/{id}/activity" => activity::list;
    GET "/accounts/{id}/shares" => shares::list;
    POST "/accounts/{id}/shares" => shares::create;
    PATCH "/accounts/{id}/shares/{shareId}" => shares::change;
    DELETE "/accounts/{id}/shares/{shareId}" => shares::revoke;
    GET "/apps/self/authorizations" => app_self::list;
    GET "/apps/self/authorizations/{tenantId}" => app_self::get;
    GET "/apps" => apps::list;
    POST "/apps" => apps::create;
    POST "/apps/{appId}/secret" => apps::rotate;
    GET "/apps/{appId}/authorizations" => app_authorizations::list;
    POST "/app-authorizations" => app_authorizations::request;
    POST "/app-authorizations/{id}/edit" => app_authorizations::edit;
    POST "/app-authorizations/{id}/remove" => app_authorizations::remove;
    GET "/datasources" => datasources::list;
    POST "/datasources" => datasources::create;
    GET "/datasources/{id}" => datasources::get;
    PATCH "/datasources/{id}" => datasources::update;
    DELETE "/datasources/{id}" => datasources::delete;
    POST "/datasources/{id}/reveal" => datasources::reveal;
    GET "/datasources/{id}/shared-tenants" => datasources::shared;
    POST "/datasources/{id}/shared-tenants" => datasources::add_shared;
    PUT "/datasources/{id}/shared-tenants" => datasources::replace_shared;
    DELETE "/datasources/{id}/shared-tenants/{tenantId}" => datasources::remove_shared;
}

/// Registered from `web::app` with `.configure(api::routes)`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .app_data(web::PayloadConfig::new(body::JSON_LIMIT))
            .wrap(from_fn(json_errors))
            .service(
                web::scope("/v1")
                    .configure(register)
                    .default_service(web::to(not_found)),
            )
            .default_service(web::to(not_found)),
    );
}

/// An id from the path. Ids are short; a longer one names nothing, so it is not found (without a
/// database round trip).
pub fn path_id(path: web::Path<String>) -> Result<String, ApiError> {
    let id = path.into_inner();
    if id.len() > MAX_ID_CHARS {
        return Err(ApiError::not_found());
    }
    Ok(id)
}

/// The longest id a path may carry.
pub const MAX_ID_CHARS: usize = 64;

async fn not_found() -> HttpResponse {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "There is no such API endpoint. The API is described at /api/v1/openapi.json.",
    )
    .error_response()
}

async fn method_not_allowed() -> HttpResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "This endpoint does not accept this method. The API is described at /api/v1/openapi.json.",
    )
    .error_response()
}

/// Any error answer of the API that is not JSON yet (a body limit, a bad query string) becomes
/// the JSON error shape, so no API client ever sees an HTML or plain-text error.
async fn json_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let res = next.call(req).await?;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !status.is_client_error() && !status.is_server_error() || is_json {
        return Ok(res.map_into_left_body());
    }
    let message = match status.as_u16() {
        400 => "The request is malformed.",
        413 => "The request body is too large.",
        _ => "The request could not be completed.",
    };
    let (req, _) = res.into_parts();
    let new = ApiError::new(status, message).error_response();
    Ok(ServiceResponse::new(req, new).map_into_right_body())
}

/// Outside the session middleware: an API request never reads a session cookie, and an API
/// response never sets one.
pub async fn cookieless(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let api = req.path() == "/api" || req.path().starts_with("/api/");
    if api {
        req.headers_mut().remove(header::COOKIE);
    }
    let mut res = next.call(req).await?;
    if api {
        res.headers_mut().remove(header::SET_COOKIE);
    }
    Ok(res)
}

/// Runs database work off the executor, answering the service's errors as API errors.
pub async fn db<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    Ok(state.try_db(work).await??)
}

/// `201 Created` with a JSON body.
pub fn created(body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Created().json(body)
}

/// An RFC 3339 timestamp in UTC, as every timestamp of the API.
pub fn timestamp(t: &chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Opaque list cursors: the keyset position, encoded so that clients do not build them.
pub mod cursor {
    use super::ApiError;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    pub fn encode(id: &str) -> String {
        URL_SAFE_NO_PAD.encode(id)
    }

    /// The position in a cursor sent back by a client; 422 on anything this API did not make.
    pub fn decode(cursor: &str) -> Result<String, ApiError> {
        let bad = || {
            ApiError::invalid(
                "cursor",
                "The cursor is not valid: pass back the nextCursor of the previous page.",
            )
        };
        if cursor.len() > 128 {
            return Err(bad());
        }
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        let id = String::from_utf8(bytes).map_err(|_| bad())?;
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(bad());
        }
        Ok(id)
    }

    /// `limit`: 1 to 100, 50 when absent.
    pub fn limit(raw: Option<&str>) -> Result<i64, ApiError> {
        let max = crate::services::links::MAX_PAGE_SIZE;
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            None => Ok(crate::services::links::PAGE_SIZE),
            Some(r) => r
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "limit",
                        format!("The limit must be a number from 1 to {max}."),
                    )
                }),
        }
    }
}
