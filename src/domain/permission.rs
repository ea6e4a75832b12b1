//! The fixed catalogue of permissions: one enum, one place.

use std::fmt;
use std::str::FromStr;

macro_rules! permissions {
    ($($variant:ident => $name:literal, $group:literal, $describe:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Permission { $($variant),* }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $name),* }
            }

            /// The heading the permission is grouped under in forms.
            pub fn group(self) -> &'static str {
                match self { $(Permission::$variant => $group),* }
            }

            /// One line a partner admin understands.
            pub fn description(self) -> &'static str {
                match self { $(Permission::$variant => $describe),* }
            }
        }

        impl FromStr for Permission {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($name => Ok(Permission::$variant),)*
                    other => Err(format!("unknown permission `{other}`")),
                }
            }
        }
    };
}

permissions! {
    TenantView => "tenant.view", "Account", "See the account and its settings";
    TenantManage => "tenant.manage", "Account", "Change the account's settings";
    SubtenantsCreate => "subtenants.create", "Account", "Create sub-accounts";
    UsersInvite => "users.invite", "Users and roles", "Invite users to roles";
    RolesManage => "roles.manage", "Users and roles", "Create and change roles";
    CustomersView => "customers.view", "Customers", "See linked customer accounts";
    CustomersManage => "customers.manage", "Customers", "Add, resend and delete customer links";
    CustomersLogin => "customers.login", "Customers", "Log in to connected customer accounts";
    GrantsManage => "grants.manage", "Sharing", "Share accounts with other tenants";
    AppsManage => "apps.manage", "Apps", "Register and manage apps";
    AuthorizationsManage => "authorizations.manage", "Apps", "Request and manage app authorizations";
    DatasourcesView => "datasources.view", "Data sources", "See data source definitions";
    DatasourcesUse => "datasources.use", "Data sources", "Use data sources, secrets included";
    DatasourcesModify => "datasources.modify", "Data sources", "Change data sources";
    DatasourcesDelete => "datasources.delete", "Data sources", "Delete data sources";
    DatasourcesShare => "datasources.share", "Data sources", "Share data sources with tenants";
    AuditView => "audit.view", "Audit", "Read the account's activity log";
    ApiAccess => "api.access", "API", "Use the JSON API";
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_round_trips_and_is_described() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>().unwrap(), *p);
            assert!(!p.description().is_empty());
        }
        assert!("tenant.destroy".parse::<Permission>().is_err());
    }
}
