//! Roles of a tenant: the built-in ones (read-only) and custom roles with a name, a description,
//! permissions and where they apply. Only Account owners of the tenant (directly, or through an
//! ancestor's owner role that applies to sub-accounts; never through a grant) create, change and
//! delete roles, and nobody gives a role a permission they do not hold themselves.

use super::audit::{self, Event, actions};
use super::users::User;
use super::{ServiceError, ServiceResult, new_id, now};
use crate::authz::{self, Access};
use crate::db::schema::{access_grants, memberships, role_permissions, roles};
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::permission::Permission;
use crate::domain::role::{AppliesTo, BuiltinRole};
use chrono::NaiveDateTime;
use rules::{check, check_name_free, describe, name_in_use, refuse_escalation, write_permissions};

mod rules;
use diesel::prelude::*;
use std::collections::BTreeSet;

pub const MAX_ROLE_NAME_CHARS: usize = 60;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// The most roles a tenant's list loads (built-in ones and custom roles).
pub const MAX_ROLES: i64 = 200;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = roles)]
struct RoleRecord {
    id: String,
    tenant_id: String,
    name: String,
    description: String,
    applies_to: String,
    builtin: Option<String>,
    created_at: NaiveDateTime,
}

/// A role with its permissions, where it applies and how many members hold it.
#[derive(Debug, Clone)]
pub struct Role {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: String,
    pub applies_to: AppliesTo,
    /// The built-in key (`owner`, `administrator`, …); None for custom roles.
    pub builtin: Option<String>,
    pub permissions: BTreeSet<Permission>,
    pub members: i64,
    pub created_at: NaiveDateTime,
}

impl Role {
    pub fn is_builtin(&self) -> bool {
        self.builtin.is_some()
    }

    fn rank(&self) -> usize {
        BuiltinRole::ALL
            .iter()
            .position(|b| Some(b.key()) == self.builtin.as_deref())
            .unwrap_or(BuiltinRole::ALL.len())
    }
}

/// What a form or an API call sends to create or change a custom role.
#[derive(Debug, Clone, Default)]
pub struct NewRole {
    pub name: String,
    pub description: String,
    /// Permission names, e.g. `customers.view`.
    pub permissions: Vec<String>,
    /// `this`, `this_and_sub` or `sub_only`.
    pub applies_to: String,
}

/// A partial change of a custom role (the API's PATCH): a field left out keeps its value.
#[derive(Debug, Clone, Default)]
pub struct RoleChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub applies_to: Option<String>,
}

impl RoleChanges {
    /// The whole role as [`update`] takes it: these changes over the current values.
    fn over(&self, role: &Role) -> NewRole {
        NewRole {
            name: self.name.clone().unwrap_or_else(|| role.name.clone()),
            description: self
                .description
                .clone()
                .unwrap_or_else(|| role.description.clone()),
            permissions: self.permissions.clone().unwrap_or_else(|| {
                role.permissions
                    .iter()
                    .map(|p| p.as_str().to_string())
                    .collect()
            }),
            applies_to: self
                .applies_to
                .clone()
                .unwrap_or_else(|| role.applies_to.as_str().to_string()),
        }
    }
}

/// The caller's own access to a tenant when they may manage its roles: an Account owner through
/// their own roles. NotFound when they cannot see the tenant, Forbidden otherwise.
pub fn manager_access(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
) -> ServiceResult<Access> {
    let access = authz::access(conn, &user.id, tenant_id)?;
    if access.is_empty() {
        return Err(ServiceError::NotFound);
    }
    let own = access.own();
    if !own.is_owner() {
        return Err(ServiceError::Forbidden);
    }
    Ok(own)
}

fn load(conn: &mut AnyConnection, records: Vec<RoleRecord>) -> ServiceResult<Vec<Role>> {
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    let perms: Vec<(String, String)> = role_permissions::table
        .filter(role_permissions::role_id.eq_any(&ids))
        .select((role_permissions::role_id, role_permissions::permission))
        .load(conn)?;
    let counts: Vec<(String, i64)> = memberships::table
        .filter(memberships::role_id.eq_any(&ids))
        .group_by(memberships::role_id)
        .select((memberships::role_id, diesel::dsl::count_star()))
        .load(conn)?;
    let mut roles: Vec<Role> = records
        .into_iter()
        .map(|r| Role {
            permissions: perms
                .iter()
                .filter(|(id, _)| *id == r.id)
                .filter_map(|(_, p)| p.parse().ok())
                .collect(),
            members: counts
                .iter()
                .find(|(id, _)| *id == r.id)
                .map_or(0, |(_, n)| *n),
            applies_to: r.applies_to.parse().unwrap_or(AppliesTo::ThisAccount),
            id: r.id,
            tenant_id: r.tenant_id,
            name: r.name,
            description: r.description,
            builtin: r.builtin,
            created_at: r.created_at,
        })
        .collect();
    roles.sort_by_key(|r| (r.rank(), r.name.to_lowercase()));
    Ok(roles)
}

/// The tenant's roles, built-in first, then custom roles by name. Needs `tenant.view`.
pub fn list(conn: &mut AnyConnection, user: &User, tenant_id: &str) -> ServiceResult<Vec<Role>> {
    authz::require(conn, &user.id, tenant_id, Permission::TenantView)?;
    let records: Vec<RoleRecord> = roles::table
        .filter(roles::tenant_id.eq(tenant_id))
        .order(roles::name.asc())
        .limit(MAX_ROLES)
        .select(RoleRecord::as_select())
        .load(conn)?;
    load(conn, records)
}

