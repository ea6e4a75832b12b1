//! Accounts seen from the tenant a caller acts in (the JSON API's `/accounts`): an account is
//! addressable only when it is that tenant or lies below it, whatever else the caller may see.
//! Each function checks that first (one recursive CTE up from the account, stopping at the
//! acting tenant, so it costs the account's depth below it at most), then calls the sub-account
//! and explainer services, whose own authorization checks still apply.

use super::access::{self, Explanation};
use super::subaccounts;
use super::tenants::{self, Tenant};
use super::users::User;
use super::{ServiceError, ServiceResult};
use crate::authz;
use crate::db::{AnyConnection, load_sql};
use crate::domain::permission::Permission;
use diesel::QueryableByName;
use diesel::sql_types::BigInt;

#[derive(QueryableByName)]
struct Depth {
    #[diesel(sql_type = BigInt)]
    depth: i64,
}

/// How far `tenant_id` lies below `root_id` (0 for the root itself), or None when it is not in
/// the root's subtree (or does not exist). No authorization. Walks up by primary key from the
/// tenant and stops at the root, so the cost is bounded by the tenant's depth.
pub fn depth_below(
    conn: &mut AnyConnection,
    root_id: &str,
    tenant_id: &str,
) -> ServiceResult<Option<i64>> {
    let rows: Vec<Depth> = load_sql(
        conn,
        "WITH RECURSIVE chain(id, depth) AS ( \
           SELECT id, CAST(0 AS BIGINT) FROM tenants WHERE id = ? \
           UNION ALL \
           SELECT t.parent_id, chain.depth + 1 FROM chain JOIN tenants t ON t.id = chain.id \
           WHERE t.parent_id IS NOT NULL AND chain.id <> ?) \
         SELECT depth FROM chain WHERE id = ?",
        &[tenant_id, root_id, root_id],
    )?;
    Ok(rows.into_iter().next().map(|r| r.depth))
}

/// The depth of an account below the acting tenant; NotFound outside its subtree.
pub fn within(conn: &mut AnyConnection, root_id: &str, tenant_id: &str) -> ServiceResult<i64> {
    depth_below(conn, root_id, tenant_id)?.ok_or(ServiceError::NotFound)
}

/// An account of the subtree with its depth below the acting tenant. Needs `tenant.view` on it.
pub fn get(
    conn: &mut AnyConnection,
    user: &User,
    root_id: &str,
    tenant_id: &str,
) -> ServiceResult<(Tenant, i64)> {
    let depth = within(conn, root_id, tenant_id)?;
    authz::require(conn, &user.id, tenant_id, Permission::TenantView)?;
    let tenant = tenants::find(conn, tenant_id)?.ok_or(ServiceError::NotFound)?;
    Ok((tenant, depth))
}

/// Renames an account of the subtree ([`subaccounts::rename`]: `tenant.manage`, a taken name is
/// a Conflict).
pub fn rename(
    conn: &mut AnyConnection,
    user: &User,
    root_id: &str,
    tenant_id: &str,
    name: &str,
) -> ServiceResult<(Tenant, i64)> {
    let depth = within(conn, root_id, tenant_id)?;
    let tenant = subaccounts::rename(conn, user, tenant_id, name)?;
    Ok((tenant, depth))
}

/// Deletes an empty account of the subtree ([`subaccounts::delete_empty`]).
pub fn delete(
    conn: &mut AnyConnection,
    user: &User,
    root_id: &str,
    tenant_id: &str,
) -> ServiceResult<(Tenant, i64)> {
    let depth = within(conn, root_id, tenant_id)?;
    let tenant = subaccounts::delete_empty(conn, user, tenant_id)?;
    Ok((tenant, depth))
}

/// Explains a user's access to an account of the subtree ([`access::explain`]).
pub fn explain(
    conn: &mut AnyConnection,
    viewer: &User,
    root_id: &str,
    tenant_id: &str,
    subject_email: Option<&str>,
) -> ServiceResult<Explanation> {
    within(conn, root_id, tenant_id)?;
    access::explain(conn, viewer, tenant_id, subject_email)
}
