//! Tenants ("accounts"): creation with the built-in roles, and the ones a user belongs to.

use super::audit::{self, Actor, Event, actions};
use super::{ServiceError, ServiceResult, new_id, now, users};
use crate::db::schema::{memberships, roles, tenants};
use crate::db::{AnyConnection, SqlParam, execute_sql, is_unique_violation, write_transaction};
use crate::domain::clean_name;
use crate::domain::email::Email;
use crate::domain::role::{AppliesTo, BuiltinRole};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;

pub const MAX_TENANT_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenants)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub account_number: String,
    pub parent_id: Option<String>,
    pub is_partner: bool,
    pub multi_tenancy: bool,
    pub created_at: NaiveDateTime,
}

pub struct NewTenant<'a> {
    pub name: &'a str,
    pub is_partner: bool,
    pub parent_id: Option<&'a str>,
    pub owner_email: &'a str,
}

/// Shown when a tenant name is in use (names are unique regardless of case).
pub const NAME_TAKEN: &str = "An account with this name already exists. Choose another name.";

/// Creates a tenant with its built-in roles and makes the owner its Account owner (the CLI's
/// `tenant add --owner`, and accepting an invitation into a new account). A taken name is an
/// Invalid `name`.
pub fn create(
    conn: &mut AnyConnection,
    input: NewTenant<'_>,
    by: Option<Actor>,
) -> ServiceResult<Tenant> {
    let name = clean_name("name", "a name", input.name, MAX_TENANT_NAME_CHARS)?;
    let owner_key = Email::parse_field("owner", input.owner_email)?.key();
    write_transaction(conn, |c| {
        let owner = users::find_by_email(c, &owner_key)?.ok_or_else(|| {
            ServiceError::invalid(
                "owner",
                format!("There is no user with the email address {owner_key}."),
            )
        })?;
        if let Some(parent) = input.parent_id
            && find(c, parent)?.is_none()
        {
            return Err(ServiceError::invalid(
                "parent",
                format!("There is no account with the id {parent}."),
            ));
        }
        let detail = format!(
            "owner {owner_key}{}",
            if input.is_partner { ", partner" } else { "" }
        );
        let spec = Spec {
            name: &name,
            is_partner: input.is_partner,
            parent_id: input.parent_id,
            owner_id: Some(&owner.id),
            detail,
            grant_id: None,
        };
        insert(c, spec, by).map_err(|e| match e {
            ServiceError::Conflict(m) => ServiceError::invalid("name", m),
            e => e,
        })
    })
}

/// What [`insert`] stores: a checked name, where the tenant sits, and who (if anyone) becomes
/// its Account owner.
pub(crate) struct Spec<'a> {
    pub name: &'a str,
    pub is_partner: bool,
    pub parent_id: Option<&'a str>,
    pub owner_id: Option<&'a str>,
    /// The audit event's detail.
    pub detail: String,
    /// The grant the creator acted through, if that was their only way in.
    pub grant_id: Option<String>,
}

