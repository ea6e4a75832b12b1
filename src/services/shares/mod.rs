//! Account shares (DESIGN §2): a managing tenant shares itself or one of its sub-accounts with a
//! target tenant, capped by one of the managing tenant's roles (the limiting role). Stored as
//! access grants of origin `share` (owner = the shared account, grantee = the target), created
//! connected, `removed` when revoked, with an optional end (`access_ends_at`). The authorization
//! function already counts them; grants never chain.
//!
//! A share belongs to the tenant whose role limits it: the Shared accounts page of a tenant lists
//! the shares limited by its roles. Sharing needs the multi-tenancy entitlement on the managing
//! tenant, a core or full user, and `grants.manage` through the user's own roles (never through
//! a grant) on the managing tenant and on the shared account ([`rules`]).

mod rules;
mod write;

pub use rules::{Standing, standing};
pub use write::{NewShare, change_role, create, managed, revoke};

use super::roles::{self, Role};
use super::tenants::{self, Tenant};
use super::users::User;
use super::{ServiceError, ServiceResult, now};
use crate::authz;
use crate::db::AnyConnection;
use crate::db::schema::{
    access_grants, memberships, role_permissions, roles as roles_t, tenants as tenants_t, users,
};
use crate::domain::permission::Permission;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

pub const ORIGIN: &str = "share";
pub const PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 100;
/// The sub-accounts the Share form offers next to the tenant itself.
pub const MAX_ACCOUNT_CHOICES: i64 = 50;
/// The most shared accounts the dashboard lists.
pub const MAX_SHARED_WITH_USER: i64 = 50;
/// The most memberships followed to find the accounts shared with a user.
const MAX_MEMBERSHIPS_FOLLOWED: i64 = 200;

/// A share as the lists show it.
#[derive(Debug, Clone)]
pub struct Share {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub target_id: String,
    pub target_name: String,
    pub limiting_role_id: String,
    pub limiting_role: String,
    /// The tenant whose role limits the share: the one that manages it.
    pub managing_id: String,
    pub ends_at: Option<NaiveDateTime>,
    /// The email of the user who created the share (None once that user is gone).
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub status: String,
}

impl Share {
    /// Connected, and its end date (if any) not reached: it gives access.
    pub fn is_active(&self) -> bool {
        self.status == "connected" && self.ends_at.is_none_or(|e| e > now())
    }
}

pub struct SharePage {
    pub rows: Vec<Share>,
    /// The cursor (a share id) of the next page, if there is one.
    pub next: Option<String>,
}

diesel::alias!(tenants_t as account_t: AccountT, tenants_t as target_t: TargetT);

type Row = (
    (
        String,
        String,
        String,
        String,
        String,
        Option<NaiveDateTime>,
    ),
    (NaiveDateTime, String),
    String,
    String,
    String,
    Option<String>,
);

/// Which shares a query loads.
enum Scope<'a> {
    ManagedBy(&'a str),
    SharedWith(&'a str),
    One(&'a str),
    /// Connected shares into any of these tenants, by account name.
    Into(&'a [String]),
}

fn load(
    conn: &mut AnyConnection,
    scope: Scope<'_>,
    before: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<Share>> {
    let mut query = access_grants::table
        .inner_join(roles_t::table)
        .inner_join(
            account_t.on(account_t
                .field(tenants_t::id)
                .nullable()
                .eq(access_grants::owner_tenant_id)),
        )
        .inner_join(
            target_t.on(target_t
                .field(tenants_t::id)
                .eq(access_grants::grantee_tenant_id)),
        )
        .left_join(users::table.on(users::id.nullable().eq(access_grants::invited_by_user_id)))
        .filter(access_grants::origin.eq(ORIGIN))
        .select((
            (
                access_grants::id,
                access_grants::grantee_tenant_id,
                access_grants::limiting_role_id,
                access_grants::status,
                roles_t::tenant_id,
                access_grants::access_ends_at,
            ),
            (access_grants::invited_at, roles_t::name),
            account_t.field(tenants_t::id),
            account_t.field(tenants_t::name),
            target_t.field(tenants_t::name),
            users::email.nullable(),
        ))
        .into_boxed();
    query = match scope {
        Scope::ManagedBy(id) => query
            .filter(roles_t::tenant_id.eq(id.to_string()))
            .filter(access_grants::status.eq("connected")),
        Scope::SharedWith(id) => query
            .filter(access_grants::grantee_tenant_id.eq(id.to_string()))
            .filter(access_grants::status.eq("connected")),
        Scope::One(id) => query.filter(access_grants::id.eq(id.to_string())),
        Scope::Into(ids) => query
            .filter(access_grants::grantee_tenant_id.eq_any(ids.to_vec()))
            .filter(access_grants::status.eq("connected"))
            .filter(
                access_grants::access_ends_at
                    .is_null()
                    .or(access_grants::access_ends_at.gt(now())),
            ),
    };
    if let Some(before) = before {
        query = query.filter(access_grants::id.lt(before.to_string()));
    }
    let rows: Vec<Row> = query
        .order(access_grants::id.desc())
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                (id, target_id, limiting_role_id, status, managing_id, ends_at),
                (created_at, limiting_role),
                account_id,
                account_name,
                target_name,
                created_by,
            )| Share {
                id,
                account_id,
                account_name,
                target_id,
                target_name,
                limiting_role_id,
                limiting_role,
                managing_id,
                ends_at,
                created_by,
                created_at,
                status,
            },
        )
        .collect())
}

fn page(
    conn: &mut AnyConnection,
    scope: Scope<'_>,
    before: Option<&str>,
    limit: Option<i64>,
) -> ServiceResult<SharePage> {
    let limit = limit.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let mut rows = load(conn, scope, before, limit + 1)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|s| s.id.clone())
    } else {
        None
    };
    Ok(SharePage { rows, next })
}

