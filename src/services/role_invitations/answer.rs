//! The invited person's side: open the emailed link (changes nothing) and accept it.

use super::{InvitationStatus, RoleInvitation, applies_label, permissions_of};
use crate::config::Settings;
use crate::db::schema::{memberships, role_invitations, roles, tenants};
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::token;
use crate::mail::templates::RoleInvitationAccepted;
use crate::services::audit::{self, Event, actions};
use crate::services::users::{self, User};
use crate::services::{ServiceError, ServiceResult, new_id, now, outbox};
use diesel::prelude::*;

/// What the invitation page shows.
#[derive(Debug, Clone)]
pub struct OpenInvitation {
    pub invitation: RoleInvitation,
    pub tenant: String,
    pub role: String,
    pub applies: &'static str,
    /// What the role allows, in plain words.
    pub allows: Vec<String>,
    /// The inviter's name, while they exist.
    pub inviter: Option<String>,
}

impl OpenInvitation {
    pub fn status(&self) -> InvitationStatus {
        self.invitation.status()
    }

    /// Why this invitation cannot be accepted any more, in words; None while it is open.
    pub fn closed_because(&self) -> Option<&'static str> {
        match self.status() {
            InvitationStatus::Pending => None,
            InvitationStatus::Accepted => Some("This invitation has already been accepted."),
            InvitationStatus::Revoked => Some("This invitation was revoked by the account."),
            InvitationStatus::Expired => Some("This invitation has expired. Ask for a new one."),
        }
    }

    /// The invited address must be the signed-in one.
    pub fn is_for(&self, user: &User) -> bool {
        self.invitation.email_key == user.email_key
    }
}

/// The invitation behind an emailed token; unknown or replaced tokens are NotFound. Opening it
/// changes nothing.
pub fn invitation(conn: &mut AnyConnection, token: &str) -> ServiceResult<OpenInvitation> {
    let found: Option<(RoleInvitation, String, String, String)> = role_invitations::table
        .inner_join(roles::table)
        .inner_join(tenants::table.on(tenants::id.eq(role_invitations::tenant_id)))
        .filter(role_invitations::token_hash.eq(token::hash(token)))
        .select((
            RoleInvitation::as_select(),
            roles::name,
            roles::applies_to,
            tenants::name,
        ))
        .first(conn)
        .optional()?;
    let (invitation, role, applies_to, tenant) = found.ok_or(ServiceError::NotFound)?;
    let allows = permissions_of(conn, &invitation.role_id)?
        .into_iter()
        .map(|p| p.description().to_string())
        .collect();
    let inviter = match invitation.invited_by_user_id.as_deref() {
        Some(id) => users::find(conn, id)?.map(|u| u.name),
        None => None,
    };
    Ok(OpenInvitation {
        invitation,
        tenant,
        role,
        applies: applies_label(&applies_to),
        allows,
        inviter,
    })
}

/// The words for an invitation opened by someone signed in with another address.
pub fn wrong_address_message(invited: &str, user: &User) -> String {
    format!(
        "This invitation was sent to {invited}, but you are signed in as {}. Sign out and sign in with the invited address.",
        user.email
    )
}

#[derive(Debug, Clone)]
pub struct Accepted {
    pub tenant_id: String,
    pub tenant: String,
    pub role: String,
    pub membership_id: String,
}

/// Accept: the invitation becomes Accepted atomically (exactly one row changes, so a token is
/// spent once) and the user becomes a member of the role, with the audit event and the email to
/// the inviter in the same transaction.
pub fn accept(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    token: &str,
) -> ServiceResult<Accepted> {
    let open = invitation(conn, token)?;
    if let Some(why) = open.closed_because() {
        return Err(ServiceError::Conflict(why.into()));
    }
    if !open.is_for(user) {
        return Err(ServiceError::Conflict(wrong_address_message(
            &open.invitation.email,
            user,
        )));
    }
    let inv = open.invitation.clone();
    let already = || {
        ServiceError::Conflict(format!(
            "You already have the role {} in {}. Nothing changed.",
            open.role, open.tenant
        ))
    };
    write_transaction(conn, |c| {
        let member: i64 = memberships::table
            .filter(memberships::user_id.eq(&user.id))
            .filter(memberships::role_id.eq(&inv.role_id))
            .count()
            .get_result(c)?;
        if member > 0 {
            return Err(already());
        }
        let at = now();
        let n = diesel::update(
            role_invitations::table
                .filter(role_invitations::token_hash.eq(token::hash(token)))
                .filter(role_invitations::status.eq("pending"))
                .filter(role_invitations::expires_at.gt(at)),
        )
        .set((
            role_invitations::status.eq(InvitationStatus::Accepted.as_str()),
            role_invitations::accepted_at.eq(at),
            role_invitations::accepted_by_user_id.eq(&user.id),
            role_invitations::updated_at.eq(at),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(ServiceError::Conflict(
                "This invitation has already been answered.".into(),
            ));
        }
        // The membership lives where the role is defined.
        let role_tenant: String = roles::table
            .find(&inv.role_id)
            .select(roles::tenant_id)
            .first(c)?;
        let membership_id = new_id();
        let inserted = diesel::insert_into(memberships::table)
            .values((
                memberships::id.eq(&membership_id),
                memberships::user_id.eq(&user.id),
                memberships::role_id.eq(&inv.role_id),
                memberships::tenant_id.eq(&role_tenant),
                memberships::created_at.eq(at),
            ))
            .execute(c);
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(already()),
            other => other?,
        };
        audit::record(
            c,
            Event::new(actions::ROLE_INVITATION_ACCEPTED)
                .actor(Some(user.actor()))
                .tenant(&inv.tenant_id)
                .subject(&inv.email)
                .detail(&open.role),
        )?;
        if let Some(inviter) = inv.invited_by_user_id.as_deref()
            && let Some(inviter) = users::find(c, inviter)?
        {
            let message = RoleInvitationAccepted {
                email: inv.email.clone(),
                tenant: open.tenant.clone(),
                role: open.role.clone(),
                url: settings.link(&format!("/accounts/{}/users", inv.tenant_id)),
            };
            outbox::enqueue(c, &inviter.email, &message)?;
        }
        Ok(Accepted {
            tenant_id: inv.tenant_id.clone(),
            tenant: open.tenant.clone(),
            role: open.role.clone(),
            membership_id,
        })
    })
}
