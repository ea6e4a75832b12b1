//! The one authorization function (DESIGN §3): "may user U do permission P on tenant T?", with
//! the path that allowed it. Every page, fragment, form post and API call asks here; handlers
//! never test role names or flags themselves.
//!
//! Effective permissions of U on T are the union of
//! 1. roles: U's memberships in roles defined at T (applying to "this account" or "this account
//!    and sub-accounts") or at an ancestor of T (applying to "this account and sub-accounts" or
//!    "only sub-accounts");
//! 2. grants: for each connected grant owned by T whose access period has not ended, U's rule-1 permissions on the grantee
//!    intersected with the grant's limiting role. Grants never chain.
//!
//! Rule 1 reads the user's memberships and places them in the tenant's ancestry (cached in
//! memory: see [`ancestry`]); rule 2 is one query (a recursive CTE up the grantee's tree). Depth
//! costs no extra round trips.

mod ancestry;

use crate::db::schema::{memberships, role_permissions, roles, tenants};
use crate::db::{AnyConnection, SqlParam, load_sql_with};
use crate::domain::permission::Permission;
use crate::domain::role::{AppliesTo, BuiltinRole};
use crate::services::{ServiceError, ServiceResult};
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::collections::BTreeSet;

/// How a set of permissions reached the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A role the user holds in the tenant itself or in an ancestor.
    Role {
        role_id: String,
        role: String,
        /// Where the role is defined.
        tenant_id: String,
        tenant: String,
        /// True when the role is defined in an ancestor and flows down.
        inherited: bool,
        /// "To what accounts should this role be applied?"
        applies_to: AppliesTo,
        /// True for the built-in Account owner role (only its members create roles).
        owner: bool,
    },
    /// A role the user holds in a grantee tenant, through a grant owned by this tenant.
    Grant {
        grant_id: String,
        origin: String,
        role: String,
        /// The tenant where the user's role is defined (the grantee or one of its ancestors).
        tenant: String,
        grantee: String,
        limiting_role: String,
    },
}

impl Via {
    /// One line a partner admin understands, e.g. "Administrator in Betty's MSP → partner link to
    /// Wayne Enterprises, limited to Operator".
    pub fn explain(&self, target: &str) -> String {
        match self {
            Via::Role {
                role,
                tenant,
                inherited: false,
                ..
            } => format!("{role} in {tenant}"),
            Via::Role { role, tenant, .. } => {
                format!("{role} in {tenant}, which applies to its sub-accounts")
            }
            Via::Grant {
                origin,
                role,
                tenant,
                limiting_role,
                ..
            } => {
                let kind = if origin == "share" {
                    "account share"
                } else {
                    "partner link"
                };
                format!("{role} in {tenant} → {kind} to {target}, limited to {limiting_role}")
            }
        }
    }

