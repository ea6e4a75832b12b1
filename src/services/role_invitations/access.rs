//! Who may invite to which role: `users.invite` through one's own roles, and only to roles of
//! this tenant whose permissions one holds here too.

use super::{MAX_ROLES, NO_INVITE, ROLE_ABOVE_YOURS, SELF_INVITE};
use crate::authz::{self, Access};
use crate::db::AnyConnection;
use crate::db::schema::{role_permissions, roles};
use crate::domain::permission::Permission;
use crate::domain::role::AppliesTo;
use crate::services::audit::{self, Event, actions};
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult};
use diesel::prelude::*;
use std::collections::BTreeSet;

/// The words for a Forbidden answer of [`super::invite`] with this email.
pub fn refusal_message(user: &User, email: &str) -> &'static str {
    if email.trim().to_lowercase() == user.email_key {
        SELF_INVITE
    } else {
        ROLE_ABOVE_YOURS
    }
}

/// The words for any Forbidden answer of [`super::invite`], given the inviter's access to the
/// tenant (as the API has it already).
pub fn invite_refusal(access: &Access, user: &User, email: &str) -> &'static str {
    if access.own().allows(Permission::UsersInvite) {
        refusal_message(user, email)
    } else {
        NO_INVITE
    }
}

/// A role of the tenant, as the Invite form offers it.
#[derive(Debug, Clone)]
pub struct RoleChoice {
    pub id: String,
    pub name: String,
    pub description: String,
    pub applies: &'static str,
    pub builtin: Option<String>,
    pub permissions: BTreeSet<Permission>,
}

/// The viewer's own access (no grants) on the tenant, when it includes `users.invite`. A tenant
/// they cannot see at all is NotFound; a visible one without the permission is Forbidden.
pub fn inviter_access(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
) -> ServiceResult<Access> {
    let access = authz::access(conn, &user.id, tenant_id)?;
    let own = access.own();
    if own.allows(Permission::UsersInvite) {
        Ok(own)
    } else if access.is_empty() {
        Err(ServiceError::NotFound)
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// True when `access` holds every permission in `needed`.
pub fn holds_all(access: &Access, needed: &BTreeSet<Permission>) -> bool {
    let held = access.permissions();
    needed.is_subset(&held)
}

/// The permissions of one role.
pub fn permissions_of(
    conn: &mut AnyConnection,
    role_id: &str,
) -> ServiceResult<BTreeSet<Permission>> {
    let names: Vec<String> = role_permissions::table
        .filter(role_permissions::role_id.eq(role_id))
        .select(role_permissions::permission)
        .load(conn)?;
    Ok(names.iter().filter_map(|n| n.parse().ok()).collect())
}

/// The roles defined at this tenant, by name, with their permissions (two queries).
pub(super) fn tenant_roles(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> ServiceResult<Vec<RoleChoice>> {
    type RoleCols = (String, String, String, String, Option<String>);
    let rows: Vec<RoleCols> = roles::table
        .filter(roles::tenant_id.eq(tenant_id))
        .order(roles::name.asc())
        .limit(MAX_ROLES)
        .select((
            roles::id,
            roles::name,
            roles::description,
            roles::applies_to,
            roles::builtin,
        ))
        .load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    let perms: Vec<(String, String)> = role_permissions::table
        .filter(role_permissions::role_id.eq_any(ids))
        .select((role_permissions::role_id, role_permissions::permission))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, description, applies_to, builtin)| RoleChoice {
            permissions: perms
                .iter()
                .filter(|(r, _)| *r == id)
                .filter_map(|(_, p)| p.parse().ok())
                .collect(),
            applies: applies_label(&applies_to),
            id,
            name,
            description,
            builtin,
        })
        .collect())
}

pub fn applies_label(stored: &str) -> &'static str {
    stored
        .parse::<AppliesTo>()
        .map(AppliesTo::label)
        .unwrap_or("This account")
}

/// The roles of the tenant the viewer may invite to: defined at this tenant, with no permission
/// the viewer lacks here through their own roles.
pub fn assignable_roles(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
) -> ServiceResult<Vec<RoleChoice>> {
    let own = inviter_access(conn, user, tenant_id)?;
    Ok(tenant_roles(conn, tenant_id)?
        .into_iter()
        .filter(|r| holds_all(&own, &r.permissions))
        .collect())
}
/// Records a refused escalation (DESIGN §12) and answers Forbidden.
pub(crate) fn refused(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    detail: &str,
) -> ServiceError {
    let event = Event::new(actions::AUTHZ_REFUSED)
        .actor(Some(user.actor()))
        .tenant(tenant_id)
        .detail(detail);
    match audit::record(conn, event) {
        Ok(()) => ServiceError::Forbidden,
        Err(e) => e,
    }
}
