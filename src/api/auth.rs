//! Who calls the API, and in which tenant: `Authorization: Bearer <token>` (the token's tenant)
//! or HTTP Basic with email and password (the `Liaison-Tenant` header, or the user's only
//! tenant). The caller needs `api.access` there, through the one authorization function.

use super::error::ApiError;
use crate::authz::{self, Access};
use crate::domain::permission::Permission;
use crate::services::audit::{self, Event, actions};
use crate::services::signin::{self, SigninOutcome};
use crate::services::{ServiceResult, api_tokens, users::User};
use crate::web::AppState;
use crate::web::extract::client_ip;
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::future::Future;
use std::pin::Pin;

/// The header naming the tenant a Basic-authenticated call acts in (a tenant id).
pub const TENANT_HEADER: &str = "Liaison-Tenant";

/// An authenticated API caller: the user, the tenant the call acts in, and everything the user
/// may do there (with `api.access` checked). Handlers take it as an argument and pass
/// `caller.user` and `caller.tenant_id` to the same services the pages use.
pub struct ApiCaller {
    pub user: User,
    pub tenant_id: String,
    pub access: Access,
    /// The API token used, when it was a token.
    pub token_id: Option<String>,
    pub ip: Option<String>,
}

enum Credentials {
    Bearer(String),
    Basic { email: String, password: String },
}

const MISSING: &str = "Authentication is required: send an API token as `Authorization: Bearer <token>`, or your email and password with HTTP Basic authentication.";
const MALFORMED: &str = "The Authorization header is malformed: use `Bearer <token>` or `Basic <base64 of email:password>`.";
const BAD_TOKEN: &str =
    "The API token is not valid: it is unknown or was revoked, or its user is disabled.";

fn credentials(req: &HttpRequest) -> Result<Option<Credentials>, ()> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?.trim();
    let (scheme, rest) = value.split_once(' ').ok_or(())?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Ok(Some(Credentials::Bearer(rest.to_string())));
    }
    if scheme.eq_ignore_ascii_case("basic") && rest.len() <= 2048 {
        let decoded = STANDARD.decode(rest).map_err(|_| ())?;
        let decoded = String::from_utf8(decoded).map_err(|_| ())?;
        let (email, password) = decoded.split_once(':').ok_or(())?;
        return Ok(Some(Credentials::Basic {
            email: email.to_string(),
            password: password.to_string(),
        }));
    }
    Err(())
}

/// The `Liaison-Tenant` header, if sent: a tenant id, bounded.
fn tenant_header(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(TENANT_HEADER) else {
        return Ok(None);
    };
    match value.to_str().map(str::trim) {
        Ok(v) if !v.is_empty() && v.len() <= 64 => Ok(Some(v.to_string())),
        _ => Err(ApiError::bad_request(
            "The Liaison-Tenant header must be the id of one of your accounts.",
        )),
    }
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

async fn audit_failure(
    state: &AppState,
    user: Option<User>,
    detail: String,
    ip: Option<String>,
) -> Result<(), ApiError> {
    state
        .try_db(move |c| api_tokens::auth_failed(c, user.as_ref(), detail, ip))
        .await??;
    Ok(())
}

/// The user behind the credentials and the tenant they name (None: choose from memberships).
async fn identify(
    req: &HttpRequest,
    state: &AppState,
    ip: Option<String>,
) -> Result<(User, Option<String>, Option<String>), ApiError> {
    let header_tenant = tenant_header(req)?;
    let credentials = match credentials(req) {
        Ok(Some(c)) => c,
        Ok(None) => return Err(ApiError::unauthorized(MISSING)),
        Err(()) => {
            audit_failure(state, None, "malformed Authorization header".into(), ip).await?;
            return Err(ApiError::unauthorized(MALFORMED));
        }
    };
    match credentials {
        Credentials::Bearer(secret) => {
            let found = state
                .try_db(move |c| api_tokens::authenticate(c, &secret))
                .await??;
            let Some((user, token)) = found else {
                audit_failure(state, None, "unknown or revoked API token".into(), ip).await?;
                return Err(ApiError::unauthorized(BAD_TOKEN));
            };
            if header_tenant
                .as_ref()
                .is_some_and(|t| *t != token.tenant_id)
            {
                return Err(ApiError::bad_request(
                    "This API token is bound to one account: leave out the Liaison-Tenant header or name that account.",
                ));
            }
            Ok((user, Some(token.tenant_id), Some(token.id)))
        }
        Credentials::Basic { email, password } => {
            // The sign-in service: same answer for unknown users and wrong passwords, argon2 off
            // the executor, throttled per account and per address, every failure audited.
            let outcome = state
                .try_blocking(move |s| {
                    signin::sign_in(
                        &s.pool,
                        &s.hasher,
                        &s.settings.signin_throttle,
                        &email,
                        &password,
                        ip,
                    )
                })
                .await??;
            match outcome {
                SigninOutcome::SignedIn(user) => Ok((user, header_tenant, None)),
                SigninOutcome::Rejected | SigninOutcome::Incomplete(_) => {
                    Err(ApiError::unauthorized(signin::WRONG_CREDENTIALS))
                }
                SigninOutcome::Disabled => Err(ApiError::unauthorized(signin::DISABLED)),
                SigninOutcome::Throttled => {
                    let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, signin::THROTTLED);
                    e.retry_after = Some(state.settings.signin_throttle.window.as_secs());
                    Err(e)
                }
            }
        }
    }
}

