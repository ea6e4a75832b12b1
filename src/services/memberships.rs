//! Who has access to a tenant through a role, and taking a role away (issue 4). A tenant's
//! "People with access" are the memberships in its own roles and in the roles of its ancestors
//! that apply to sub-accounts: one recursive query up the tree, as the authorization function
//! reads them (DESIGN §3), so the list shows exactly what gives access.

use super::audit::{self, Event, actions};
use super::role_invitations::{applies_label, holds_all, inviter_access, permissions_of, refused};
use super::users::{self, User};
use super::{ServiceError, ServiceResult, outbox};
use crate::authz::{self, SCOPE};
use crate::config::Settings;
use crate::db::schema::memberships;
use crate::db::{AnyConnection, load_sql, write_transaction};
use crate::mail::templates::MembershipRevoked;
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use std::collections::HashMap;

pub const PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 100;
/// A guard against a cycle in the tree; far deeper than any real hierarchy.
const MAX_DEPTH: i64 = 100_000;

#[derive(Debug, Clone, QueryableByName)]
pub struct AccessPath {
    #[diesel(sql_type = Text)]
    pub membership_id: String,
    #[diesel(sql_type = Text)]
    pub user_id: String,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub role_id: String,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Text)]
    pub applies_to: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub builtin: Option<String>,
    /// Where the role is defined.
    #[diesel(sql_type = Text)]
    pub defined_id: String,
    #[diesel(sql_type = Text)]
    pub defined_at: String,
    /// 0 for a role of this tenant; how many levels up otherwise.
    #[diesel(sql_type = BigInt)]
    pub depth: i64,
}

impl AccessPath {
    pub fn inherited(&self) -> bool {
        self.depth > 0
    }

    /// How the role reaches this tenant, in words.
    pub fn how(&self) -> String {
        if self.inherited() {
            format!(
                "Defined in {}, applies to its sub-accounts",
                self.defined_at
            )
        } else {
            format!(
                "Defined here: {}",
                applies_label(&self.applies_to).to_lowercase()
            )
        }
    }
}

/// One row of "People with access", with whether the viewer may revoke it.
#[derive(Debug, Clone)]
pub struct PathRow {
    pub path: AccessPath,
    pub can_revoke: bool,
}

pub struct PathPage {
    pub rows: Vec<PathRow>,
    /// Cursor of the next page (a membership id).
    pub next: Option<String>,
}

/// The memberships giving access to `tenant_id`, in membership order after `after`, at most
/// `limit`; or only `membership_id`.
fn paths_sql(tail: &str) -> String {
    format!(
        "WITH RECURSIVE chain(id, depth) AS ( \
           SELECT id, CAST(0 AS BIGINT) FROM tenants WHERE id = ? \
           UNION ALL \
           SELECT t.parent_id, chain.depth + 1 FROM chain JOIN tenants t ON t.id = chain.id \
           WHERE t.parent_id IS NOT NULL AND chain.depth < {MAX_DEPTH}) \
         SELECT m.id AS membership_id, u.id AS user_id, u.email AS email, u.name AS name, \
                r.id AS role_id, r.name AS role, r.applies_to AS applies_to, r.builtin AS builtin, \
                d.id AS defined_id, d.name AS defined_at, chain.depth AS depth \
         FROM chain \
         JOIN memberships m ON m.tenant_id = chain.id \
         JOIN roles r ON r.id = m.role_id \
         JOIN users u ON u.id = m.user_id \
         JOIN tenants d ON d.id = chain.id \
         WHERE {SCOPE} AND {tail}"
    )
}

/// For the Users & roles page: every membership giving access to this tenant, 50 a page.
/// The viewer needs `users.invite` through their own roles.
pub fn access_paths_of(
    conn: &mut AnyConnection,
    viewer: &User,
    tenant_id: &str,
    after: Option<&str>,
) -> ServiceResult<PathPage> {
    access_paths_page(conn, viewer, tenant_id, after, PAGE_SIZE)
}

