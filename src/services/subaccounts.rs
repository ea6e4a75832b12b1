//! Sub-accounts: the tenant tree below an account. Create (nobody becomes a member: an Account
//! owner of the sub-account or of an ancestor invites people), rename, delete an empty one, and
//! list a level, the breadcrumbs or a whole subtree with bounded, indexed queries.
//!
//! Every function checks the caller through the one authorization function, so the pages and the
//! JSON API share the rules.

use super::audit::{self, Event, actions};
use super::tenants::{self, MAX_TENANT_NAME_CHARS, NAME_TAKEN, Spec, Tenant};
use super::users::User;
use super::{ServiceError, ServiceResult};
use crate::authz;
use crate::db::schema::{access_grants, memberships, role_permissions, roles, tenants as t};
use crate::db::{AnyConnection, is_unique_violation, load_sql, write_transaction};
use crate::domain::clean_name;
use crate::domain::permission::Permission;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};

/// Rows a level or subtree page shows by default, and the most a caller may ask for.
pub const PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 200;

/// Creates a sub-account of `parent_id` named `name`. Needs `subtenants.create` on the parent.
/// The new tenant gets the built-in roles and no members; a taken name is a Conflict.
pub fn create_sub_account(
    conn: &mut AnyConnection,
    user: &User,
    parent_id: &str,
    name: &str,
) -> ServiceResult<Tenant> {
    let access = authz::require(conn, &user.id, parent_id, Permission::SubtenantsCreate)?;
    let name = clean_name("name", "a name", name, MAX_TENANT_NAME_CHARS)?;
    let grant_id = access.only_grant().map(str::to_string);
    write_transaction(conn, |c| {
        let spec = Spec {
            name: &name,
            is_partner: false,
            parent_id: Some(parent_id),
            owner_id: None,
            detail: format!("sub-account of {} ({parent_id})", access.tenant_name),
            grant_id,
        };
        tenants::insert(c, spec, Some(user.actor()))
    })
}

/// Renames a tenant; needs `tenant.manage` on it. A taken name is a Conflict.
pub fn rename(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    name: &str,
) -> ServiceResult<Tenant> {
    let access = authz::require(conn, &user.id, tenant_id, Permission::TenantManage)?;
    let name = clean_name("name", "a name", name, MAX_TENANT_NAME_CHARS)?;
    write_transaction(conn, |c| {
        let old = tenants::find(c, tenant_id)?.ok_or(ServiceError::NotFound)?;
        if old.name == name {
            return Ok(old);
        }
        let updated = c.transaction(|c| {
            diesel::update(t::table.find(tenant_id))
                .set((t::name.eq(&name), t::name_key.eq(name.to_lowercase())))
                .execute(c)
        });
        match updated {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(ServiceError::Conflict(NAME_TAKEN.into()));
            }
            Err(e) => return Err(e.into()),
        }
        let mut event = Event::new(actions::TENANT_RENAMED)
            .actor(Some(user.actor()))
            .tenant(tenant_id)
            .subject(name.clone())
            .detail(format!("renamed from {}", old.name));
        if let Some(grant) = access.only_grant() {
            event = event.grant(grant);
        }
        audit::record(c, event)?;
        tenants::find(c, tenant_id)?.ok_or(ServiceError::NotFound)
    })
}

/// Deletes an empty sub-account: no sub-accounts, no members, no links or shares. Needs
/// `tenant.manage` on it. Answers the deleted tenant (its `parent_id` says where to go next).
pub fn delete_empty(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
) -> ServiceResult<Tenant> {
    let access = authz::require(conn, &user.id, tenant_id, Permission::TenantManage)?;
    write_transaction(conn, |c| {
        let tenant = tenants::find(c, tenant_id)?.ok_or(ServiceError::NotFound)?;
        let name = &tenant.name;
        let Some(parent_id) = tenant.parent_id.clone() else {
            return Err(ServiceError::Conflict(format!(
                "{name} is a top-level account and cannot be deleted here. Support staff can help."
            )));
        };
        if let Some(reason) = why_not_empty(c, &tenant)? {
            return Err(ServiceError::Conflict(reason));
        }
        let role_ids = roles::table
            .filter(roles::tenant_id.eq(tenant_id))
            .select(roles::id);
        diesel::delete(role_permissions::table.filter(role_permissions::role_id.eq_any(role_ids)))
            .execute(c)?;
        diesel::delete(roles::table.filter(roles::tenant_id.eq(tenant_id))).execute(c)?;
        diesel::delete(t::table.find(tenant_id)).execute(c)?;
        let mut event = Event::new(actions::TENANT_DELETED)
            .actor(Some(user.actor()))
            .tenant(parent_id)
            .subject(name.clone())
            .detail(format!(
                "sub-account {tenant_id} (account number {}) deleted",
                tenant.account_number
            ));
        if let Some(grant) = access.only_grant() {
            event = event.grant(grant);
        }
        audit::record(c, event)?;
        Ok(tenant)
    })
}