fn find(conn: &mut AnyConnection, tenant_id: &str, role_id: &str) -> ServiceResult<Role> {
    let record: Option<RoleRecord> = roles::table
        .find(role_id)
        .filter(roles::tenant_id.eq(tenant_id))
        .select(RoleRecord::as_select())
        .first(conn)
        .optional()?;
    let record = record.ok_or(ServiceError::NotFound)?;
    Ok(load(conn, vec![record])?.remove(0))
}

/// One role of the tenant; another tenant's role is NotFound. Needs `tenant.view`.
pub fn get(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    role_id: &str,
) -> ServiceResult<Role> {
    authz::require(conn, &user.id, tenant_id, Permission::TenantView)?;
    find(conn, tenant_id, role_id)
}

/// Creates a custom role; `tenant.view` is added to its permissions. Account owners only.
pub fn create(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    input: &NewRole,
) -> ServiceResult<Role> {
    let own = manager_access(conn, user, tenant_id)?;
    let checked = check(input)?;
    refuse_escalation(conn, user, &own, &checked.permissions, &BTreeSet::new())?;
    let id = new_id();
    write_transaction(conn, |c| {
        check_name_free(c, tenant_id, &checked.name, None)?;
        let inserted = c.transaction(|c| {
            diesel::insert_into(roles::table)
                .values((
                    roles::id.eq(&id),
                    roles::tenant_id.eq(tenant_id),
                    roles::name.eq(&checked.name),
                    roles::description.eq(&checked.description),
                    roles::applies_to.eq(checked.applies_to.as_str()),
                    roles::created_at.eq(now()),
                ))
                .execute(c)
        });
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(name_in_use(&checked.name)),
            Err(e) => return Err(e.into()),
        }
        write_permissions(c, &id, &checked.permissions)?;
        audit::record(
            c,
            Event::new(actions::ROLE_CREATED)
                .actor(Some(user.actor()))
                .tenant(tenant_id)
                .subject(checked.name.clone())
                .detail(describe(&checked)),
        )?;
        find(c, tenant_id, &id)
    })
}

fn custom(role: Role) -> ServiceResult<Role> {
    if role.is_builtin() {
        return Err(ServiceError::Conflict(format!(
            "{} is a built-in role and cannot be changed or deleted.",
            role.name
        )));
    }
    Ok(role)
}

/// Changes a custom role (built-in roles are read-only). Account owners only; a permission the
/// editor does not hold cannot be added, one the role already has may stay.
pub fn update(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    role_id: &str,
    input: &NewRole,
) -> ServiceResult<Role> {
    let own = manager_access(conn, user, tenant_id)?;
    let role = custom(find(conn, tenant_id, role_id)?)?;
    let checked = check(input)?;
    refuse_escalation(conn, user, &own, &checked.permissions, &role.permissions)?;
    write_transaction(conn, |c| {
        check_name_free(c, tenant_id, &checked.name, Some(role_id))?;
        let updated = c.transaction(|c| {
            diesel::update(roles::table.find(role_id))
                .set((
                    roles::name.eq(&checked.name),
                    roles::description.eq(&checked.description),
                    roles::applies_to.eq(checked.applies_to.as_str()),
                ))
                .execute(c)
        });
        match updated {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(name_in_use(&checked.name)),
            Err(e) => return Err(e.into()),
        }
        write_permissions(c, role_id, &checked.permissions)?;
        audit::record(
            c,
            Event::new(actions::ROLE_UPDATED)
                .actor(Some(user.actor()))
                .tenant(tenant_id)
                .subject(checked.name.clone())
                .detail(format!("was {}; now {}", role.name, describe(&checked))),
        )?;
        find(c, tenant_id, role_id)
    })
}

/// Changes only the given fields of a custom role, with the rules of [`update`].
pub fn change(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    role_id: &str,
    changes: &RoleChanges,
) -> ServiceResult<Role> {
    manager_access(conn, user, tenant_id)?;
    let role = custom(find(conn, tenant_id, role_id)?)?;
    update(conn, user, tenant_id, role_id, &changes.over(&role))
}

/// Deletes a custom role nobody holds and no grant uses. Account owners only.
pub fn delete(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    role_id: &str,
) -> ServiceResult<Role> {
    manager_access(conn, user, tenant_id)?;
    write_transaction(conn, |c| {
        let role = custom(find(c, tenant_id, role_id)?)?;
        if role.members > 0 {
            return Err(ServiceError::Conflict(format!(
                "{} still has members. Remove them from the role first.",
                role.name
            )));
        }
        let grants: i64 = access_grants::table
            .filter(access_grants::limiting_role_id.eq(role_id))
            .count()
            .get_result(c)?;
        if grants > 0 {
            return Err(ServiceError::Conflict(format!(
                "{} limits a partner link or share and cannot be deleted.",
                role.name
            )));
        }
        diesel::delete(role_permissions::table.filter(role_permissions::role_id.eq(role_id)))
            .execute(c)?;
        diesel::delete(roles::table.find(role_id)).execute(c)?;
        audit::record(
            c,
            Event::new(actions::ROLE_DELETED)
                .actor(Some(user.actor()))
                .tenant(tenant_id)
                .subject(role.name.clone()),
        )?;
        Ok(role)
    })
}
