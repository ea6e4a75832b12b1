//! Invitations to roles (issue 4): a tenant's user with `users.invite` emails someone a link to
//! one of the tenant's roles; the invited person accepts it signed in with that address and
//! becomes a member of the role. Same token rules as partner invitations (DESIGN §4): hashed,
//! single use, expiring, bound to the email. Nobody invites to a role with permissions they do
//! not hold themselves, nor invites themselves. The pages and the JSON API call these functions.
mod access;
mod answer;
mod invite;

pub use access::*;
pub use answer::*;
pub use invite::*;

use super::users::User;
use super::{ServiceError, ServiceResult, now};
use crate::db::AnyConnection;
use crate::db::schema::{role_invitations, roles, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 100;
/// How many roles of one tenant the Invite form offers.
pub const MAX_ROLES: i64 = 200;

/// Why an invitation is refused with Forbidden, in words the pages and the API show.
pub const SELF_INVITE: &str = "You cannot invite yourself: nobody may assign themselves a role.";
pub const NO_INVITE: &str = "Your role in this account does not allow inviting people.";
pub const ROLE_ABOVE_YOURS: &str =
    "You can only invite to roles whose permissions you hold yourself in this account.";

/// The stored states, and Expired for a pending invitation whose link has run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl InvitationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Accepted => "Accepted",
            Self::Revoked => "Revoked",
            Self::Expired => "Expired",
        }
    }

    /// The listed tabs: Pending and Accepted.
    pub fn parse_tab(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "accepted" => Some(Self::Accepted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = role_invitations)]
pub struct RoleInvitation {
    pub id: String,
    pub tenant_id: String,
    pub role_id: String,
    pub email: String,
    pub email_key: String,
    pub status: String,
    pub expires_at: NaiveDateTime,
    pub invited_by_user_id: Option<String>,
    pub invited_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_by_user_id: Option<String>,
}

impl RoleInvitation {
    pub fn status(&self) -> InvitationStatus {
        match self.status.as_str() {
            "pending" if self.expires_at <= now() => InvitationStatus::Expired,
            "pending" => InvitationStatus::Pending,
            "accepted" => InvitationStatus::Accepted,
            "revoked" => InvitationStatus::Revoked,
            _ => InvitationStatus::Expired,
        }
    }
}

/// An invitation as the list shows it.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub invitation: RoleInvitation,
    pub role: String,
    /// The inviter's address, while they exist.
    pub invited_by: Option<String>,
}

pub struct InvitationPage {
    pub rows: Vec<InvitationRow>,
    /// Cursor of the next page (older invitations).
    pub next: Option<String>,
}
/// One invitation of the tenant with its names; another tenant's is NotFound.
pub fn row_by_id(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> ServiceResult<InvitationRow> {
    let (invitation, role, invited_by) = role_invitations::table
        .inner_join(roles::table)
        .left_join(
            users::table.on(users::id
                .nullable()
                .eq(role_invitations::invited_by_user_id)),
        )
        .filter(role_invitations::id.eq(id))
        .filter(role_invitations::tenant_id.eq(tenant_id))
        .select((
            RoleInvitation::as_select(),
            roles::name,
            users::email.nullable(),
        ))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)?;
    Ok(InvitationRow {
        invitation,
        role,
        invited_by,
    })
}

/// The tenant's invitations of one tab (Pending or Accepted), newest first, 50 a page;
/// `before` is the id the previous page ended with.
pub fn list(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    status: InvitationStatus,
    before: Option<&str>,
) -> ServiceResult<InvitationPage> {
    list_page(conn, user, tenant_id, status, before, PAGE_SIZE)
}

/// [`list`] with the page size chosen (the API's `limit`), 1 to [`MAX_PAGE_SIZE`].
pub fn list_page(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    status: InvitationStatus,
    before: Option<&str>,
    limit: i64,
) -> ServiceResult<InvitationPage> {
    inviter_access(conn, user, tenant_id)?;
    let limit = limit.clamp(1, MAX_PAGE_SIZE);
    let mut query = role_invitations::table
        .inner_join(roles::table)
        .left_join(
            users::table.on(users::id
                .nullable()
                .eq(role_invitations::invited_by_user_id)),
        )
        .filter(role_invitations::tenant_id.eq(tenant_id))
        .filter(role_invitations::status.eq(status.as_str()))
        .select((
            RoleInvitation::as_select(),
            roles::name,
            users::email.nullable(),
        ))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(role_invitations::id.lt(before.to_string()));
    }
    let mut rows: Vec<(RoleInvitation, String, Option<String>)> = query
        .order(role_invitations::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.0.id.clone())
    } else {
        None
    };
    Ok(InvitationPage {
        rows: rows
            .into_iter()
            .map(|(invitation, role, invited_by)| InvitationRow {
                invitation,
                role,
                invited_by,
            })
            .collect(),
        next,
    })
}