/// What the tenant check found.
enum Standing {
    Allowed(String, Access),
    NoTenant,
    SeveralTenants,
    Unknown(String),
    NoApiAccess(String),
}

fn standing(
    c: &mut crate::db::AnyConnection,
    user: &User,
    tenant: Option<String>,
) -> ServiceResult<Standing> {
    let tenant_id = match tenant {
        Some(t) => t,
        None => {
            let mut tenants = api_tokens::member_tenants(c, &user.id, 2)?;
            match tenants.len() {
                0 => return Ok(Standing::NoTenant),
                1 => tenants.remove(0),
                _ => return Ok(Standing::SeveralTenants),
            }
        }
    };
    let access = authz::access(c, &user.id, &tenant_id)?;
    Ok(if access.is_empty() {
        Standing::Unknown(tenant_id)
    } else if !access.allows(Permission::ApiAccess) {
        Standing::NoApiAccess(tenant_id)
    } else {
        Standing::Allowed(tenant_id, access)
    })
}

async fn caller(req: HttpRequest) -> Result<ApiCaller, ApiError> {
    let state = state(&req)?;
    let ip = client_ip(&req, &state.settings);
    let (user, tenant, token_id) = identify(&req, &state, ip.clone()).await?;
    let u = user.clone();
    let found = state.try_db(move |c| standing(c, &u, tenant)).await??;
    match found {
        Standing::Allowed(tenant_id, access) => Ok(ApiCaller {
            user,
            tenant_id,
            access,
            token_id,
            ip,
        }),
        Standing::NoTenant => Err(ApiError::forbidden()),
        Standing::SeveralTenants => Err(ApiError::bad_request(
            "You belong to several accounts: name the one this call acts in with the Liaison-Tenant header (its id).",
        )),
        Standing::Unknown(tenant_id) => {
            let detail = format!("unknown or invisible tenant {tenant_id}");
            audit_failure(&state, Some(user), detail, ip).await?;
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "This account does not exist, or you may not use it.",
            ))
        }
        Standing::NoApiAccess(tenant_id) => {
            let event = Event::new(actions::AUTHZ_REFUSED)
                .actor(Some(user.actor()))
                .tenant(tenant_id)
                .detail(format!("{} {} needs api.access", req.method(), req.path()))
                .ip(ip);
            state.try_db(move |c| audit::record(c, event)).await??;
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Your role in this account does not allow using the API.",
            ))
        }
    }
}

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(caller(req.clone()))
    }
}
