//! Roles: where a role applies and the built-in roles every tenant has.

use super::permission::Permission;
use std::str::FromStr;

/// "To what accounts should this role be applied?"
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliesTo {
    ThisAccount,
    ThisAndSubAccounts,
    OnlySubAccounts,
}

impl AppliesTo {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ThisAccount => "this",
            Self::ThisAndSubAccounts => "this_and_sub",
            Self::OnlySubAccounts => "sub_only",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ThisAccount => "This account",
            Self::ThisAndSubAccounts => "This account and sub-accounts",
            Self::OnlySubAccounts => "Only sub-accounts",
        }
    }
}

impl FromStr for AppliesTo {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "this" => Ok(Self::ThisAccount),
            "this_and_sub" => Ok(Self::ThisAndSubAccounts),
            "sub_only" => Ok(Self::OnlySubAccounts),
            other => Err(format!("unknown role scope `{other}`")),
        }
    }
}

/// The roles created in every tenant. They apply to the account and its sub-accounts, so an
/// owner manages the whole subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinRole {
    Owner,
    Administrator,
    Operator,
    ReadOnly,
}

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 4] = [
        Self::Owner,
        Self::Administrator,
        Self::Operator,
        Self::ReadOnly,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Administrator => "administrator",
            Self::Operator => "operator",
            Self::ReadOnly => "read_only",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Owner => "Account owner",
            Self::Administrator => "Administrator",
            Self::Operator => "Operator",
            Self::ReadOnly => "Read-only",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Owner => "Everything, including roles and who may create them",
            Self::Administrator => "Everything except managing roles",
            Self::Operator => "Day-to-day work: use data sources and see customers, no settings",
            Self::ReadOnly => "See the account, its customers and data sources, change nothing",
        }
    }

    pub fn permissions(self) -> Vec<Permission> {
        use Permission::*;
        match self {
            Self::Owner => Permission::ALL.to_vec(),
            Self::Administrator => Permission::ALL
                .iter()
                .copied()
                .filter(|p| *p != RolesManage)
                .collect(),
            Self::Operator => vec![
                TenantView,
                CustomersView,
                CustomersLogin,
                DatasourcesView,
                DatasourcesUse,
                AuditView,
                ApiAccess,
            ],
            Self::ReadOnly => vec![TenantView, CustomersView, DatasourcesView, AuditView],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_roles_narrow_down() {
        let owner = BuiltinRole::Owner.permissions();
        for role in BuiltinRole::ALL {
            let perms = role.permissions();
            assert!(
                perms.contains(&Permission::TenantView),
                "{} can view",
                role.name()
            );
            assert!(perms.iter().all(|p| owner.contains(p)));
        }
        assert!(
            !BuiltinRole::Administrator
                .permissions()
                .contains(&Permission::RolesManage)
        );
    }

    #[test]
    fn scopes_round_trip() {
        for s in [
            AppliesTo::ThisAccount,
            AppliesTo::ThisAndSubAccounts,
            AppliesTo::OnlySubAccounts,
        ] {
            assert_eq!(s.as_str().parse::<AppliesTo>().unwrap(), s);
        }
    }
}
