//! The customer's side: open an invitation, accept or decline it, see and remove partner access.

use super::{ALREADY_LINKED, Link, LinkRow, ORIGIN, role_allows, row};
use crate::authz;
use crate::config::Settings;
use crate::db::schema::access_grants;
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::link::{LinkStatus, MAX_MESSAGE_CHARS, clean_text, required_reason};
use crate::domain::permission::Permission;
use crate::domain::token;
use crate::mail::templates::{PartnerInvitationAnswered, PartnerLinkEnded};
use crate::services::audit::{self, Event, actions};
use crate::services::tenants::{self, NewTenant};
use crate::services::users::{self, User};
use crate::services::{ServiceError, ServiceResult, now, outbox};
use diesel::prelude::*;

/// What an invitation page shows; opening it changes nothing.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub row: LinkRow,
    pub allows: Vec<String>,
    /// True when the link was spent by declining (Removed after Pending means cancelled).
    pub was_connected: bool,
}

impl Invitation {
    pub fn status(&self) -> LinkStatus {
        self.row.status()
    }

    /// Why this invitation cannot be answered any more, in words; None while it is open.
    pub fn closed_because(&self) -> Option<&'static str> {
        match self.status() {
            LinkStatus::Pending => None,
            LinkStatus::Connected => Some("This invitation has already been accepted."),
            LinkStatus::Declined => Some("This invitation was declined."),
            LinkStatus::Expired => {
                Some("This invitation has expired. Ask the partner to send a new one.")
            }
            LinkStatus::Removed if self.was_connected => {
                Some("This invitation was accepted, and the link has since ended.")
            }
            LinkStatus::Removed => Some("This invitation was cancelled by the partner."),
        }
    }

    /// The invited address must be the signed-in one.
    pub fn is_for(&self, user: &User) -> bool {
        self.row.link.email.to_lowercase() == user.email_key
    }
}

