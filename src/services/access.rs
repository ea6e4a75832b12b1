//! The explainer: for a user and a tenant, every permission with the paths that grant it
//! ("Why can … ?"). Used by the page and the API.

use super::users::{self, User};
use super::{ServiceError, ServiceResult};
use crate::authz::{self, Access, Path};
use crate::db::AnyConnection;
use crate::domain::email::Email;
use crate::domain::permission::Permission;

/// One permission of the catalogue, allowed or not, with the paths that allow it.
pub struct PermissionLine {
    pub permission: Permission,
    pub paths: Vec<Path>,
}

impl PermissionLine {
    pub fn allowed(&self) -> bool {
        !self.paths.is_empty()
    }
}

pub struct Explanation {
    /// Whose access is explained: the viewer, or another user the viewer administers.
    pub subject_email: String,
    pub subject_is_viewer: bool,
    pub access: Access,
    /// The whole catalogue in order, so what is missing shows too.
    pub lines: Vec<PermissionLine>,
}

/// Explains `subject_email`'s access to the tenant (the viewer's own when None). The viewer must
/// see the tenant; explaining someone else needs `users.invite` there through the viewer's own
/// roles. A subject without access, known or not, is answered alike: nothing to explain, and no
/// way to learn who has an account.
pub fn explain(
    conn: &mut AnyConnection,
    viewer: &User,
    tenant_id: &str,
    subject_email: Option<&str>,
) -> ServiceResult<Explanation> {
    let own = authz::access(conn, &viewer.id, tenant_id)?;
    own.require(Permission::TenantView)?;
    let subject_email = subject_email.map(str::trim).filter(|e| !e.is_empty());
    let (subject_email, access) = match subject_email {
        None => (viewer.email.clone(), own),
        Some(raw) => {
            let email = Email::parse_field("user", raw)?;
            if email.key() == viewer.email_key {
                (viewer.email.clone(), own)
            } else {
                if !own.own().allows(Permission::UsersInvite) {
                    return Err(ServiceError::Forbidden);
                }
                let access = match users::find_by_email(conn, &email.key())? {
                    Some(subject) => authz::access(conn, &subject.id, tenant_id)?,
                    None => Access {
                        tenant_id: tenant_id.to_string(),
                        tenant_name: own.tenant_name.clone(),
                        tenant_is_partner: own.tenant_is_partner,
                        paths: Vec::new(),
                    },
                };
                (email.as_str().to_string(), access)
            }
        }
    };
    let lines = Permission::ALL
        .iter()
        .map(|p| PermissionLine {
            permission: *p,
            paths: access
                .paths
                .iter()
                .filter(|path| path.permissions.contains(p))
                .cloned()
                .collect(),
        })
        .collect();
    Ok(Explanation {
        subject_is_viewer: subject_email == viewer.email,
        subject_email,
        access,
        lines,
    })
}
