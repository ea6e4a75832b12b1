//! Invitations to roles (issue 4): a tenant's user with `users.invite` emails someone a link to
//! one of the tenant's roles; the invited person accepts it signed in with that address and
//! becomes a member of the role. Same token rules as partner invitations (DESIGN §4): hashed,
//! single use, expiring, bound to the email. Nobody invites to a role with permissions they do
//! not hold themselves, nor invites themselves. The pages and the JSON API call these functions.

mod answer;

pub use answer::*;

use super::audit::{self, Event, actions};
use super::users::User;
use super::{ServiceError, ServiceResult, new_id, now, outbox};
use crate::authz::{self, Access};
use crate::config::Settings;
use crate::db::schema::{memberships, role_invitations, role_permissions, roles, tenants, users};
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::email::Email;
use crate::domain::permission::Permission;
use crate::domain::role::AppliesTo;
use crate::domain::{FieldError, token, when};
use crate::mail::templates::RoleInvitation as RoleInvitationMail;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

pub const PAGE_SIZE: i64 = 50;
/// How many roles of one tenant the Invite form offers.
pub const MAX_ROLES: i64 = 200;

/// Why an invitation is refused with Forbidden, in words the pages and the API show.
pub const SELF_INVITE: &str = "You cannot invite yourself: nobody may assign themselves a role.";
pub const ROLE_ABOVE_YOURS: &str =
    "You can only invite to roles whose permissions you hold yourself in this account.";

/// The words for a Forbidden answer of [`invite`] with this email.
pub fn refusal_message(user: &User, email: &str) -> &'static str {
    if email.trim().to_lowercase() == user.email_key {
        SELF_INVITE
    } else {
        ROLE_ABOVE_YOURS
    }
}

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

/// A role of the tenant, as the Invite form offers it.
#[derive(Debug, Clone)]
pub struct RoleChoice {
    pub id: String,
    pub name: String,
    pub description: String,
    pub applies: &'static str,
    pub builtin: Option<String>,
    pub permissions: BTreeSet<Permission>,
}

/// The viewer's own access (no grants) on the tenant, when it includes `users.invite`. A tenant
/// they cannot see at all is NotFound; a visible one without the permission is Forbidden.
pub fn inviter_access(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
) -> ServiceResult<Access> {
    let access = authz::access(conn, &user.id, tenant_id)?;
    let own = access.own();
    if own.allows(Permission::UsersInvite) {
        Ok(own)
    } else if access.is_empty() {
        Err(ServiceError::NotFound)
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// True when `access` holds every permission in `needed`.
pub fn holds_all(access: &Access, needed: &BTreeSet<Permission>) -> bool {
    let held = access.permissions();
    needed.is_subset(&held)
}

/// The permissions of one role.
pub fn permissions_of(
    conn: &mut AnyConnection,
    role_id: &str,
) -> ServiceResult<BTreeSet<Permission>> {
    let names: Vec<String> = role_permissions::table
        .filter(role_permissions::role_id.eq(role_id))
        .select(role_permissions::permission)
        .load(conn)?;
    Ok(names.iter().filter_map(|n| n.parse().ok()).collect())
}

/// The roles defined at this tenant, by name, with their permissions (two queries).
fn tenant_roles(conn: &mut AnyConnection, tenant_id: &str) -> ServiceResult<Vec<RoleChoice>> {
    type RoleCols = (String, String, String, String, Option<String>);
    let rows: Vec<RoleCols> = roles::table
        .filter(roles::tenant_id.eq(tenant_id))
        .order(roles::name.asc())
        .limit(MAX_ROLES)
        .select((
            roles::id,
            roles::name,
            roles::description,
            roles::applies_to,
            roles::builtin,
        ))
        .load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    let perms: Vec<(String, String)> = role_permissions::table
        .filter(role_permissions::role_id.eq_any(ids))
        .select((role_permissions::role_id, role_permissions::permission))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, description, applies_to, builtin)| RoleChoice {
            permissions: perms
                .iter()
                .filter(|(r, _)| *r == id)
                .filter_map(|(_, p)| p.parse().ok())
                .collect(),
            applies: applies_label(&applies_to),
            id,
            name,
            description,
            builtin,
        })
        .collect())
}

pub fn applies_label(stored: &str) -> &'static str {
    stored
        .parse::<AppliesTo>()
        .map(AppliesTo::label)
        .unwrap_or("This account")
}

/// The roles of the tenant the viewer may invite to: defined at this tenant, with no permission
/// the viewer lacks here through their own roles.
pub fn assignable_roles(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
) -> ServiceResult<Vec<RoleChoice>> {
    let own = inviter_access(conn, user, tenant_id)?;
    Ok(tenant_roles(conn, tenant_id)?
        .into_iter()
        .filter(|r| holds_all(&own, &r.permissions))
        .collect())
}

