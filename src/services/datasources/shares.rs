//! Sharing a data source with tenants, each under an exact permission set. Who may share with
//! tenant R: staff, or the data source's owner when they hold `datasources.modify` on it and
//! `tenant.manage` on R. A write is applied whole or not at all.

use super::{DataSource, PERMISSIONS, find, parse_permissions, record, require, shares_of};
use crate::authz;
use crate::db::schema::{datasource_shares, tenants};
use crate::db::{AnyConnection, write_transaction};
use crate::domain::permission::Permission;
use crate::services::audit::actions;
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult};
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// The most tenants one data source is shared with.
pub const MAX_SHARED_TENANTS: usize = 100;

/// One tenant a data source is shared with, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedTenant {
    pub tenant_id: String,
    pub tenant_name: String,
    pub permissions: BTreeSet<Permission>,
}

/// One entry of a write, as sent.
#[derive(Debug, Clone, Default)]
pub struct ShareEntry {
    pub tenant_id: String,
    pub permissions: Vec<String>,
}

/// A write refused because of one entry: the field names it, e.g. `sharedTenants[2].tenantId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError {
    pub field: String,
    pub message: String,
}

/// The tenants the data source is shared with. Needs `datasources.view` on it.
pub fn share_list(
    conn: &mut AnyConnection,
    user: &User,
    id: &str,
) -> ServiceResult<(DataSource, Vec<SharedTenant>)> {
    let (ds, _) = require(conn, user, id, Permission::DatasourcesView)?;
    let list = stored(conn, &ds.id)?;
    Ok((ds, list))
}

fn stored(conn: &mut AnyConnection, id: &str) -> ServiceResult<Vec<SharedTenant>> {
    let rows: Vec<(String, String, String)> = datasource_shares::table
        .inner_join(tenants::table.on(tenants::id.eq(datasource_shares::tenant_id)))
        .filter(datasource_shares::datasource_id.eq(id))
        .order(datasource_shares::tenant_id.asc())
        .select((
            datasource_shares::tenant_id,
            tenants::name,
            datasource_shares::permissions,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(tenant_id, tenant_name, p)| SharedTenant {
            tenant_id,
            tenant_name,
            permissions: parse_permissions(&p),
        })
        .collect())
}

