//! The app's side: which tenants authorized the calling app in an environment, and whether one
//! did. Both record the last use.

use super::{Authorization, environment};
use crate::config::Settings;
use crate::db::AnyConnection;
use crate::db::schema::{app_authorizations as auth, tenants};
use crate::services::apps::App;
use crate::services::{ServiceError, ServiceResult, now};
use diesel::prelude::*;

/// How often the last use is written at most.
pub const LAST_USE_PRECISION: chrono::Duration = chrono::Duration::minutes(1);

/// A tenant that authorized the app.
#[derive(Debug, Clone)]
pub struct AuthorizedTenant {
    pub authorization: Authorization,
    pub tenant_id: String,
    pub tenant: String,
    pub account_number: String,
}

fn active(app: &App, env: &str) -> auth::BoxedQuery<'static, crate::db::MultiBackend> {
    let at = now();
    auth::table
        .filter(auth::app_id.eq(app.id.clone()))
        .filter(auth::environment.eq(env.to_string()))
        .filter(auth::status.eq("active"))
        .filter(auth::valid_until.is_null().or(auth::valid_until.gt(at)))
        .into_boxed()
}

/// The tenants that authorized the app in `environment`, by authorization id, a page at a time.
pub fn authorized_tenants(
    conn: &mut AnyConnection,
    settings: &Settings,
    app: &App,
    environment_key: &str,
    after: Option<&str>,
    limit: i64,
) -> ServiceResult<(Vec<AuthorizedTenant>, Option<String>)> {
    let env = environment(settings, "environment", environment_key)?;
    let limit = limit.clamp(1, super::MAX_PAGE_SIZE);
    let mut query = active(app, &env.key)
        .inner_join(tenants::table.on(tenants::id.nullable().eq(auth::tenant_id)))
        .select((
            Authorization::as_select(),
            tenants::id,
            tenants::name,
            tenants::account_number,
        ));
    if let Some(after) = after {
        query = query.filter(auth::id.gt(after.to_string()));
    }
    let mut rows: Vec<(Authorization, String, String, String)> =
        query.order(auth::id.asc()).limit(limit + 1).load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.0.id.clone())
    } else {
        None
    };
    let ids: Vec<String> = rows.iter().map(|r| r.0.id.clone()).collect();
    touch(conn, &ids)?;
    Ok((
        rows.into_iter()
            .map(
                |(authorization, tenant_id, tenant, account_number)| AuthorizedTenant {
                    authorization,
                    tenant_id,
                    tenant,
                    account_number,
                },
            )
            .collect(),
        next,
    ))
}

/// The tenant's active authorization of the app in `environment`; Forbidden when there is none.
pub fn authorized_tenant(
    conn: &mut AnyConnection,
    settings: &Settings,
    app: &App,
    environment_key: &str,
    tenant_id: &str,
) -> ServiceResult<AuthorizedTenant> {
    let env = environment(settings, "environment", environment_key)?;
    let found: Option<(Authorization, String, String, String)> = active(app, &env.key)
        .filter(auth::tenant_id.eq(tenant_id.to_string()))
        .inner_join(tenants::table.on(tenants::id.nullable().eq(auth::tenant_id)))
        .select((
            Authorization::as_select(),
            tenants::id,
            tenants::name,
            tenants::account_number,
        ))
        .first(conn)
        .optional()?;
    let (authorization, tenant_id, tenant, account_number) =
        found.ok_or(ServiceError::Forbidden)?;
    touch(conn, std::slice::from_ref(&authorization.id))?;
    Ok(AuthorizedTenant {
        authorization,
        tenant_id,
        tenant,
        account_number,
    })
}

/// Records the last use, at most once per [`LAST_USE_PRECISION`].
fn touch(conn: &mut AnyConnection, ids: &[String]) -> ServiceResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let at = now();
    diesel::update(
        auth::table.filter(auth::id.eq_any(ids)).filter(
            auth::last_used_at
                .is_null()
                .or(auth::last_used_at.le(at - LAST_USE_PRECISION)),
        ),
    )
    .set(auth::last_used_at.eq(at))
    .execute(conn)?;
    Ok(())
}
