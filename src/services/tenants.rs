//! Tenants ("accounts"): creation with the built-in roles, and the ones a user belongs to.

use super::audit::{self, Actor, Event, actions};
use super::{ServiceError, ServiceResult, new_id, now, users};
use crate::db::schema::{memberships, role_permissions, roles, tenants};
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
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

/// Creates a tenant with its built-in roles and makes the owner its Account owner.
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
        let id = new_id();
        let at = now();
        // Account numbers are random; a collision (one in a billion) is retried.
        let mut attempts = 0;
        loop {
            let number = rand::thread_rng()
                .gen_range(100_000_000u32..1_000_000_000)
                .to_string();
            let inserted = c.transaction(|c| {
                diesel::insert_into(tenants::table)
                    .values((
                        tenants::id.eq(&id),
                        tenants::name.eq(&name),
                        tenants::name_key.eq(name.to_lowercase()),
                        tenants::account_number.eq(&number),
                        tenants::parent_id.eq(input.parent_id),
                        tenants::is_partner.eq(input.is_partner),
                        tenants::created_at.eq(at),
                    ))
                    .execute(c)
            });
            match inserted {
                Ok(_) => break,
                Err(e) if is_unique_violation(&e) => {
                    if name_taken(c, &name)? {
                        return Err(ServiceError::invalid(
                            "name",
                            "An account with this name already exists. Choose another name.",
                        ));
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
            for permission in builtin.permissions() {
                diesel::insert_into(role_permissions::table)
                    .values((
                        role_permissions::role_id.eq(&role_id),
                        role_permissions::permission.eq(permission.as_str()),
                    ))
                    .execute(c)?;
            }
            if builtin == BuiltinRole::Owner {
                diesel::insert_into(memberships::table)
                    .values((
                        memberships::id.eq(new_id()),
                        memberships::user_id.eq(&owner.id),
                        memberships::role_id.eq(&role_id),
                        memberships::tenant_id.eq(&id),
                        memberships::created_at.eq(at),
                    ))
                    .execute(c)?;
            }
        }
        audit::record(
            c,
            Event::new(actions::TENANT_CREATED)
                .actor(by)
                .tenant(id.clone())
                .subject(name.clone())
                .detail(format!(
                    "owner {owner_key}{}",
                    if input.is_partner { ", partner" } else { "" }
                )),
        )?;
        find(c, &id)?.ok_or(ServiceError::NotFound)
    })
}

fn name_taken(conn: &mut AnyConnection, name: &str) -> ServiceResult<bool> {
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