/// Why a tenant cannot be deleted, in words, or None when it is empty. Four indexed counts.
pub fn why_not_empty(conn: &mut AnyConnection, tenant: &Tenant) -> ServiceResult<Option<String>> {
    let name = &tenant.name;
    let children: i64 = t::table
        .filter(t::parent_id.eq(&tenant.id))
        .count()
        .get_result(conn)?;
    if children > 0 {
        return Ok(Some(format!(
            "{name} has sub-accounts. Delete them first, then delete {name}."
        )));
    }
    let members: i64 = memberships::table
        .filter(memberships::tenant_id.eq(&tenant.id))
        .count()
        .get_result(conn)?;
    if members > 0 {
        return Ok(Some(format!(
            "{name} still has members. Remove them from its roles first."
        )));
    }
    let grants: i64 = access_grants::table
        .filter(
            access_grants::owner_tenant_id
                .eq(&tenant.id)
                .or(access_grants::grantee_tenant_id.eq(&tenant.id)),
        )
        .count()
        .get_result(conn)?;
    if grants > 0 {
        return Ok(Some(format!(
            "{name} has partner links or shares (current or past), which its activity log \
             refers to. It cannot be deleted."
        )));
    }
    Ok(None)
}

/// A sub-account in a level listing, and whether it has sub-accounts of its own.
#[derive(Debug, Clone)]
pub struct Child {
    pub tenant: Tenant,
    pub has_children: bool,
}

pub struct ChildPage {
    pub rows: Vec<Child>,
    /// The cursor (a name key) of the next page, if there is one.
    pub next: Option<String>,
}

fn clamp(limit: i64) -> i64 {
    limit.clamp(1, MAX_PAGE_SIZE)
}

fn search_pattern(search: Option<&str>) -> Option<String> {
    search
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .map(|s| audit::like_prefix(&s))
}

/// The sub-accounts of `parent_id` by name, `limit` a page (at most 200); `search` matches the
/// start of the name, `cursor` is the name key the previous page ended with. Needs `tenant.view`
/// on the parent. Two indexed queries (parent, name_key).
pub fn children_page(
    conn: &mut AnyConnection,
    user: &User,
    parent_id: &str,
    search: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> ServiceResult<ChildPage> {
    authz::require(conn, &user.id, parent_id, Permission::TenantView)?;
    let limit = clamp(limit);
    let mut query = t::table
        .filter(t::parent_id.eq(parent_id))
        .select(Tenant::as_select())
        .into_boxed();
    if let Some(pattern) = search_pattern(search) {
        query = query.filter(t::name_key.like(pattern).escape('\\'));
    }
    if let Some(after) = cursor.filter(|c| !c.is_empty()) {
        query = query.filter(t::name_key.gt(after.to_string()));
    }
    let mut rows: Vec<Tenant> = query.order(t::name_key.asc()).limit(limit + 1).load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.name.to_lowercase())
    } else {
        None
    };
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let parents: Vec<Option<String>> = t::table
        .filter(t::parent_id.eq_any(&ids))
        .select(t::parent_id)
        .distinct()
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(|tenant| Child {
            has_children: parents.iter().flatten().any(|p| *p == tenant.id),
            tenant,
        })
        .collect();
    Ok(ChildPage { rows, next })
}

#[derive(QueryableByName)]
struct TreeRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    account_number: String,
    #[diesel(sql_type = Nullable<Text>)]
    parent_id: Option<String>,
    #[diesel(sql_type = Bool)]
    is_partner: bool,
    #[diesel(sql_type = Bool)]
    multi_tenancy: bool,
    #[diesel(sql_type = Timestamp)]
    created_at: NaiveDateTime,
    #[diesel(sql_type = BigInt)]
    depth: i64,
}

impl TreeRow {
    fn split(self) -> (Tenant, i64) {
        let tenant = Tenant {
            id: self.id,
            name: self.name,
            account_number: self.account_number,
            parent_id: self.parent_id,
            is_partner: self.is_partner,
            multi_tenancy: self.multi_tenancy,
            created_at: self.created_at,
        };
        (tenant, self.depth)
    }
}

const TENANT_COLUMNS: &str = "t.id AS id, t.name AS name, t.account_number AS account_number, \
     t.parent_id AS parent_id, t.is_partner AS is_partner, t.multi_tenancy AS multi_tenancy, \
     t.created_at AS created_at";