/// One share by id, whatever its status.
pub(crate) fn find(conn: &mut AnyConnection, id: &str) -> ServiceResult<Option<Share>> {
    Ok(load(conn, Scope::One(id), None, 1)?.into_iter().next())
}

/// The Shared accounts page of a managing tenant: who may do what, the accounts and roles the
/// form offers, and the shares, newest first. Needs `tenant.view` on the tenant.
pub struct ManageView {
    pub standing: Standing,
    /// The tenant itself, then its sub-accounts by name (at most [`MAX_ACCOUNT_CHOICES`]).
    pub accounts: Vec<Tenant>,
    pub more_accounts: bool,
    /// The roles that can limit a share: the managing tenant's, built-in first.
    pub roles: Vec<Role>,
    pub shares: SharePage,
}

pub fn manage_view(
    conn: &mut AnyConnection,
    user: &User,
    managing_id: &str,
    before: Option<&str>,
) -> ServiceResult<ManageView> {
    let standing = standing(conn, user, managing_id)?;
    let mut accounts = vec![standing.managing.clone()];
    let mut children = tenants::children(conn, managing_id, MAX_ACCOUNT_CHOICES + 1)?;
    let more_accounts = children.len() as i64 > MAX_ACCOUNT_CHOICES;
    children.truncate(MAX_ACCOUNT_CHOICES as usize);
    accounts.extend(children);
    let roles = roles::list(conn, user, managing_id)?;
    let shares = if standing.sees_shares {
        page(conn, Scope::ManagedBy(managing_id), before, None)?
    } else {
        SharePage {
            rows: Vec::new(),
            next: None,
        }
    };
    Ok(ManageView {
        standing,
        accounts,
        more_accounts,
        roles,
        shares,
    })
}

/// The shares a tenant manages, newest first (the API's list). Needs `tenant.view` on it through
/// the user's own roles.
pub fn list(
    conn: &mut AnyConnection,
    user: &User,
    managing_id: &str,
    before: Option<&str>,
    limit: Option<i64>,
) -> ServiceResult<SharePage> {
    if !standing(conn, user, managing_id)?.sees_shares {
        return Err(ServiceError::Forbidden);
    }
    page(conn, Scope::ManagedBy(managing_id), before, limit)
}

/// A share into the target tenant, with what its limiting role allows.
pub struct SharedWith {
    pub share: Share,
    pub allows: Vec<Permission>,
}

pub struct SharedWithPage {
    pub tenant: Tenant,
    pub rows: Vec<SharedWith>,
    pub next: Option<String>,
}

/// Accounts shared with a tenant, newest first, each with what its limiting role allows. For
/// those who see the tenant through their own roles (a grant into it shows nothing here).
pub fn list_shared_with(
    conn: &mut AnyConnection,
    user: &User,
    target_id: &str,
    before: Option<&str>,
    limit: Option<i64>,
) -> ServiceResult<SharedWithPage> {
    authz::access(conn, &user.id, target_id)?
        .own()
        .require(Permission::TenantView)?;
    let tenant = tenants::find(conn, target_id)?.ok_or(ServiceError::NotFound)?;
    let page = page(conn, Scope::SharedWith(target_id), before, limit)?;
    let role_ids: BTreeSet<&str> = page
        .rows
        .iter()
        .map(|s| s.limiting_role_id.as_str())
        .collect();
    let perms: Vec<(String, String)> = role_permissions::table
        .filter(role_permissions::role_id.eq_any(role_ids))
        .select((role_permissions::role_id, role_permissions::permission))
        .load(conn)?;
    let rows = page
        .rows
        .into_iter()
        .map(|share| {
            let allows: BTreeSet<Permission> = perms
                .iter()
                .filter(|(r, _)| *r == share.limiting_role_id)
                .filter_map(|(_, p)| p.parse().ok())
                .collect();
            SharedWith {
                share,
                allows: allows.into_iter().collect(),
            }
        })
        .collect();
    Ok(SharedWithPage {
        tenant,
        rows,
        next: page.next,
    })
}

/// The accounts shared with tenants the user belongs to (the dashboard's "Shared with you"): by
/// account, at most `limit`, active shares only. What the user may do there is still decided by
/// the authorization function.
pub fn shared_with_user(
    conn: &mut AnyConnection,
    user_id: &str,
    limit: i64,
) -> ServiceResult<Vec<Share>> {
    let tenant_ids: Vec<String> = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::tenant_id)
        .distinct()
        .order(memberships::tenant_id.asc())
        .limit(MAX_MEMBERSHIPS_FOLLOWED)
        .load(conn)?;
    if tenant_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut shares = load(conn, Scope::Into(&tenant_ids), None, limit + 1)?;
    shares.sort_by(|a, b| {
        (a.account_name.to_lowercase(), &a.id).cmp(&(b.account_name.to_lowercase(), &b.id))
    });
    Ok(shares)
}
