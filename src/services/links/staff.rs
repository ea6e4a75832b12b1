//! Support staff: every link across partners, and deleting one with a reason.

use super::{LinkFilter, LinkPage, LinkRow, Scope, find, not_found};
use crate::config::Settings;
use crate::db::{AnyConnection, write_transaction};
use crate::domain::link::{LinkStatus, required_reason};
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult};

fn require_staff(user: &User) -> ServiceResult<()> {
    if user.is_staff {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Every link, newest first; search matches the email, the customer or the partner.
pub fn list_all(
    conn: &mut AnyConnection,
    staff: &User,
    filter: &LinkFilter,
) -> ServiceResult<LinkPage> {
    require_staff(staff)?;
    super::list(conn, Scope::Everyone, filter)
}

pub fn get_any(conn: &mut AnyConnection, staff: &User, link_id: &str) -> ServiceResult<LinkRow> {
    require_staff(staff)?;
    match find(conn, link_id)? {
        Some(link) => super::row(conn, link),
        None => not_found(),
    }
}

/// Staff delete a link with a required reason; both sides are emailed when it was connected.
pub fn delete_by_staff(
    conn: &mut AnyConnection,
    settings: &Settings,
    staff: &User,
    link_id: &str,
    reason: &str,
) -> ServiceResult<LinkRow> {
    require_staff(staff)?;
    let reason = required_reason("reason", reason)?;
    write_transaction(conn, |c| {
        let link = find(c, link_id)?.ok_or(ServiceError::NotFound)?;
        if link.status() == LinkStatus::Removed {
            return Err(ServiceError::Conflict(
                "This link was already deleted.".into(),
            ));
        }
        let tenant = link.grantee_tenant_id.clone();
        super::customer::end(
            c,
            settings,
            &link,
            "support staff",
            &reason,
            Some(staff),
            &tenant,
        )
    })
}
