//! The partner's side: invite, list, resend, delete, and enter a connected customer tenant.

use super::{
    AccessLevel, LinkFilter, LinkPage, LinkRow, ORIGIN, Page, Scope, Summary, access_levels, find,
    not_found, role_allows, row, summaries, tenant_name,
};
use crate::authz::{self, Access};
use crate::config::Settings;
use crate::db::schema::access_grants;
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::email::Email;
use crate::domain::link::{LinkStatus, MAX_MESSAGE_CHARS, clean_text};
use crate::domain::permission::Permission;
use crate::domain::token;
use crate::domain::when;
use crate::mail::templates::PartnerInvitation;
use crate::services::audit::{self, Event, actions};
use crate::services::grant_periods;
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult, new_id, now, outbox};
use diesel::prelude::*;

/// A partner tenant the user may see the customers of. Only tenants with the partner
/// entitlement have customers.
pub fn partner_access(
    conn: &mut AnyConnection,
    user: &User,
    partner_id: &str,
    permission: Permission,
) -> ServiceResult<Access> {
    // A partner's own members act here; a grant into a partner does not carry its customers.
    let own = authz::own_access(conn, &user.id, partner_id)?;
    own.require(permission)?;
    if !own.tenant_is_partner {
        return Err(ServiceError::Forbidden);
    }
    Ok(own)
}

/// The partner's links, newest first, for an access [`partner_access`] gave (so a page that
/// checked the user's rights does not check them again).
pub fn list_for_partner(
    conn: &mut AnyConnection,
    access: &Access,
    filter: &LinkFilter,
) -> ServiceResult<LinkPage> {
    may_list(access)?;
    super::list(
        conn,
        Scope::Partner {
            id: &access.tenant_id,
            name: &access.tenant_name,
        },
        filter,
    )
}

/// Whether an access [`partner_access`] gave lets its user see the partner's customers.
fn may_list(access: &Access) -> ServiceResult<()> {
    match access.tenant_is_partner && access.allows(Permission::CustomersView) {
        true => Ok(()),
        false => Err(ServiceError::Forbidden),
    }
}

/// [`list_for_partner`] as [`Summary`]s: what Account Management's table shows.
pub fn summaries_for_partner(
    conn: &mut AnyConnection,
    access: &Access,
    filter: &LinkFilter,
) -> ServiceResult<Page<Summary>> {
    may_list(access)?;
    summaries(conn, &access.tenant_id, filter)
}

/// One of the partner's links; another partner's link is NotFound, like a missing one.
pub fn get_for_partner(
    conn: &mut AnyConnection,
    user: &User,
    partner_id: &str,
    link_id: &str,
) -> ServiceResult<LinkRow> {
    partner_access(conn, user, partner_id, Permission::CustomersView)?;
    let link = own_link(conn, partner_id, link_id)?;
    row(conn, link)
}

pub(super) fn own_link(
    conn: &mut AnyConnection,
    partner_id: &str,
    link_id: &str,
) -> ServiceResult<super::Link> {
    match find(conn, link_id)? {
        Some(link) if link.grantee_tenant_id == partner_id => Ok(link),
        _ => not_found(),
    }
}

/// What the partner typed in the Add dialog.
pub struct Invite<'a> {
    pub email: &'a str,
    pub access_level: &'a str,
    pub message: &'a str,
}

/// Refused when the partner already waits for an answer from this address; the page offers
/// Resend for `existing`.
pub fn already_pending_message(email: &str) -> String {
    format!(
        "An invitation to {email} is already pending. Use Resend to send it again with a new link."
    )
}

/// Sends an invitation: a Pending link, its hashed token, the audit event and the email, in one
/// transaction. The answer is the same whatever the address is linked to elsewhere.
pub fn invite(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    input: Invite<'_>,
) -> ServiceResult<LinkRow> {
    invite_until(conn, settings, user, partner_id, input, "")
}