/// How an invitation is named: the emailed token, or its id on the Partner access page.
#[derive(Clone, Copy)]
pub enum InvitationKey<'a> {
    Token(&'a str),
    Id(&'a str),
}

fn find_invitation_link(conn: &mut AnyConnection, key: InvitationKey<'_>) -> ServiceResult<Link> {
    let query = access_grants::table
        .filter(access_grants::origin.eq(ORIGIN))
        .select(Link::as_select());
    let link = match key {
        InvitationKey::Token(t) => query
            .filter(access_grants::token_hash.eq(token::hash(t)))
            .first(conn)
            .optional()?,
        InvitationKey::Id(id) => query
            .filter(access_grants::id.eq(id))
            .first(conn)
            .optional()?,
    };
    link.ok_or(ServiceError::NotFound)
}

/// The invitation behind an emailed token. Unknown (or replaced) tokens are NotFound.
pub fn invitation(conn: &mut AnyConnection, key: InvitationKey<'_>) -> ServiceResult<Invitation> {
    let link = find_invitation_link(conn, key)?;
    let allows = role_allows(conn, &link.limiting_role_id)?;
    let was_connected = link.connected_at.is_some();
    Ok(Invitation {
        row: row(conn, link)?,
        allows,
        was_connected,
    })
}

/// Where an accepted invitation lands.
pub enum AcceptInto<'a> {
    /// A tenant the user administers (through their own roles, not through a grant).
    Existing(&'a str),
    /// A new tenant with this name, owned by the user.
    New(&'a str),
}

#[derive(Debug, Clone)]
pub struct Accepted {
    pub partner: String,
    pub customer_id: String,
    pub customer: String,
}

/// Tenants the user can connect a partner to: those where their own roles give `tenant.manage`.
pub fn may_connect(conn: &mut AnyConnection, user: &User, tenant_id: &str) -> ServiceResult<bool> {
    let access = authz::access(conn, &user.id, tenant_id)?;
    Ok(is_own_admin(&access))
}

/// The rule of [`may_connect`] on an access already loaded: the tenant's own admins, through
/// their own roles (a partner inside the tenant never manages its links).
pub fn is_own_admin(access: &authz::Access) -> bool {
    access.own().allows(Permission::TenantManage)
}

fn open_invitation_for(
    conn: &mut AnyConnection,
    user: &User,
    key: InvitationKey<'_>,
) -> ServiceResult<Invitation> {
    let invitation = invitation(conn, key)?;
    // By id (from the Partner access page) only the invited person learns anything about it.
    if matches!(key, InvitationKey::Id(_)) && !invitation.is_for(user) {
        return Err(ServiceError::NotFound);
    }
    if let Some(why) = invitation.closed_because() {
        return Err(ServiceError::Conflict(why.into()));
    }
    if !invitation.is_for(user) {
        return Err(ServiceError::Conflict(format!(
            "This invitation was sent to {}, but you are signed in as {}. Sign out and sign in with the invited address.",
            invitation.row.link.email, user.email
        )));
    }
    Ok(invitation)
}

/// Accept: the link becomes Connected, atomically (one row must change, so a token is spent
/// once), with the audit event and the email to the inviter in the same transaction. A customer
/// tenant with a connected partner refuses with [`ALREADY_LINKED`].
pub fn accept(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    key: InvitationKey<'_>,
    into: AcceptInto<'_>,
) -> ServiceResult<Accepted> {
    let invitation = open_invitation_for(conn, user, key)?;
    let link = invitation.row.link.clone();
    write_transaction(conn, |c| {
        let customer = match into {
            AcceptInto::Existing(id) => {
                if !may_connect(c, user, id)? {
                    return Err(ServiceError::invalid(
                        "tenant",
                        "Choose one of the accounts you administer.",
                    ));
                }
                tenants::find(c, id)?.ok_or(ServiceError::NotFound)?
            }
            AcceptInto::New(name) => tenants::create(
                c,
                NewTenant {
                    name,
                    is_partner: false,
                    parent_id: None,
                    owner_email: &user.email,
                },
                Some(user.actor()),
            )?,
        };
        if customer.id == link.grantee_tenant_id {
            return Err(ServiceError::invalid(
                "tenant",
                "A partner cannot link to its own account. Choose another account.",
            ));
        }
        let at = now();
        let updated = diesel::update(
            access_grants::table
                .find(&link.id)
                .filter(access_grants::status.eq("pending"))
                .filter(access_grants::invitation_expires_at.gt(at))
                .filter(
                    access_grants::access_ends_at
                        .is_null()
                        .or(access_grants::access_ends_at.gt(at)),
                ),
        )
        .set((
            access_grants::status.eq(LinkStatus::Connected.as_str()),
            access_grants::owner_tenant_id.eq(&customer.id),
            access_grants::connected_at.eq(at),
            access_grants::accepted_by_user_id.eq(&user.id),
            access_grants::updated_at.eq(at),
        ))
        .execute(c);
        match updated {
            Ok(1) => {}
            Ok(_) => {
                return Err(ServiceError::Conflict(
                    "This invitation has already been answered.".into(),
                ));
            }
            Err(e) if is_unique_violation(&e) => {
                return Err(ServiceError::Conflict(ALREADY_LINKED.into()));
            }
            Err(e) => return Err(e.into()),
        }
        let mut event = Event::new(actions::LINK_ACCEPTED)
            .actor(Some(user.actor()))
            .tenant(&link.grantee_tenant_id)
            .subject(&link.email)
            .detail(format!("{} connected", customer.name));
        event.grant_id = Some(link.id.clone());
        audit::record(c, event)?;
        notify_inviter(c, settings, &link, true, &customer.name, "")?;
        Ok(Accepted {
            partner: invitation.row.partner.clone(),
            customer_id: customer.id,
            customer: customer.name,
        })
    })
}

fn notify_inviter(
    c: &mut AnyConnection,
    settings: &Settings,
    link: &Link,
    accepted: bool,
    customer: &str,
    reason: &str,
) -> ServiceResult<()> {
    let Some(inviter) = link.invited_by_user_id.as_deref() else {
        return Ok(());
    };
    let Some(inviter) = users::find(c, inviter)? else {
        return Ok(());
    };
    let message = PartnerInvitationAnswered {
        accepted,
        email: link.email.clone(),
        customer: customer.to_string(),
        reason: reason.to_string(),
        manage_url: settings.link(&format!("/accounts/{}/customers", link.grantee_tenant_id)),
    };
    outbox::enqueue(c, &inviter.email, &message)
}

/// Decline, with an optional reason; the partner's inviter is told.
pub fn decline(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    key: InvitationKey<'_>,
    reason: &str,
) -> ServiceResult<Invitation> {
    let reason = clean_text("reason", reason, MAX_MESSAGE_CHARS)?;
    let invitation = open_invitation_for(conn, user, key)?;
    let link = invitation.row.link.clone();
    write_transaction(conn, |c| {
        let at = now();
        let n = diesel::update(
            access_grants::table
                .find(&link.id)
                .filter(access_grants::status.eq("pending"))
                .filter(access_grants::invitation_expires_at.gt(at)),
        )
        .set((
            access_grants::status.eq(LinkStatus::Declined.as_str()),
            access_grants::ended_at.eq(at),
            access_grants::end_reason.eq(&reason),
            access_grants::updated_at.eq(at),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(ServiceError::Conflict(
                "This invitation has already been answered.".into(),
            ));
        }
        let mut event = Event::new(actions::LINK_DECLINED)
            .actor(Some(user.actor()))
            .tenant(&link.grantee_tenant_id)
            .subject(&link.email)
            .detail(reason.clone());
        event.grant_id = Some(link.id.clone());
        audit::record(c, event)?;
        notify_inviter(c, settings, &link, false, "", &reason)?;
        invitation_by_id(c, &link.id)
    })
}

fn invitation_by_id(c: &mut AnyConnection, id: &str) -> ServiceResult<Invitation> {
    invitation(c, InvitationKey::Id(id))
}

/// The Partner access page of a customer tenant.
#[derive(Debug, Clone)]
pub struct PartnerAccess {
    pub connected: Option<LinkRow>,
    /// The connected partner's open request for a later end date.
    pub extension: Option<crate::services::grant_periods::Extension>,
    pub allows: Vec<String>,
    /// Open invitations addressed to the viewing admin, to accept into this tenant.
    pub pending: Vec<LinkRow>,
}

/// For the tenant's own admins (a partner inside the tenant cannot see or end its link here).
pub fn partner_access_of(
    conn: &mut AnyConnection,
    user: &User,
    customer_id: &str,
) -> ServiceResult<PartnerAccess> {
    require_own_admin(conn, user, customer_id)?;
    let connected = connected_link(conn, customer_id)?;
    let allows = match &connected {
        Some(link) => role_allows(conn, &link.limiting_role_id)?,
        None => Vec::new(),
    };
    let extension = match &connected {
        Some(link) => crate::services::grant_periods::pending_extension(conn, &link.id)?,
        None => None,
    };
    let connected = connected.map(|l| row(conn, l)).transpose()?;
    let pending: Vec<Link> = access_grants::table
        .filter(access_grants::origin.eq(ORIGIN))
        .filter(access_grants::email_key.eq(&user.email_key))
        .filter(access_grants::status.eq("pending"))
        .filter(access_grants::invitation_expires_at.gt(now()))
        .order(access_grants::id.desc())
        .limit(super::PAGE_SIZE)
        .select(Link::as_select())
        .load(conn)?;
    let pending = pending
        .into_iter()
        .map(|l| row(conn, l))
        .collect::<ServiceResult<Vec<_>>>()?;
    Ok(PartnerAccess {
        connected,
        extension,
        allows,
        pending,
    })
}

pub(super) fn require_own_admin(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
) -> ServiceResult<()> {
    if may_connect(conn, user, tenant_id)? {
        return Ok(());
    }
    // Distinguish "not yours" (404) from "yours, but not an admin" (403).
    authz::require(conn, &user.id, tenant_id, Permission::TenantView)?;
    Err(ServiceError::Forbidden)
}

pub(super) fn connected_link(
    conn: &mut AnyConnection,
    customer_id: &str,
) -> ServiceResult<Option<Link>> {
    Ok(access_grants::table
        .filter(access_grants::origin.eq(ORIGIN))
        .filter(access_grants::owner_tenant_id.eq(customer_id))
        .filter(access_grants::status.eq("connected"))
        .select(Link::as_select())
        .first(conn)
        .optional()?)
}

/// Remove access: the customer's admin ends the connected link, with a required reason; the
/// partner is emailed and its users inside are out on their next request.
pub fn remove_partner(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    customer_id: &str,
    link_id: &str,
    reason: &str,
) -> ServiceResult<LinkRow> {
    // Another tenant's ids answer NotFound before anything about the input is said.
    require_own_admin(conn, user, customer_id)?;
    let reason = required_reason("reason", reason)?;
    write_transaction(conn, |c| {
        let link = match connected_link(c, customer_id)? {
            Some(link) if link.id == link_id => link,
            _ => {
                return Err(ServiceError::Conflict(
                    "This partner is no longer connected.".into(),
                ));
            }
        };
        end(
            c,
            settings,
            &link,
            "the customer",
            &reason,
            Some(user),
            customer_id,
        )
    })
}

/// Ends a connected link (or cancels a pending one) and emails the sides; shared by the customer
/// and staff paths. `audit_tenant` is where the event is filed.
pub(super) fn end(
    c: &mut AnyConnection,
    settings: &Settings,
    link: &Link,
    ended_by: &str,
    reason: &str,
    actor: Option<&User>,
    audit_tenant: &str,
) -> ServiceResult<LinkRow> {
    let at = now();
    let n = diesel::update(
        access_grants::table
            .find(&link.id)
            .filter(access_grants::status.eq(&link.status)),
    )
    .set((
        access_grants::status.eq(LinkStatus::Removed.as_str()),
        access_grants::ended_at.eq(at),
        access_grants::end_reason.eq(format!("Ended by {ended_by}. {reason}").trim().to_string()),
        access_grants::updated_at.eq(at),
    ))
    .execute(c)?;
    if n != 1 {
        return Err(ServiceError::Conflict(
            "This link changed meanwhile. Reload the page.".into(),
        ));
    }
    let action = if link.status == LinkStatus::Connected.as_str() {
        actions::LINK_REMOVED
    } else {
        actions::LINK_CANCELLED
    };
    let detail = if reason.is_empty() {
        format!("by {ended_by}")
    } else {
        format!("by {ended_by}: {reason}")
    };
    let mut event = Event::new(action)
        .actor(actor.map(User::actor))
        .tenant(audit_tenant)
        .subject(&link.email)
        .detail(detail);
    event.grant_id = Some(link.id.clone());
    audit::record(c, event)?;
    let ended = super::row_by_id(c, &link.id)?;
    if link.status == LinkStatus::Connected.as_str() {
        let customer = ended.customer.clone().unwrap_or_default();
        let message = |url: String| PartnerLinkEnded {
            partner: ended.partner.clone(),
            customer: customer.clone(),
            ended_by: ended_by.to_string(),
            reason: reason.to_string(),
            url,
        };
        if ended_by != "the customer" {
            let url = settings.link(&format!(
                "/accounts/{}/partner-access",
                link.owner_tenant_id.as_deref().unwrap_or_default()
            ));
            outbox::enqueue(c, &link.email, &message(url))?;
        }
        if ended_by != "the partner"
            && let Some(inviter) = link.invited_by_user_id.as_deref()
            && let Some(inviter) = users::find(c, inviter)?
        {
            let url = settings.link(&format!("/accounts/{}/customers", link.grantee_tenant_id));
            outbox::enqueue(c, &inviter.email, &message(url))?;
        }
    }
    Ok(ended)
}