/// The ancestors of a tenant, root first, without the tenant itself: one recursive CTE up the
/// tree. No authorization: use [`breadcrumbs`] for what a user may see.
pub fn ancestors(conn: &mut AnyConnection, tenant_id: &str) -> ServiceResult<Vec<Tenant>> {
    let sql = format!(
        "WITH RECURSIVE chain(id, depth) AS ( \
           SELECT parent_id, CAST(1 AS BIGINT) FROM tenants \
           WHERE id = ? AND parent_id IS NOT NULL \
           UNION ALL \
           SELECT t.parent_id, chain.depth + 1 FROM chain JOIN tenants t ON t.id = chain.id \
           WHERE t.parent_id IS NOT NULL) \
         SELECT {TENANT_COLUMNS}, chain.depth AS depth \
         FROM chain JOIN tenants t ON t.id = chain.id ORDER BY chain.depth DESC"
    );
    let rows: Vec<TreeRow> = load_sql(conn, &sql, &[tenant_id])?;
    Ok(rows.into_iter().map(|r| r.split().0).collect())
}

#[derive(QueryableByName)]
struct HeldRole {
    #[diesel(sql_type = BigInt)]
    depth: i64,
    #[diesel(sql_type = Text)]
    applies_to: String,
}

/// The ancestors of a tenant (root first) the user may see through their own roles: the
/// breadcrumbs of the tree page. Two queries whatever the depth.
pub fn breadcrumbs(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
) -> ServiceResult<Vec<Tenant>> {
    let all = ancestors(conn, tenant_id)?;
    if all.is_empty() {
        return Ok(all);
    }
    // The user's roles with tenant.view along the chain, by distance from the tenant.
    let held: Vec<HeldRole> = load_sql(
        conn,
        "WITH RECURSIVE chain(id, depth) AS ( \
           SELECT id, CAST(0 AS BIGINT) FROM tenants WHERE id = ? \
           UNION ALL \
           SELECT t.parent_id, chain.depth + 1 FROM chain JOIN tenants t ON t.id = chain.id \
           WHERE t.parent_id IS NOT NULL) \
         SELECT chain.depth AS depth, r.applies_to AS applies_to \
         FROM chain JOIN memberships m ON m.tenant_id = chain.id \
         JOIN roles r ON r.id = m.role_id \
         JOIN role_permissions rp ON rp.role_id = r.id AND rp.permission = 'tenant.view' \
         WHERE m.user_id = ?",
        &[tenant_id, &user.id],
    )?;
    let total = all.len() as i64;
    Ok(all
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            // Root first: the ancestor at index i is this far above the tenant.
            let depth = total - *i as i64;
            held.iter().any(|h| {
                (h.depth == depth && matches!(h.applies_to.as_str(), "this" | "this_and_sub"))
                    || (h.depth > depth
                        && matches!(h.applies_to.as_str(), "this_and_sub" | "sub_only"))
            })
        })
        .map(|(_, tenant)| tenant)
        .collect())
}

/// A descendant of a subtree's root, with its distance from the root (children are 1).
#[derive(Debug, Clone)]
pub struct SubtreeRow {
    pub tenant: Tenant,
    pub depth: i64,
}

pub struct SubtreePage {
    pub rows: Vec<SubtreeRow>,
    /// The cursor (a tenant id) of the next page, if there is one.
    pub next: Option<String>,
}

/// Every descendant of `root_id`, by id (UUIDv7: creation order), `limit` a page (at most 200);
/// `search` matches the start of the name, `cursor` is the id the previous page ended with.
/// Needs `tenant.view` on the root. One recursive CTE down the tree (tenants by parent).
pub fn subtree_page(
    conn: &mut AnyConnection,
    user: &User,
    root_id: &str,
    search: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> ServiceResult<SubtreePage> {
    authz::require(conn, &user.id, root_id, Permission::TenantView)?;
    let limit = clamp(limit);
    let pattern = search_pattern(search).unwrap_or_else(|| "%".to_string());
    let sql = format!(
        "WITH RECURSIVE sub(id, depth) AS ( \
           SELECT id, CAST(1 AS BIGINT) FROM tenants WHERE parent_id = ? \
           UNION ALL \
           SELECT t.id, sub.depth + 1 FROM sub JOIN tenants t ON t.parent_id = sub.id) \
         SELECT {TENANT_COLUMNS}, sub.depth AS depth \
         FROM sub JOIN tenants t ON t.id = sub.id \
         WHERE t.id > ? AND t.name_key LIKE ? ESCAPE '\\' \
         ORDER BY t.id LIMIT {}",
        limit + 1
    );
    let after = cursor.unwrap_or_default();
    let rows: Vec<TreeRow> = load_sql(conn, &sql, &[root_id, after, &pattern])?;
    let mut rows: Vec<SubtreeRow> = rows
        .into_iter()
        .map(|r| {
            let (tenant, depth) = r.split();
            SubtreeRow { tenant, depth }
        })
        .collect();
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.tenant.id.clone())
    } else {
        None
    };
    Ok(SubtreePage { rows, next })
}