/// [`invite`] with an optional end of the access period (`ends_at`, as
/// [`grant_periods::parse_ends_at`] reads it: empty for none, 1 day to 2 years from now).
pub fn invite_until(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    input: Invite<'_>,
    ends_at: &str,
) -> ServiceResult<LinkRow> {
    partner_access(conn, user, partner_id, Permission::CustomersManage)?;
    let mut errors = Vec::new();
    let email = Email::parse(input.email).map_err(|e| errors.push(e)).ok();
    let levels = access_levels(conn, partner_id)?;
    let level = levels
        .iter()
        .find(|l| l.role_id == input.access_level)
        .cloned();
    if level.is_none() {
        errors.push(crate::domain::FieldError::new(
            "access_level",
            "Choose one of the access levels.",
        ));
    }
    let message = clean_text("message", input.message, MAX_MESSAGE_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    let at = now();
    let ends_at = grant_periods::parse_ends_at("ends_at", ends_at, at)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(email), Some(level), Some(message), Some(ends_at)) = (email, level, message, ends_at)
    else {
        return Err(ServiceError::Invalid(errors));
    };
    let token = token::generate();
    let id = new_id();
    let expires_at =
        at + chrono::Duration::from_std(settings.invitation_ttl).map_err(anyhow::Error::from)?;
    write_transaction(conn, |c| {
        // An invitation that has run out no longer blocks a new one.
        diesel::update(
            access_grants::table
                .filter(access_grants::grantee_tenant_id.eq(partner_id))
                .filter(access_grants::email_key.eq(email.key()))
                .filter(access_grants::origin.eq(ORIGIN))
                .filter(access_grants::status.eq("pending"))
                .filter(access_grants::invitation_expires_at.le(at)),
        )
        .set((
            access_grants::status.eq(LinkStatus::Expired.as_str()),
            access_grants::updated_at.eq(at),
        ))
        .execute(c)?;
        let inserted = diesel::insert_into(access_grants::table)
            .values((
                access_grants::id.eq(&id),
                access_grants::origin.eq(ORIGIN),
                access_grants::grantee_tenant_id.eq(partner_id),
                access_grants::limiting_role_id.eq(&level.role_id),
                access_grants::status.eq(LinkStatus::Pending.as_str()),
                access_grants::email.eq(email.as_str()),
                access_grants::email_key.eq(email.key()),
                access_grants::message.eq(&message),
                access_grants::token_hash.eq(token::hash(&token)),
                access_grants::invitation_expires_at.eq(expires_at),
                access_grants::invited_by_user_id.eq(&user.id),
                access_grants::invited_at.eq(at),
                access_grants::updated_at.eq(at),
                access_grants::access_ends_at.eq(ends_at),
            ))
            .execute(c);
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(ServiceError::invalid(
                    "email",
                    already_pending_message(email.as_str()),
                ));
            }
            other => other?,
        };
        record(
            c,
            user,
            partner_id,
            &id,
            actions::LINK_INVITED,
            email.as_str(),
            &level.name,
        )?;
        send_invitation(
            c,
            settings,
            user,
            partner_id,
            &level,
            (email.as_str(), &message),
            &token,
            (expires_at, ends_at),
        )?;
        super::row_by_id(c, &id)
    })
}

/// The pending invitation from this partner to this address, if any (to offer Resend).
pub fn pending_to(
    conn: &mut AnyConnection,
    partner_id: &str,
    email: &str,
) -> ServiceResult<Option<String>> {
    let Ok(email) = Email::parse(email) else {
        return Ok(None);
    };
    Ok(access_grants::table
        .filter(access_grants::grantee_tenant_id.eq(partner_id))
        .filter(access_grants::origin.eq(ORIGIN))
        .filter(access_grants::email_key.eq(email.key()))
        .filter(access_grants::status.eq("pending"))
        .select(access_grants::id)
        .first(conn)
        .optional()?)
}

#[allow(clippy::too_many_arguments)]
/// The invitation email; `to` is (address, message), `times` (link expiry, access end).
fn send_invitation(
    c: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    level: &AccessLevel,
    (email, message): (&str, &str),
    token: &str,
    (expires_at, ends_at): (chrono::NaiveDateTime, Option<chrono::NaiveDateTime>),
) -> ServiceResult<()> {
    let invitation = PartnerInvitation {
        partner: tenant_name(c, partner_id)?,
        inviter: user.name.clone(),
        access_level: level.name.clone(),
        allows: role_allows(c, &level.role_id)?,
        message: message.to_string(),
        expires_at: when(&expires_at),
        access_ends_at: ends_at.as_ref().map(when).unwrap_or_default(),
        accept_url: settings.link(&format!("/invitations/{token}")),
    };
    outbox::enqueue(c, email, &invitation)
}

pub(super) fn record(
    c: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    link_id: &str,
    action: &'static str,
    subject: &str,
    detail: &str,
) -> ServiceResult<()> {
    let mut event = Event::new(action)
        .actor(Some(user.actor()))
        .tenant(tenant_id)
        .subject(subject)
        .detail(detail);
    event.grant_id = Some(link_id.to_string());
    audit::record(c, event)
}