/// Inserts a tenant with its built-in roles, the owner's membership when there is one, and the
/// `tenant.created` event. Call inside a write transaction; a taken name is a Conflict
/// ([`NAME_TAKEN`]).
pub(crate) fn insert(
    c: &mut AnyConnection,
    spec: Spec<'_>,
    by: Option<Actor>,
) -> ServiceResult<Tenant> {
    let id = new_id();
    let at = now();
    let name = spec.name;
    // Account numbers are random; a collision (one in a billion) is retried.
    let mut attempts = 0;
    loop {
        let number = rand::thread_rng()
            .gen_range(100_000_000u32..1_000_000_000)
            .to_string();
        // A savepoint, so that PostgreSQL can go on after a unique violation.
        let inserted = c.transaction(|c| {
            diesel::insert_into(tenants::table)
                .values((
                    tenants::id.eq(&id),
                    tenants::name.eq(name),
                    tenants::name_key.eq(name.to_lowercase()),
                    tenants::account_number.eq(&number),
                    tenants::parent_id.eq(spec.parent_id),
                    tenants::is_partner.eq(spec.is_partner),
                    tenants::created_at.eq(at),
                ))
                .execute(c)
        });
        match inserted {
            Ok(_) => break,
            Err(e) if is_unique_violation(&e) => {
                if name_taken(c, name)? {
                    return Err(ServiceError::Conflict(NAME_TAKEN.into()));
                }
                attempts += 1;
                if attempts > 5 {
                    return Err(e.into());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    for builtin in BuiltinRole::ALL {
        let role_id = new_id();
        diesel::insert_into(roles::table)
            .values((
                roles::id.eq(&role_id),
                roles::tenant_id.eq(&id),
                roles::name.eq(builtin.name()),
                roles::description.eq(builtin.description()),
                roles::applies_to.eq(AppliesTo::ThisAndSubAccounts.as_str()),
                roles::builtin.eq(builtin.key()),
                roles::created_at.eq(at),
            ))
            .execute(c)?;
        // One statement per role, not per permission: creating an account is on the path of
        // every accepted invitation. (Diesel's batch insert is not available through the
        // two-backend connection.)
        let permissions = builtin.permissions();
        let rows = vec!["(?, ?)"; permissions.len()].join(", ");
        let params: Vec<SqlParam<'_>> = permissions
            .iter()
            .flat_map(|p| [SqlParam::Text(&role_id), SqlParam::Text(p.as_str())])
            .collect();
        execute_sql(
            c,
            &format!("INSERT INTO role_permissions (role_id, permission) VALUES {rows}"),
            &params,
        )?;
        if builtin == BuiltinRole::Owner
            && let Some(owner_id) = spec.owner_id
        {
            diesel::insert_into(memberships::table)
                .values((
                    memberships::id.eq(new_id()),
                    memberships::user_id.eq(owner_id),
                    memberships::role_id.eq(&role_id),
                    memberships::tenant_id.eq(&id),
                    memberships::created_at.eq(at),
                ))
                .execute(c)?;
        }
    }
    let mut event = Event::new(actions::TENANT_CREATED)
        .actor(by)
        .tenant(id.clone())
        .subject(name.to_string())
        .detail(spec.detail);
    if let Some(grant) = spec.grant_id {
        event = event.grant(grant);
    }
    audit::record(c, event)?;
    find(c, &id)?.ok_or(ServiceError::NotFound)
}

pub(crate) fn name_taken(conn: &mut AnyConnection, name: &str) -> ServiceResult<bool> {
    let n: i64 = tenants::table
        .filter(tenants::name_key.eq(name.to_lowercase()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> ServiceResult<Option<Tenant>> {
    Ok(tenants::table
        .find(id)
        .select(Tenant::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_name(conn: &mut AnyConnection, name: &str) -> ServiceResult<Option<Tenant>> {
    Ok(tenants::table
        .filter(tenants::name_key.eq(name.trim().to_lowercase()))
        .select(Tenant::as_select())
        .first(conn)
        .optional()?)
}

/// The sub-accounts of a tenant by name, at most `limit` (indexed by parent and name).
pub fn children(
    conn: &mut AnyConnection,
    parent_id: &str,
    limit: i64,
) -> ServiceResult<Vec<Tenant>> {
    Ok(tenants::table
        .filter(tenants::parent_id.eq(parent_id))
        .order(tenants::name_key.asc())
        .limit(limit)
        .select(Tenant::as_select())
        .load(conn)?)
}

/// The partner connected to a tenant, if any: its name and the access level it holds.
pub fn connected_partner(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> ServiceResult<Option<(String, String)>> {
    use crate::db::schema::access_grants;
    Ok(access_grants::table
        .inner_join(tenants::table.on(tenants::id.eq(access_grants::grantee_tenant_id)))
        .inner_join(roles::table.on(roles::id.eq(access_grants::limiting_role_id)))
        .filter(access_grants::owner_tenant_id.eq(tenant_id))
        .filter(access_grants::status.eq("connected"))
        .filter(access_grants::origin.eq(super::links::ORIGIN))
        .select((tenants::name, roles::name))
        .first(conn)
        .optional()?)
}

/// Partner tenants the user belongs to directly, at most `limit` (for the navigation).
pub fn partner_memberships(
    conn: &mut AnyConnection,
    user_id: &str,
    limit: i64,
) -> ServiceResult<Vec<String>> {
    Ok(memberships::table
        .inner_join(tenants::table)
        .filter(memberships::user_id.eq(user_id))
        .filter(tenants::is_partner.eq(true))
        .select(tenants::id)
        .distinct()
        .order(tenants::id.asc())
        .limit(limit)
        .load(conn)?)
}

/// A tenant a user belongs to directly, with the role that makes it so.
#[derive(Debug, Clone)]
pub struct MembershipView {
    pub tenant: Tenant,
    pub role_name: String,
}

/// The user's direct memberships, by tenant name, at most `limit`.
pub fn memberships_of(
    conn: &mut AnyConnection,
    user_id: &str,
    limit: i64,
) -> ServiceResult<Vec<MembershipView>> {
    let rows: Vec<(Tenant, String)> = memberships::table
        .inner_join(tenants::table)
        .inner_join(roles::table)
        .filter(memberships::user_id.eq(user_id))
        .order((tenants::name_key.asc(), roles::name.asc()))
        .limit(limit)
        .select((Tenant::as_select(), roles::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(tenant, role_name)| MembershipView { tenant, role_name })
        .collect())
}

/// The tenants a user administers directly (their own roles give them `tenant.manage`), where an
/// invitation can be accepted: by name, at most `limit`.
pub fn administered_by(
    conn: &mut AnyConnection,
    user: &users::User,
    limit: i64,
) -> ServiceResult<Vec<Tenant>> {
    let mut tenants: Vec<Tenant> = Vec::new();
    for m in memberships_of(conn, &user.id, limit)? {
        if tenants.iter().any(|t| t.id == m.tenant.id) {
            continue;
        }
        if super::links::may_connect(conn, user, &m.tenant.id)? {
            tenants.push(m.tenant);
        }
    }
    Ok(tenants)
}

pub const PAGE_SIZE: i64 = 50;

pub struct TenantPage {
    pub rows: Vec<Tenant>,
    /// The cursor (a name key) of the next page, if there is one.
    pub next: Option<String>,
}

fn require_staff(user: &users::User) -> ServiceResult<()> {
    if user.is_staff {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Every tenant by name for support staff, 50 a page; `search` matches the start of the name,
/// `after` is the name key the previous page ended with.
pub fn list_for_staff(
    conn: &mut AnyConnection,
    staff: &users::User,
    search: Option<&str>,
    after: Option<&str>,
) -> ServiceResult<TenantPage> {
    require_staff(staff)?;
    let mut query = tenants::table.select(Tenant::as_select()).into_boxed();
    if let Some(search) = search {
        let pattern = audit::like_prefix(&search.trim().to_lowercase());
        query = query.filter(tenants::name_key.like(pattern).escape('\\'));
    }
    if let Some(after) = after {
        query = query.filter(tenants::name_key.gt(after.to_string()));
    }
    let mut rows: Vec<Tenant> = query
        .order(tenants::name_key.asc())
        .limit(PAGE_SIZE + 1)
        .load(conn)?;
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|t| t.name.to_lowercase())
    } else {
        None
    };
    Ok(TenantPage { rows, next })
}

/// Support staff give or take the partner entitlement; audited. Unchanged values change nothing.
pub fn set_partner(
    conn: &mut AnyConnection,
    staff: &users::User,
    tenant_id: &str,
    is_partner: bool,
) -> ServiceResult<Tenant> {
    require_staff(staff)?;
    write_transaction(conn, |c| {
        let tenant = find(c, tenant_id)?.ok_or(ServiceError::NotFound)?;
        if tenant.is_partner == is_partner {
            return Ok(tenant);
        }
        diesel::update(tenants::table.find(tenant_id))
            .set(tenants::is_partner.eq(is_partner))
            .execute(c)?;
        audit::record(
            c,
            Event::new(actions::TENANT_PARTNER_CHANGED)
                .actor(Some(staff.actor()))
                .tenant(tenant_id)
                .subject(tenant.name.clone())
                .detail(if is_partner {
                    "partner entitlement given"
                } else {
                    "partner entitlement taken away"
                }),
        )?;
        find(c, tenant_id)?.ok_or(ServiceError::NotFound)
    })
}

/// Support staff give or take the multi-tenancy entitlement (account sharing); audited.
/// Unchanged values change nothing. Shares made before stay until they are revoked.
pub fn set_multi_tenancy(
    conn: &mut AnyConnection,
    staff: &users::User,
    tenant_id: &str,
    enabled: bool,
) -> ServiceResult<Tenant> {
    require_staff(staff)?;
    write_transaction(conn, |c| {
        let tenant = find(c, tenant_id)?.ok_or(ServiceError::NotFound)?;
        if tenant.multi_tenancy == enabled {
            return Ok(tenant);
        }
        diesel::update(tenants::table.find(tenant_id))
            .set(tenants::multi_tenancy.eq(enabled))
            .execute(c)?;
        audit::record(
            c,
            Event::new(actions::TENANT_MULTI_TENANCY_CHANGED)
                .actor(Some(staff.actor()))
                .tenant(tenant_id)
                .subject(tenant.name.clone())
                .detail(if enabled {
                    "multi-tenancy entitlement given"
                } else {
                    "multi-tenancy entitlement taken away"
                }),
        )?;
        find(c, tenant_id)?.ok_or(ServiceError::NotFound)
    })
}