/// Refused when this address already has a pending invitation to the role.
pub fn already_pending_message(email: &str, role: &str) -> String {
    format!(
        "An invitation of {email} to {role} is already pending. Use Resend to send it again with a new link."
    )
}

/// Invites `email` to the role `role_id` of the tenant: a pending invitation with a hashed
/// token, the audit event and the email, in one transaction.
pub fn invite(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    tenant_id: &str,
    email: &str,
    role_id: &str,
) -> ServiceResult<InvitationRow> {
    let own = inviter_access(conn, user, tenant_id)?;
    let mut errors = Vec::new();
    let email = Email::parse(email).map_err(|e| errors.push(e)).ok();
    let role = tenant_roles(conn, tenant_id)?
        .into_iter()
        .find(|r| r.id == role_id.trim());
    if role.is_none() {
        errors.push(FieldError::new(
            "role",
            "Choose one of the roles of this account.",
        ));
    }
    let (Some(email), Some(role)) = (email, role) else {
        return Err(ServiceError::Invalid(errors));
    };
    if email.key() == user.email_key || !holds_all(&own, &role.permissions) {
        let why = refusal_message(user, email.as_str());
        return Err(refused(
            conn,
            user,
            tenant_id,
            &format!("invite {} to {}: {why}", email.as_str(), role.name),
        ));
    }
    let token = token::generate();
    let id = new_id();
    let at = now();
    let expires_at = expiry(settings, at)?;
    write_transaction(conn, |c| {
        let member: i64 = memberships::table
            .inner_join(users::table)
            .filter(users::email_key.eq(email.key()))
            .filter(memberships::role_id.eq(&role.id))
            .count()
            .get_result(c)?;
        if member > 0 {
            return Err(ServiceError::invalid(
                "email",
                format!("{} already has the role {}.", email.as_str(), role.name),
            ));
        }
        // An invitation that has run out no longer blocks a new one.
        diesel::update(
            role_invitations::table
                .filter(role_invitations::role_id.eq(&role.id))
                .filter(role_invitations::email_key.eq(email.key()))
                .filter(role_invitations::status.eq("pending"))
                .filter(role_invitations::expires_at.le(at)),
        )
        .set((
            role_invitations::status.eq(InvitationStatus::Expired.as_str()),
            role_invitations::updated_at.eq(at),
        ))
        .execute(c)?;
        let inserted = diesel::insert_into(role_invitations::table)
            .values((
                role_invitations::id.eq(&id),
                role_invitations::tenant_id.eq(tenant_id),
                role_invitations::role_id.eq(&role.id),
                role_invitations::email.eq(email.as_str()),
                role_invitations::email_key.eq(email.key()),
                role_invitations::token_hash.eq(token::hash(&token)),
                role_invitations::status.eq(InvitationStatus::Pending.as_str()),
                role_invitations::expires_at.eq(expires_at),
                role_invitations::invited_by_user_id.eq(&user.id),
                role_invitations::invited_at.eq(at),
                role_invitations::updated_at.eq(at),
            ))
            .execute(c);
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(ServiceError::invalid(
                    "email",
                    already_pending_message(email.as_str(), &role.name),
                ));
            }
            other => other?,
        };
        record(
            c,
            user,
            tenant_id,
            actions::ROLE_INVITATION_SENT,
            email.as_str(),
            &role.name,
        )?;
        send(
            c,
            settings,
            user,
            tenant_id,
            &role,
            email.as_str(),
            &token,
            expires_at,
        )?;
        row_by_id(c, tenant_id, &id)
    })
}

/// Records a refused escalation (DESIGN §12) and answers Forbidden.
pub(crate) fn refused(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    detail: &str,
) -> ServiceError {
    let event = Event::new(actions::AUTHZ_REFUSED)
        .actor(Some(user.actor()))
        .tenant(tenant_id)
        .detail(detail);
    match audit::record(conn, event) {
        Ok(()) => ServiceError::Forbidden,
        Err(e) => e,
    }
}

/// The pending invitation of this address to this role of the tenant, if any (to offer Resend).
pub fn pending_to(
    conn: &mut AnyConnection,
    tenant_id: &str,
    email: &str,
    role_id: &str,
) -> ServiceResult<Option<String>> {
    let Ok(email) = Email::parse(email) else {
        return Ok(None);
    };
    Ok(role_invitations::table
        .filter(role_invitations::tenant_id.eq(tenant_id))
        .filter(role_invitations::role_id.eq(role_id))
        .filter(role_invitations::email_key.eq(email.key()))
        .filter(role_invitations::status.eq("pending"))
        .select(role_invitations::id)
        .first(conn)
        .optional()?)
}

