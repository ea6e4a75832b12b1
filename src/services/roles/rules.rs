//! The rules of a role's fields, escalation and names, shared by create and update.

use super::{MAX_DESCRIPTION_CHARS, MAX_ROLE_NAME_CHARS, NewRole};
use crate::authz::Access;
use crate::db::schema::role_permissions;
use crate::db::{AnyConnection, load_sql};
use crate::domain::link::clean_text;
use crate::domain::permission::Permission;
use crate::domain::role::AppliesTo;
use crate::domain::{FieldError, clean_name};
use crate::services::audit::{self, Event, actions};
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult};
use diesel::prelude::*;
use std::collections::BTreeSet;

pub(super) struct Checked {
    pub name: String,
    pub description: String,
    pub permissions: BTreeSet<Permission>,
    pub applies_to: AppliesTo,
}

pub(super) fn check(input: &NewRole) -> ServiceResult<Checked> {
    let mut errors: Vec<FieldError> = Vec::new();
    let name = clean_name("name", "a name", &input.name, MAX_ROLE_NAME_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    let description = clean_text("description", &input.description, MAX_DESCRIPTION_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    let mut permissions = BTreeSet::from([Permission::TenantView]);
    for raw in &input.permissions {
        match raw.trim().parse::<Permission>() {
            Ok(p) => {
                permissions.insert(p);
            }
            Err(_) => {
                let shown: String = raw.chars().filter(|c| !c.is_control()).take(60).collect();
                errors.push(FieldError::new(
                    "permissions",
                    format!("Unknown permission “{shown}”. Choose from the listed permissions."),
                ));
            }
        }
    }
    let applies_to = match input.applies_to.trim() {
        "" => {
            errors.push(FieldError::new(
                "applies_to",
                "Choose to what accounts this role should be applied.",
            ));
            None
        }
        raw => raw
            .parse::<AppliesTo>()
            .map_err(|_| {
                let shown: String = raw.chars().filter(|c| !c.is_control()).take(60).collect();
                errors.push(FieldError::new(
                    "applies_to",
                    format!(
                        "Unknown scope “{shown}”. Choose This account, This account and \
                         sub-accounts, or Only sub-accounts."
                    ),
                ))
            })
            .ok(),
    };
    match (name, description, applies_to) {
        (Some(name), Some(description), Some(applies_to)) if errors.is_empty() => Ok(Checked {
            name,
            description,
            permissions,
            applies_to,
        }),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// Refuses (audited) permissions the caller does not hold through their own roles, unless the
/// role already had them.
pub(super) fn refuse_escalation(
    conn: &mut AnyConnection,
    user: &User,
    own: &Access,
    wanted: &BTreeSet<Permission>,
    already: &BTreeSet<Permission>,
) -> ServiceResult<()> {
    let held = own.permissions();
    let lacking: Vec<&str> = wanted
        .iter()
        .filter(|p| !held.contains(p) && !already.contains(p))
        .map(|p| p.as_str())
        .collect();
    if lacking.is_empty() {
        return Ok(());
    }
    audit::record(
        conn,
        Event::new(actions::AUTHZ_REFUSED)
            .actor(Some(user.actor()))
            .tenant(own.tenant_id.clone())
            .detail(format!(
                "a role with permissions the user lacks: {}",
                lacking.join(", ")
            )),
    )?;
    Err(ServiceError::Forbidden)
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

pub(super) fn name_in_use(name: &str) -> ServiceError {
    ServiceError::invalid(
        "name",
        format!("A role named “{name}” already exists in this account. Choose another name."),
    )
}

/// Fails when another role of the tenant has this name, whatever the case.
pub(super) fn check_name_free(
    conn: &mut AnyConnection,
    tenant_id: &str,
    name: &str,
    except: Option<&str>,
) -> ServiceResult<()> {
    let rows: Vec<IdRow> = load_sql(
        conn,
        "SELECT id FROM roles WHERE tenant_id = ? AND lower(name) = lower(?)",
        &[tenant_id, name],
    )?;
    if rows.iter().any(|r| Some(r.id.as_str()) != except) {
        return Err(name_in_use(name));
    }
    Ok(())
}

pub(super) fn write_permissions(
    conn: &mut AnyConnection,
    role_id: &str,
    permissions: &BTreeSet<Permission>,
) -> ServiceResult<()> {
    diesel::delete(role_permissions::table.filter(role_permissions::role_id.eq(role_id)))
        .execute(conn)?;
    for p in permissions {
        diesel::insert_into(role_permissions::table)
            .values((
                role_permissions::role_id.eq(role_id),
                role_permissions::permission.eq(p.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub(super) fn describe(c: &Checked) -> String {
    let names: Vec<&str> = c.permissions.iter().map(|p| p.as_str()).collect();
    format!("{}; {}", c.applies_to.label(), names.join(", "))
}