/// [`access_paths_of`] with the page size chosen (the API's `limit`), 1 to [`MAX_PAGE_SIZE`].
pub fn access_paths_page(
    conn: &mut AnyConnection,
    viewer: &User,
    tenant_id: &str,
    after: Option<&str>,
    limit: i64,
) -> ServiceResult<PathPage> {
    inviter_access(conn, viewer, tenant_id)?;
    let limit = limit.clamp(1, MAX_PAGE_SIZE);
    let sql = paths_sql(&format!("m.id > ? ORDER BY m.id LIMIT {}", limit + 1));
    let mut paths: Vec<AccessPath> = load_sql(conn, &sql, &[tenant_id, after.unwrap_or("")])?;
    let next = if paths.len() as i64 > limit {
        paths.truncate(limit as usize);
        paths.last().map(|p| p.membership_id.clone())
    } else {
        None
    };
    // One authorization per defining tenant and one permission read per role on the page.
    let mut held: HashMap<String, authz::Access> = HashMap::new();
    let mut rows = Vec::with_capacity(paths.len());
    for path in paths {
        let can_revoke = may_revoke(conn, viewer, &path, &mut held)?;
        rows.push(PathRow { path, can_revoke });
    }
    Ok(PathPage { rows, next })
}

/// The viewer holds every permission of the role where it is defined (own roles only).
fn may_revoke(
    conn: &mut AnyConnection,
    viewer: &User,
    path: &AccessPath,
    held: &mut HashMap<String, authz::Access>,
) -> ServiceResult<bool> {
    if !held.contains_key(&path.defined_id) {
        let access = authz::own_access(conn, &viewer.id, &path.defined_id)?;
        held.insert(path.defined_id.clone(), access);
    }
    let needed = permissions_of(conn, &path.role_id)?;
    Ok(holds_all(&held[&path.defined_id], &needed))
}

/// One membership giving access to this tenant; anything else is NotFound.
pub fn path_of(
    conn: &mut AnyConnection,
    viewer: &User,
    tenant_id: &str,
    membership_id: &str,
) -> ServiceResult<PathRow> {
    inviter_access(conn, viewer, tenant_id)?;
    let paths: Vec<AccessPath> =
        load_sql(conn, &paths_sql("m.id = ?"), &[tenant_id, membership_id])?;
    let path = paths.into_iter().next().ok_or(ServiceError::NotFound)?;
    let can_revoke = may_revoke(conn, viewer, &path, &mut HashMap::new())?;
    Ok(PathRow { path, can_revoke })
}

/// Refused: the last member of an Account owner role.
pub fn last_owner_message(path: &AccessPath) -> String {
    format!(
        "{} is the only Account owner of {}. Invite another Account owner first, so that nobody is locked out of the account.",
        path.email, path.defined_at
    )
}

/// Revoke a membership that gives access to this tenant. The viewer needs `users.invite` here
/// and every permission of the role where it is defined. The last Account owner of a tenant
/// stays. The user loses the access on their next request, and is told by email.
pub fn revoke(
    conn: &mut AnyConnection,
    settings: &Settings,
    viewer: &User,
    tenant_id: &str,
    membership_id: &str,
) -> ServiceResult<AccessPath> {
    let row = path_of(conn, viewer, tenant_id, membership_id)?;
    let path = row.path;
    if !row.can_revoke {
        let detail = format!(
            "revoke {} of {} in {}",
            path.role, path.email, path.defined_at
        );
        return Err(refused(conn, viewer, tenant_id, &detail));
    }
    write_transaction(conn, |c| {
        if path.builtin.as_deref() == Some("owner") {
            let owners: i64 = memberships::table
                .filter(memberships::role_id.eq(&path.role_id))
                .count()
                .get_result(c)?;
            if owners <= 1 {
                return Err(ServiceError::Conflict(last_owner_message(&path)));
            }
        }
        let n = diesel::delete(memberships::table.find(&path.membership_id)).execute(c)?;
        if n != 1 {
            return Err(ServiceError::Conflict(
                "This access was already revoked.".into(),
            ));
        }
        audit::record(
            c,
            Event::new(actions::MEMBERSHIP_REVOKED)
                .actor(Some(viewer.actor()))
                .tenant(&path.defined_id)
                .subject(path.email.to_lowercase())
                .detail(format!("{} in {}", path.role, path.defined_at)),
        )?;
        if let Some(user) = users::find(c, &path.user_id)? {
            let message = MembershipRevoked {
                name: user.name.clone(),
                tenant: path.defined_at.clone(),
                role: path.role.clone(),
                by: format!("{} ({})", viewer.name, viewer.email),
                url: settings.link("/"),
            };
            outbox::enqueue(c, &user.email, &message)?;
        }
        Ok(path.clone())
    })
}