fn expiry(settings: &Settings, at: NaiveDateTime) -> ServiceResult<NaiveDateTime> {
    Ok(at + chrono::Duration::from_std(settings.invitation_ttl).map_err(anyhow::Error::from)?)
}

fn record(
    c: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    action: &'static str,
    subject: &str,
    detail: &str,
) -> ServiceResult<()> {
    audit::record(
        c,
        Event::new(action)
            .actor(Some(user.actor()))
            .tenant(tenant_id)
            .subject(subject)
            .detail(detail),
    )
}

#[allow(clippy::too_many_arguments)]
fn send(
    c: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    tenant_id: &str,
    role: &RoleChoice,
    email: &str,
    token: &str,
    expires_at: NaiveDateTime,
) -> ServiceResult<()> {
    let tenant: String = tenants::table
        .find(tenant_id)
        .select(tenants::name)
        .first(c)?;
    let message = RoleInvitationMail {
        inviter: user.name.clone(),
        tenant,
        role: role.name.clone(),
        applies: role.applies.to_string(),
        allows: role
            .permissions
            .iter()
            .map(|p| p.description().to_string())
            .collect(),
        expires_at: when(&expires_at),
        accept_url: settings.link(&format!("/role-invitations/{token}")),
    };
    outbox::enqueue(c, email, &message)
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
    inviter_access(conn, user, tenant_id)?;
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
        .limit(PAGE_SIZE + 1)
        .load(conn)?;
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
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

/// A pending invitation of the tenant that the viewer may manage: the role's permissions must be
/// theirs too.
fn manageable(
    c: &mut AnyConnection,
    user: &User,
    own: &Access,
    tenant_id: &str,
    id: &str,
) -> ServiceResult<(InvitationRow, RoleChoice)> {
    let row = row_by_id(c, tenant_id, id)?;
    let role = tenant_roles(c, tenant_id)?
        .into_iter()
        .find(|r| r.id == row.invitation.role_id)
        .ok_or(ServiceError::NotFound)?;
    if !holds_all(own, &role.permissions) {
        let detail = format!(
            "change the invitation of {} to {}",
            row.invitation.email, role.name
        );
        return Err(refused(c, user, tenant_id, &detail));
    }
    if row.invitation.status != InvitationStatus::Pending.as_str() {
        return Err(ServiceError::Conflict(format!(
            "This invitation is {} and can no longer be changed. Invite {} again instead.",
            row.invitation.status().label(),
            row.invitation.email
        )));
    }
    Ok((row, role))
}

/// Resend: a new token and a new expiry; the old link stops working at once.
pub fn resend(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    tenant_id: &str,
    invitation_id: &str,
) -> ServiceResult<InvitationRow> {
    let own = inviter_access(conn, user, tenant_id)?;
    // Checked before the transaction, so that a refusal stays in the audit log.
    let (row, role) = manageable(conn, user, &own, tenant_id, invitation_id)?;
    write_transaction(conn, |c| {
        let token = token::generate();
        let at = now();
        let expires_at = expiry(settings, at)?;
        let n = diesel::update(
            role_invitations::table
                .find(invitation_id)
                .filter(role_invitations::status.eq("pending")),
        )
        .set((
            role_invitations::token_hash.eq(token::hash(&token)),
            role_invitations::expires_at.eq(expires_at),
            role_invitations::updated_at.eq(at),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(ServiceError::Conflict(
                "This invitation changed meanwhile. Reload the page.".into(),
            ));
        }
        let email = row.invitation.email.clone();
        record(
            c,
            user,
            tenant_id,
            actions::ROLE_INVITATION_RESENT,
            &email,
            &role.name,
        )?;
        send(
            c, settings, user, tenant_id, &role, &email, &token, expires_at,
        )?;
        row_by_id(c, tenant_id, invitation_id)
    })
}

/// Revoke a pending invitation: its link stops working.
pub fn revoke(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    invitation_id: &str,
) -> ServiceResult<InvitationRow> {
    let own = inviter_access(conn, user, tenant_id)?;
    // Checked before the transaction, so that a refusal stays in the audit log.
    let (row, role) = manageable(conn, user, &own, tenant_id, invitation_id)?;
    write_transaction(conn, |c| {
        let n = diesel::update(
            role_invitations::table
                .find(invitation_id)
                .filter(role_invitations::status.eq("pending")),
        )
        .set((
            role_invitations::status.eq(InvitationStatus::Revoked.as_str()),
            role_invitations::updated_at.eq(now()),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(ServiceError::Conflict(
                "This invitation changed meanwhile. Reload the page.".into(),
            ));
        }
        record(
            c,
            user,
            tenant_id,
            actions::ROLE_INVITATION_REVOKED,
            &row.invitation.email,
            &role.name,
        )?;
        row_by_id(c, tenant_id, invitation_id)
    })
}