/// A new link for a pending invitation: new token, new expiry, the old link stops working.
pub fn resend(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    link_id: &str,
) -> ServiceResult<LinkRow> {
    partner_access(conn, user, partner_id, Permission::CustomersManage)?;
    write_transaction(conn, |c| {
        let link = own_link(c, partner_id, link_id)?;
        if link.status != LinkStatus::Pending.as_str() {
            return Err(ServiceError::Conflict(format!(
                "This invitation is {} and cannot be sent again. Add the account again instead.",
                link.status().label()
            )));
        }
        let token = token::generate();
        let at = now();
        let expires_at = at
            + chrono::Duration::from_std(settings.invitation_ttl).map_err(anyhow::Error::from)?;
        diesel::update(
            access_grants::table
                .find(link_id)
                .filter(access_grants::status.eq("pending")),
        )
        .set((
            access_grants::token_hash.eq(token::hash(&token)),
            access_grants::invitation_expires_at.eq(expires_at),
            access_grants::updated_at.eq(at),
        ))
        .execute(c)?;
        let level = access_levels(c, partner_id)?
            .into_iter()
            .find(|l| l.role_id == link.limiting_role_id)
            .ok_or(ServiceError::NotFound)?;
        record(
            c,
            user,
            partner_id,
            link_id,
            actions::LINK_RESENT,
            &link.email,
            &level.name,
        )?;
        send_invitation(
            c,
            settings,
            user,
            partner_id,
            &level,
            (&link.email, &link.message),
            &token,
            (expires_at, link.access_ends_at),
        )?;
        super::row_by_id(c, link_id)
    })
}

/// Delete Account: cancels a pending invitation, or ends a connected link at once and emails the
/// customer. Declined and expired rows leave the table. The link stays in history.
pub fn delete(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    link_id: &str,
) -> ServiceResult<LinkRow> {
    partner_access(conn, user, partner_id, Permission::CustomersManage)?;
    write_transaction(conn, |c| {
        let link = own_link(c, partner_id, link_id)?;
        if link.status() == LinkStatus::Removed {
            return Err(ServiceError::Conflict(
                "This account was already deleted.".into(),
            ));
        }
        super::customer::end(
            c,
            settings,
            &link,
            "the partner",
            "",
            Some(user),
            partner_id,
        )
    })
}

/// Where a partner user works after Login (the web layer keeps it in the session).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entered {
    pub link_id: String,
    pub customer_id: String,
    pub customer: String,
    pub partner_id: String,
    pub partner: String,
    pub access_level: String,
}

/// Login: a partner user with `customers.login` enters a connected customer tenant, keeping
/// their own identity, limited by the link's access level. Audited.
pub fn enter(
    conn: &mut AnyConnection,
    user: &User,
    partner_id: &str,
    link_id: &str,
    ip: Option<String>,
) -> ServiceResult<Entered> {
    partner_access(conn, user, partner_id, Permission::CustomersLogin)?;
    let link = own_link(conn, partner_id, link_id)?;
    let (Some(customer_id), LinkStatus::Connected) = (link.owner_tenant_id.clone(), link.status())
    else {
        return Err(ServiceError::Conflict(
            "Only connected accounts can be entered.".into(),
        ));
    };
    let entered = inside(conn, user, &customer_id, link_id)?.ok_or(ServiceError::Forbidden)?;
    let mut event = Event::new(actions::TENANT_ENTERED)
        .actor(Some(user.actor()))
        .tenant(&customer_id)
        .subject(&entered.customer)
        .detail(format!(
            "from {} as {}",
            entered.partner, entered.access_level
        ))
        .ip(ip);
    event.grant_id = Some(link_id.to_string());
    audit::record(conn, event)?;
    Ok(entered)
}

/// The user's standing inside a customer tenant through one link: None once the link has ended
/// or the user lost the role that carried them in (checked on every request).
pub fn inside(
    conn: &mut AnyConnection,
    user: &User,
    customer_id: &str,
    link_id: &str,
) -> ServiceResult<Option<Entered>> {
    let access = authz::access(conn, &user.id, customer_id)?;
    let through_link = access
        .paths
        .iter()
        .any(|p| p.via.grant_id() == Some(link_id) && !p.permissions.is_empty());
    if !through_link {
        return Ok(None);
    }
    let Some(link) = find(conn, link_id)? else {
        return Ok(None);
    };
    let row = row(conn, link)?;
    Ok(Some(Entered {
        link_id: link_id.to_string(),
        customer_id: customer_id.to_string(),
        customer: row.customer.unwrap_or_default(),
        partner_id: row.link.grantee_tenant_id.clone(),
        partner: row.partner,
        access_level: row.access_level,
    }))
}

/// Return to the partner: audited with the link.
pub fn leave(
    conn: &mut AnyConnection,
    user: &User,
    entered: &Entered,
    ip: Option<String>,
) -> ServiceResult<()> {
    let mut event = Event::new(actions::TENANT_LEFT)
        .actor(Some(user.actor()))
        .tenant(&entered.customer_id)
        .subject(&entered.customer)
        .detail(format!("back to {}", entered.partner))
        .ip(ip);
    event.grant_id = Some(entered.link_id.clone());
    audit::record(conn, event)
}