    pub fn grant_id(&self) -> Option<&str> {
        match self {
            Via::Grant { grant_id, .. } => Some(grant_id),
            Via::Role { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub via: Via,
    pub permissions: BTreeSet<Permission>,
}

/// Everything a user may do on one tenant, and why.
#[derive(Debug, Clone, Default)]
pub struct Access {
    pub tenant_id: String,
    pub tenant_name: String,
    /// Whether the tenant has the partner entitlement (loaded with its name: several checks
    /// need both, and this saves each a query).
    pub tenant_is_partner: bool,
    pub paths: Vec<Path>,
}

impl Access {
    pub fn allows(&self, permission: Permission) -> bool {
        self.paths
            .iter()
            .any(|p| p.permissions.contains(&permission))
    }

    pub fn is_empty(&self) -> bool {
        self.paths.iter().all(|p| p.permissions.is_empty())
    }

    pub fn permissions(&self) -> BTreeSet<Permission> {
        self.paths
            .iter()
            .flat_map(|p| p.permissions.iter().copied())
            .collect()
    }

    /// Why the user may do `permission` here, one line per path that allows it.
    pub fn explain(&self, permission: Permission) -> Vec<String> {
        self.paths
            .iter()
            .filter(|p| p.permissions.contains(&permission))
            .map(|p| p.via.explain(&self.tenant_name))
            .collect()
    }

    /// Only what the user holds through their own roles, leaving out grants: a partner inside a
    /// customer tenant cannot manage roles, tokens or the link from there (DESIGN §12).
    pub fn own(&self) -> Access {
        Access {
            tenant_id: self.tenant_id.clone(),
            tenant_name: self.tenant_name.clone(),
            tenant_is_partner: self.tenant_is_partner,
            paths: self
                .paths
                .iter()
                .filter(|p| p.via.grant_id().is_none())
                .cloned()
                .collect(),
        }
    }

    /// True when the user is a member of the Account owner role of this tenant or of an ancestor
    /// whose role applies here.
    pub fn is_owner(&self) -> bool {
        self.paths
            .iter()
            .any(|p| matches!(p.via, Via::Role { owner: true, .. }))
    }

    /// The grant a user works through when it is their only way in (a partner inside a customer
    /// tenant); audit events record it.
    pub fn only_grant(&self) -> Option<&str> {
        let mut grants = self.paths.iter().map(|p| p.via.grant_id());
        let first = grants.next()??;
        grants.all(|g| g == Some(first)).then_some(first)
    }

    /// Succeeds when `permission` is allowed. A tenant the user cannot see at all answers
    /// NotFound, so ids of other tenants reveal nothing; a visible one answers Forbidden.
    pub fn require(&self, permission: Permission) -> ServiceResult<&Self> {
        if self.allows(permission) {
            Ok(self)
        } else if self.is_empty() {
            Err(ServiceError::NotFound)
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

/// A permission of one of the user's roles, wherever the role is defined. Typed queries, not SQL
/// text: diesel prepares them once per connection and reads their columns by position, where a
/// text query's rows are read by column name (this one is read on every request).
#[derive(Queryable)]
struct MembershipRow {
    role_id: String,
    applies_to: String,
    role_name: String,
    builtin: Option<String>,
    tenant_id: String,
    tenant_name: String,
    permission: String,
}

/// Every check reads these (on the backend's own connection: see [`crate::db::direct`]).
fn memberships_of(conn: &mut AnyConnection, user_id: &str) -> QueryResult<Vec<MembershipRow>> {
    crate::direct!(conn, |c| memberships::table
        .inner_join(roles::table.on(roles::id.eq(memberships::role_id)))
        .inner_join(tenants::table.on(tenants::id.eq(memberships::tenant_id)))
        .inner_join(role_permissions::table.on(role_permissions::role_id.eq(memberships::role_id)))
        .filter(memberships::user_id.eq(user_id))
        .select((
            roles::id,
            roles::applies_to,
            roles::name,
            roles::builtin,
            memberships::tenant_id,
            tenants::name,
            role_permissions::permission,
        ))
        .load(c))
}

/// Whether a role defined `depth` levels above a tenant applies to it (the rule [`SCOPE`]
/// states in SQL; a unit test holds the two together).
fn applies(applies_to: AppliesTo, depth: i64) -> bool {
    match applies_to {
        AppliesTo::ThisAccount => depth == 0,
        AppliesTo::ThisAndSubAccounts => true,
        AppliesTo::OnlySubAccounts => depth > 0,
    }
}

#[derive(QueryableByName)]
struct GrantRow {
    #[diesel(sql_type = Text)]
    grant_id: String,
    #[diesel(sql_type = Text)]
    origin: String,
    #[diesel(sql_type = Text)]
    grantee_name: String,
    #[diesel(sql_type = Text)]
    limiting_role_name: String,
    #[diesel(sql_type = Text)]
    role_name: String,
    #[diesel(sql_type = Text)]
    tenant_name: String,
    #[diesel(sql_type = Text)]
    permission: String,
}

/// Where a role defined at distance `depth` above the tenant applies.
pub(crate) const SCOPE: &str = "((chain.depth = 0 AND r.applies_to IN ('this', 'this_and_sub')) \
     OR (chain.depth > 0 AND r.applies_to IN ('this_and_sub', 'sub_only')))";

/// Ordered by the CTE's grant id, not `g.grant_id`: SQLite would otherwise walk every connected
/// grant in id order to skip a sort, 23 ms with 100,000 links instead of a fraction of one.
fn grants_sql() -> String {
    format!(
        "WITH RECURSIVE g AS ( \
           SELECT id AS grant_id, origin, grantee_tenant_id, limiting_role_id FROM access_grants \
           WHERE owner_tenant_id = ? AND status = 'connected' \
             AND (access_ends_at IS NULL OR access_ends_at > ?)), \
         chain(grant_id, id, depth) AS ( \
           SELECT grant_id, grantee_tenant_id, CAST(0 AS BIGINT) FROM g \
           UNION ALL \
           SELECT chain.grant_id, t.parent_id, chain.depth + 1 FROM chain \
           JOIN tenants t ON t.id = chain.id WHERE t.parent_id IS NOT NULL) \
         SELECT g.grant_id AS grant_id, g.origin AS origin, gt.name AS grantee_name, \
                lr.name AS limiting_role_name, r.name AS role_name, \
                d.name AS tenant_name, rp.permission AS permission \
         FROM chain \
         JOIN g ON g.grant_id = chain.grant_id \
         JOIN memberships m ON m.tenant_id = chain.id \
         JOIN roles r ON r.id = m.role_id \
         JOIN tenants d ON d.id = chain.id \
         JOIN tenants gt ON gt.id = g.grantee_tenant_id \
         JOIN roles lr ON lr.id = g.limiting_role_id \
         JOIN role_permissions rp ON rp.role_id = r.id \
         JOIN role_permissions lp ON lp.role_id = g.limiting_role_id AND lp.permission = rp.permission \
         WHERE m.user_id = ? AND {SCOPE} \
         ORDER BY chain.grant_id, chain.depth, r.name, rp.permission"
    )
}

/// Adds a permission to the path keyed by `via`, creating the path on first sight.
fn add(paths: &mut Vec<Path>, via: Via, permission: &str) {
    // Permissions the code no longer knows are ignored rather than failing the request.
    let Ok(permission) = permission.parse::<Permission>() else {
        return;
    };
    match paths.iter_mut().find(|p| p.via == via) {
        Some(path) => {
            path.permissions.insert(permission);
        }
        None => paths.push(Path {
            via,
            permissions: BTreeSet::from([permission]),
        }),
    }
}

/// Everything `user_id` may do on `tenant_id`, with the paths. Three queries whatever the depth
/// of the tree or the number of grants.
pub fn access(conn: &mut AnyConnection, user_id: &str, tenant_id: &str) -> ServiceResult<Access> {
    let mut access = own_access(conn, user_id, tenant_id)?;
    add_grants(conn, user_id, &mut access)?;
    Ok(access)
}

/// What `user_id` may do on `tenant_id` through their own roles (rule 1), as [`Access::own`]
/// tells from [`access`], without reading the grants: two queries, for the checks that never
/// honour a grant (a partner's customers, its tokens and roles).
pub fn own_access(
    conn: &mut AnyConnection,
    user_id: &str,
    tenant_id: &str,
) -> ServiceResult<Access> {
    let tenant: Option<(String, bool)> = crate::direct!(conn, |c| tenants::table
        .find(tenant_id)
        .select((tenants::name, tenants::is_partner))
        .first(c)
        .optional())?;
    let Some((tenant_name, tenant_is_partner)) = tenant else {
        return Ok(Access {
            tenant_id: tenant_id.to_string(),
            ..Access::default()
        });
    };
    let mut paths = Vec::new();
    let ancestry = ancestry::of(conn, tenant_id)?;
    let memberships = memberships_of(conn, user_id)?;
    let mut roles: Vec<(i64, AppliesTo, MembershipRow)> = memberships
        .into_iter()
        .filter_map(|row| {
            let depth = ancestry.depth_of(&row.tenant_id)?;
            // The CHECK constraint allows only the three scopes.
            let applies_to = row.applies_to.parse().unwrap_or(AppliesTo::ThisAccount);
            applies(applies_to, depth).then_some((depth, applies_to, row))
        })
        .collect();
    // Nearest roles first, then by name: the order the paths are explained in.
    roles.sort_by(|a, b| {
        (a.0, &a.2.role_name, &a.2.permission).cmp(&(b.0, &b.2.role_name, &b.2.permission))
    });
    for (depth, applies_to, row) in roles {
        let via = Via::Role {
            role_id: row.role_id,
            role: row.role_name,
            tenant_id: row.tenant_id,
            tenant: row.tenant_name,
            inherited: depth > 0,
            applies_to,
            owner: row.builtin.as_deref() == Some(BuiltinRole::Owner.key()),
        };
        add(&mut paths, via, &row.permission);
    }
    Ok(Access {
        tenant_id: tenant_id.to_string(),
        tenant_name,
        tenant_is_partner,
        paths,
    })
}

/// Adds rule 2 to an [`own_access`]: the user's paths through grants owned by the tenant.
fn add_grants(conn: &mut AnyConnection, user_id: &str, access: &mut Access) -> ServiceResult<()> {
    // A grant whose access period is over gives nothing, even before the sweeper marks it.
    let grants: Vec<GrantRow> = load_sql_with(
        conn,
        &grants_sql(),
        &[
            SqlParam::Text(&access.tenant_id),
            SqlParam::Timestamp(crate::services::now()),
            SqlParam::Text(user_id),
        ],
    )?;
    for row in grants {
        let via = Via::Grant {
            grant_id: row.grant_id,
            origin: row.origin,
            role: row.role_name,
            tenant: row.tenant_name,
            grantee: row.grantee_name,
            limiting_role: row.limiting_role_name,
        };
        add(&mut access.paths, via, &row.permission);
    }
    Ok(())
}

/// The access of `user_id` on `tenant_id` when it allows `permission`; NotFound or Forbidden
/// otherwise (see [`Access::require`]).
pub fn require(
    conn: &mut AnyConnection,
    user_id: &str,
    tenant_id: &str,
    permission: Permission,
) -> ServiceResult<Access> {
    let access = access(conn, user_id, tenant_id)?;
    access.require(permission)?;
    Ok(access)
}

#[cfg(test)]
mod tests {
    use super::{SCOPE, applies};
    use crate::domain::role::AppliesTo;
    use diesel::prelude::*;

    #[derive(QueryableByName)]
    struct Applies {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        applies: bool,
    }

    /// The rule of where a role applies is written twice: in Rust for the access check (which
    /// walks a cached ancestry) and in SQL for the queries that page through paths and grants.
    /// They must agree on every scope at every depth.
    #[test]
    fn the_sql_scope_rule_is_the_rust_one() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        for applies_to in [
            AppliesTo::ThisAccount,
            AppliesTo::ThisAndSubAccounts,
            AppliesTo::OnlySubAccounts,
        ] {
            for depth in [0, 1, 2, 999] {
                let sql = format!(
                    "WITH chain(depth) AS (SELECT {depth}), r(applies_to) AS (SELECT '{}') \
                     SELECT {SCOPE} AS applies FROM chain, r",
                    applies_to.as_str()
                );
                let rows: Vec<Applies> = diesel::sql_query(sql).load(&mut conn).unwrap();
                assert_eq!(
                    rows[0].applies,
                    applies(applies_to, depth),
                    "{applies_to:?} at depth {depth}"
                );
            }
        }
    }
}