/// Staff, or the owner holding `datasources.modify` on the data source. Forbidden otherwise
/// (NotFound when the user has no right on it at all).
fn may_share(conn: &mut AnyConnection, user: &User, id: &str) -> ServiceResult<DataSource> {
    if user.is_staff {
        return find(conn, id)?.ok_or(ServiceError::NotFound);
    }
    let found = require(conn, user, id, Permission::DatasourcesModify);
    let ds = match found {
        Ok((ds, _)) => ds,
        Err(ServiceError::NotFound) => return Err(ServiceError::NotFound),
        Err(e) => return Err(e),
    };
    if ds.owner_user_id.as_deref() != Some(user.id.as_str()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(ds)
}

/// Staff, or `tenant.manage` on the target tenant.
fn may_share_with(conn: &mut AnyConnection, user: &User, tenant_id: &str) -> ServiceResult<()> {
    if user.is_staff || authz::access(conn, &user.id, tenant_id)?.allows(Permission::TenantManage) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

fn entry_error(field: String, message: impl Into<String>) -> EntryError {
    EntryError {
        field,
        message: message.into(),
    }
}

/// Checks every entry; the first bad one is named.
fn validate(
    conn: &mut AnyConnection,
    ds: &DataSource,
    entries: &[ShareEntry],
) -> ServiceResult<Result<BTreeMap<String, BTreeSet<Permission>>, EntryError>> {
    if entries.len() > MAX_SHARED_TENANTS {
        return Ok(Err(entry_error(
            "sharedTenants".into(),
            format!("A data source is shared with at most {MAX_SHARED_TENANTS} tenants."),
        )));
    }
    let mut out = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let tid = e.tenant_id.trim();
        let field = format!("sharedTenants[{i}].tenantId");
        let exists = !tid.is_empty()
            && tid.len() <= 64
            && tenants::table
                .find(tid)
                .select(tenants::id)
                .first::<String>(conn)
                .optional()?
                .is_some();
        if !exists {
            return Ok(Err(entry_error(
                field,
                format!("Entry {i}: there is no tenant with this ID."),
            )));
        }
        if tid == ds.tenant_id {
            return Ok(Err(entry_error(
                field,
                format!("Entry {i}: the data source belongs to this tenant already."),
            )));
        }
        if out.contains_key(tid) {
            return Ok(Err(entry_error(
                field,
                format!("Entry {i}: this tenant is listed twice."),
            )));
        }
        if e.permissions.is_empty() {
            return Ok(Err(entry_error(
                format!("sharedTenants[{i}].permissions"),
                format!("Entry {i}: choose at least one permission."),
            )));
        }
        let mut set = BTreeSet::new();
        for (j, p) in e.permissions.iter().enumerate() {
            match p.trim().parse::<Permission>() {
                Ok(p) if PERMISSIONS.contains(&p) => {
                    set.insert(p);
                }
                _ => {
                    return Ok(Err(entry_error(
                        format!("sharedTenants[{i}].permissions[{j}]"),
                        format!(
                            "Entry {i}: unknown permission; choose among {}.",
                            PERMISSIONS
                                .iter()
                                .map(|p| p.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )));
                }
            }
        }
        out.insert(tid.to_string(), set);
    }
    Ok(Ok(out))
}

fn join(set: &BTreeSet<Permission>) -> String {
    set.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

/// Writes the shares: `replace` makes the list exactly `entries`; otherwise the entries are
/// added (a tenant already listed gets the new permissions). Every tenant added, changed or
/// removed must be one the user may share with; anything less is Forbidden, nothing changed.
pub fn write_shares(
    conn: &mut AnyConnection,
    user: &User,
    id: &str,
    entries: &[ShareEntry],
    replace: bool,
) -> ServiceResult<Result<Vec<SharedTenant>, EntryError>> {
    let ds = may_share(conn, user, id)?;
    let wanted = match validate(conn, &ds, entries)? {
        Ok(w) => w,
        Err(e) => return Ok(Err(e)),
    };
    let current: BTreeMap<String, BTreeSet<Permission>> = shares_of(conn, &ds.id)?
        .into_iter()
        .map(|(t, p)| (t, parse_permissions(&p)))
        .collect();
    let mut next = if replace {
        BTreeMap::new()
    } else {
        current.clone()
    };
    next.extend(wanted);
    if next.len() > MAX_SHARED_TENANTS {
        return Ok(Err(entry_error(
            "sharedTenants".into(),
            format!("A data source is shared with at most {MAX_SHARED_TENANTS} tenants."),
        )));
    }
    let touched: BTreeSet<&String> = current
        .keys()
        .chain(next.keys())
        .filter(|t| current.get(*t) != next.get(*t))
        .collect();
    for t in &touched {
        may_share_with(conn, user, t)?;
    }
    write_transaction(conn, |c| {
        diesel::delete(
            datasource_shares::table.filter(datasource_shares::datasource_id.eq(&ds.id)),
        )
        .execute(c)?;
        for (tenant_id, set) in &next {
            diesel::insert_into(datasource_shares::table)
                .values((
                    datasource_shares::datasource_id.eq(&ds.id),
                    datasource_shares::tenant_id.eq(tenant_id),
                    datasource_shares::permissions.eq(join(set)),
                ))
                .execute(c)?;
        }
        let detail = next
            .iter()
            .map(|(t, s)| format!("{t}: {}", join(s)))
            .collect::<Vec<_>>()
            .join("; ");
        record(c, user, &ds, actions::DATASOURCE_SHARED, detail)?;
        Ok(Ok(stored(c, &ds.id)?))
    })
}

/// Stops sharing with one tenant; NotFound when it is not shared with it.
pub fn remove_share(
    conn: &mut AnyConnection,
    user: &User,
    id: &str,
    tenant_id: &str,
) -> ServiceResult<()> {
    let ds = may_share(conn, user, id)?;
    let current = shares_of(conn, &ds.id)?;
    if !current.iter().any(|(t, _)| t == tenant_id) {
        return Err(ServiceError::NotFound);
    }
    may_share_with(conn, user, tenant_id)?;
    write_transaction(conn, |c| {
        diesel::delete(
            datasource_shares::table
                .filter(datasource_shares::datasource_id.eq(&ds.id))
                .filter(datasource_shares::tenant_id.eq(tenant_id)),
        )
        .execute(c)?;
        record(
            c,
            user,
            &ds,
            actions::DATASOURCE_SHARED,
            format!("removed {tenant_id}"),
        )
    })
}
