//! API tokens (DESIGN §11): a user creates them on the profile page for one tenant where their
//! own roles give `api.access`; the secret is shown once and only its hash is kept; they are
//! revocable and record their last use.

use super::audit::{self, Event, actions};
use super::users::{self, User};
use super::{ServiceError, ServiceResult, new_id, now};
use crate::authz;
use crate::db::schema::{api_tokens, tenants, users as users_table};
use crate::db::{AnyConnection, write_transaction};
use crate::domain::permission::Permission;
use crate::domain::{FieldError, clean_name, token};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const MAX_NAME_CHARS: usize = 100;
/// Active tokens a user may hold at once; the profile page lists them all.
pub const MAX_ACTIVE_PER_USER: i64 = 100;
/// How often the last use is written at most: a busy script does not write on every call.
pub const LAST_USE_PRECISION: chrono::Duration = chrono::Duration::minutes(1);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub tenant_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// A token as the profile page lists it, with its tenant's name.
#[derive(Debug, Clone)]
pub struct TokenView {
    pub token: ApiToken,
    pub tenant: String,
}

/// Creates a token for `tenant_id`; answers the token and its secret, which is never stored
/// and cannot be shown again. The user needs `api.access` there through their own roles: a
/// partner working inside a customer tenant through a grant cannot create tokens there.
pub fn create(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    name: &str,
) -> ServiceResult<(ApiToken, String)> {
    let mut errors = Vec::new();
    let name = clean_name("name", "a name", name, MAX_NAME_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    let tenant_id = tenant_id.trim();
    if tenant_id.is_empty() {
        errors.push(FieldError::new("tenant_id", "Choose an account."));
    } else {
        let access = authz::access(conn, &user.id, tenant_id)?;
        if access.is_empty() {
            // Another tenant's id reveals nothing.
            return Err(ServiceError::NotFound);
        }
        if !access.own().allows(Permission::ApiAccess) {
            errors.push(FieldError::new(
                "tenant_id",
                "Your own role in this account does not allow using the API.",
            ));
        }
    }
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let secret = token::generate();
    let id = new_id();
    write_transaction(conn, |c| {
        let active: i64 = api_tokens::table
            .filter(api_tokens::user_id.eq(&user.id))
            .filter(api_tokens::revoked_at.is_null())
            .count()
            .get_result(c)?;
        if active >= MAX_ACTIVE_PER_USER {
            return Err(ServiceError::Conflict(format!(
                "You already have {MAX_ACTIVE_PER_USER} API tokens. Revoke one you no longer use first."
            )));
        }
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::id.eq(&id),
                api_tokens::user_id.eq(&user.id),
                api_tokens::tenant_id.eq(tenant_id),
                api_tokens::name.eq(&name),
                api_tokens::token_hash.eq(token::hash(&secret)),
                api_tokens::created_at.eq(now()),
            ))
            .execute(c)?;
        audit::record(
            c,
            Event::new(actions::API_TOKEN_CREATED)
                .actor(Some(user.actor()))
                .tenant(tenant_id)
                .subject(&name)
                .detail(format!("token {id}")),
        )?;
        let token = find(c, &id)?.ok_or(ServiceError::NotFound)?;
        Ok((token, secret))
    })
}

fn find(conn: &mut AnyConnection, id: &str) -> ServiceResult<Option<ApiToken>> {
    Ok(api_tokens::table
        .find(id)
        .select(ApiToken::as_select())
        .first(conn)
        .optional()?)
}

/// The user's active tokens, newest first (at most [`MAX_ACTIVE_PER_USER`] exist).
pub fn list_for_user(conn: &mut AnyConnection, user: &User) -> ServiceResult<Vec<TokenView>> {
    let rows: Vec<(ApiToken, String)> = api_tokens::table
        .inner_join(tenants::table)
        .filter(api_tokens::user_id.eq(&user.id))
        .filter(api_tokens::revoked_at.is_null())
        .order(api_tokens::id.desc())
        .limit(MAX_ACTIVE_PER_USER)
        .select((ApiToken::as_select(), tenants::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(token, tenant)| TokenView { token, tenant })
        .collect())
}

/// Revokes one of the user's own active tokens; any other id is NotFound.
pub fn revoke(conn: &mut AnyConnection, user: &User, token_id: &str) -> ServiceResult<ApiToken> {
    write_transaction(conn, |c| {
        let n = diesel::update(
            api_tokens::table
                .find(token_id)
                .filter(api_tokens::user_id.eq(&user.id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(now()))
        .execute(c)?;
        if n != 1 {
            return Err(ServiceError::NotFound);
        }
        let token = find(c, token_id)?.ok_or(ServiceError::NotFound)?;
        audit::record(
            c,
            Event::new(actions::API_TOKEN_REVOKED)
                .actor(Some(user.actor()))
                .tenant(&token.tenant_id)
                .subject(&token.name)
                .detail(format!("token {}", token.id)),
        )?;
        Ok(token)
    })
}

/// The user and token behind a secret: None when unknown, revoked, or the user is disabled.
/// Records the last use, at most once a minute.
pub fn authenticate(
    conn: &mut AnyConnection,
    secret: &str,
) -> ServiceResult<Option<(User, ApiToken)>> {
    if secret.is_empty() || secret.len() > 256 {
        return Ok(None);
    }
    let found: Option<(ApiToken, User)> = api_tokens::table
        .inner_join(users_table::table)
        .filter(api_tokens::token_hash.eq(token::hash(secret)))
        .filter(api_tokens::revoked_at.is_null())
        .select((ApiToken::as_select(), users::User::as_select()))
        .first(conn)
        .optional()?;
    let Some((mut token, user)) = found else {
        return Ok(None);
    };
    if user.is_disabled() {
        return Ok(None);
    }
    let at = now();
    if token
        .last_used_at
        .is_none_or(|last| at - last >= LAST_USE_PRECISION)
    {
        diesel::update(api_tokens::table.find(&token.id))
            .set(api_tokens::last_used_at.eq(at))
            .execute(conn)?;
        token.last_used_at = Some(at);
    }
    Ok(Some((user, token)))
}

/// Audits a refused API call: a bad token, a malformed header, a tenant the caller cannot use.
pub fn auth_failed(
    conn: &mut AnyConnection,
    user: Option<&User>,
    detail: impl Into<String>,
    ip: Option<String>,
) -> ServiceResult<()> {
    audit::record(
        conn,
        Event::new(actions::API_AUTH_FAILED)
            .actor(user.map(User::actor))
            .detail(detail)
            .ip(ip),
    )
}

/// Up to `limit` distinct tenants where the user holds a role directly (for Basic
/// authentication without a `Liaison-Tenant` header: the only one, when there is one).
pub fn member_tenants(
    conn: &mut AnyConnection,
    user_id: &str,
    limit: i64,
) -> ServiceResult<Vec<String>> {
    use crate::db::schema::memberships;
    Ok(memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::tenant_id)
        .distinct()
        .order(memberships::tenant_id.asc())
        .limit(limit)
        .load(conn)?)
}
