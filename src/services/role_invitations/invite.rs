//! The inviter's side: invite, resend, revoke.

use super::{
    InvitationRow, InvitationStatus, RoleChoice, holds_all, inviter_access, refusal_message,
    refused, row_by_id, tenant_roles,
};
use crate::authz::Access;
use crate::config::Settings;
use crate::db::schema::{memberships, role_invitations, tenants, users};
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::email::Email;
use crate::domain::{FieldError, token, when};
use crate::mail::templates::RoleInvitation as RoleInvitationMail;
use crate::services::audit::{self, Event, actions};
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult, new_id, now, outbox};
use chrono::NaiveDateTime;
use diesel::prelude::*;

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
