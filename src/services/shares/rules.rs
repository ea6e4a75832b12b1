//! Who may share, and what: the entitlement, the user type, `grants.manage` through the user's
//! own roles, and the checks on the shared account, the target and the limiting role.

use crate::authz::{self, Access};
use crate::db::AnyConnection;
use crate::db::schema::{roles, tenants as tenants_t};
use crate::domain::FieldError;
use crate::domain::permission::Permission;
use crate::domain::user::UserType;
use crate::services::subtree::depth_below;
use crate::services::tenants::{self, Tenant};
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult};
use diesel::prelude::*;
use std::collections::BTreeSet;

/// A user's standing on a managing tenant's Shared accounts page.
#[derive(Debug, Clone)]
pub struct Standing {
    pub managing: Tenant,
    /// Why the user may only look, or None when they may share.
    pub refusal: Option<String>,
    /// The shares are listed to the tenant's own members only: someone who works here through
    /// a link or share does not learn who else the tenant shares with.
    pub sees_shares: bool,
}

impl Standing {
    pub fn may_share(&self) -> bool {
        self.refusal.is_none()
    }

    /// Forbidden unless the user may share.
    pub fn require(self) -> ServiceResult<Tenant> {
        match self.refusal {
            None => Ok(self.managing),
            Some(_) => Err(ServiceError::Forbidden),
        }
    }
}

/// The user's standing on the managing tenant: NotFound when they cannot see it at all.
pub fn standing(
    conn: &mut AnyConnection,
    user: &User,
    managing_id: &str,
) -> ServiceResult<Standing> {
    let access = authz::require(conn, &user.id, managing_id, Permission::TenantView)?;
    let managing = tenants::find(conn, managing_id)?.ok_or(ServiceError::NotFound)?;
    let user_type = user.user_type.parse().unwrap_or(UserType::Basic);
    let refusal = if !managing.multi_tenancy {
        Some(format!(
            "{} does not have the multi-tenancy entitlement, which sharing needs. Support staff \
             give it.",
            managing.name
        ))
    } else if user_type == UserType::Basic {
        Some(
            "Your user type is basic: sharing accounts needs a core or full user. You can see \
             the shares but not change them."
                .to_string(),
        )
    } else if !access.own().allows(Permission::GrantsManage) {
        Some(format!(
            "Sharing needs the permission to share accounts (grants.manage) through your own \
             role in {}; a partner link or share does not give it.",
            managing.name
        ))
    } else {
        None
    };
    Ok(Standing {
        managing,
        refusal,
        sees_shares: access.own().allows(Permission::TenantView),
    })
}

/// What the sharer holds on the shared account through their own roles; Forbidden without
/// `grants.manage` there.
pub(super) fn own_on_account(
    conn: &mut AnyConnection,
    user: &User,
    account_id: &str,
) -> ServiceResult<BTreeSet<Permission>> {
    let own: Access = authz::access(conn, &user.id, account_id)?.own();
    if !own.allows(Permission::GrantsManage) {
        return Err(ServiceError::Forbidden);
    }
    Ok(own.permissions())
}

/// The shared account: the managing tenant or one of its sub-accounts.
pub(super) fn account(
    conn: &mut AnyConnection,
    managing: &Tenant,
    raw: &str,
) -> ServiceResult<Result<Tenant, FieldError>> {
    let raw = raw.trim();
    if raw.is_empty() || raw == managing.id {
        return Ok(Ok(managing.clone()));
    }
    let outside = || {
        FieldError::new(
            "account_id",
            format!(
                "Choose {} or one of its sub-accounts to share.",
                managing.name
            ),
        )
    };
    if raw.len() > 64 || depth_below(conn, &managing.id, raw)?.is_none() {
        return Ok(Err(outside()));
    }
    Ok(tenants::find(conn, raw)?.ok_or_else(outside))
}

/// A role of the managing tenant: its id, name and permissions.
pub(super) type LimitingRole = (String, String, BTreeSet<Permission>);

/// A role of the managing tenant, as (id, name, permissions).
pub(super) fn limiting_role(
    conn: &mut AnyConnection,
    managing: &Tenant,
    raw: &str,
) -> ServiceResult<Result<LimitingRole, FieldError>> {
    let raw = raw.trim();
    let choose = || {
        FieldError::new(
            "limiting_role_id",
            format!(
                "Choose one of the roles of {} as the limiting role.",
                managing.name
            ),
        )
    };
    if raw.is_empty() || raw.len() > 64 {
        return Ok(Err(choose()));
    }
    let role: Option<(String, String)> = roles::table
        .find(raw)
        .filter(roles::tenant_id.eq(&managing.id))
        .select((roles::id, roles::name))
        .first(conn)
        .optional()?;
    let Some((id, name)) = role else {
        return Ok(Err(choose()));
    };
    let names: Vec<String> = crate::db::schema::role_permissions::table
        .filter(crate::db::schema::role_permissions::role_id.eq(&id))
        .select(crate::db::schema::role_permissions::permission)
        .load(conn)?;
    let permissions = names.iter().filter_map(|n| n.parse().ok()).collect();
    Ok(Ok((id, name, permissions)))
}

/// Refused when the limiting role allows more than the sharer holds on the account.
pub(super) fn within_own(
    role_name: &str,
    role: &BTreeSet<Permission>,
    own: &BTreeSet<Permission>,
    account: &Tenant,
) -> Result<(), FieldError> {
    let missing: Vec<&str> = role.difference(own).map(|p| p.as_str()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(FieldError::new(
        "limiting_role_id",
        format!(
            "{role_name} allows more than you may do in {} yourself ({}). Choose a role whose \
             permissions you hold.",
            account.name,
            missing.join(", ")
        ),
    ))
}

/// The target tenant, by its ID: it exists, and is neither the shared account nor in its
/// subtree or ancestry (their members reach the account through roles already).
pub(super) fn target(
    conn: &mut AnyConnection,
    account: &Tenant,
    raw: &str,
) -> ServiceResult<Result<Tenant, FieldError>> {
    let raw = raw.trim();
    let err = |m: String| Ok(Err(FieldError::new("target_tenant_id", m)));
    if raw.is_empty() {
        return err(
            "Enter the tenant ID of the account to share with: its admins find it on their \
             account's overview page."
                .into(),
        );
    }
    let found: Option<Tenant> = if raw.len() > 64 {
        None
    } else {
        tenants_t::table
            .find(raw)
            .select(Tenant::as_select())
            .first(conn)
            .optional()?
    };
    let Some(target) = found else {
        return err(format!(
            "There is no account with the tenant ID “{}”. Check the ID with the target \
             account's admins.",
            raw.chars().take(64).collect::<String>()
        ));
    };
    if target.id == account.id {
        return err(format!("{} cannot be shared with itself.", account.name));
    }
    if depth_below(conn, &account.id, &target.id)?.is_some() {
        return err(format!(
            "{} is a sub-account of {}: its members reach it through their roles already.",
            target.name, account.name
        ));
    }
    if depth_below(conn, &target.id, &account.id)?.is_some() {
        return err(format!(
            "{} lies above {}: its members reach it through their roles already.",
            target.name, account.name
        ));
    }
    Ok(Ok(target))
}
