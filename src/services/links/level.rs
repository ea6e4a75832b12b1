//! Changing the access level of a live link, with consent: the partner asks for another of its
//! access levels on a Connected link, the customer's admin sees what it adds and removes and
//! approves or declines. Until approved the old level stays; both answers are audited and the
//! partner is emailed.

use super::customer::{connected_link, require_own_admin};
use super::partner::{own_link, partner_access, record};
use super::{Link, LinkRow, access_levels, role_name, row, row_by_id, tenant_name};
use crate::config::Settings;
use crate::db::schema::{access_grants, role_permissions};
use crate::db::{AnyConnection, write_transaction};
use crate::domain::link::LinkStatus;
use crate::domain::permission::Permission;
use crate::mail::templates::{LevelChangeAnswered, LevelChangeRequested};
use crate::services::audit::actions;
use crate::services::users::{self, User};
use crate::services::{ServiceError, ServiceResult, now, outbox};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

/// Refused while the customer has not answered the previous request.
pub const LEVEL_CHANGE_PENDING: &str =
    "A change of access level is already waiting for the customer's answer.";

/// What moving from one role to another adds and removes, in plain words.
pub fn level_diff(
    conn: &mut AnyConnection,
    from_role: &str,
    to_role: &str,
) -> ServiceResult<(Vec<String>, Vec<String>)> {
    let mut permissions = |role: &str| -> ServiceResult<BTreeSet<Permission>> {
        let names: Vec<String> = role_permissions::table
            .filter(role_permissions::role_id.eq(role))
            .select(role_permissions::permission)
            .load(conn)?;
        Ok(names.iter().filter_map(|n| n.parse().ok()).collect())
    };
    let (from, to) = (permissions(from_role)?, permissions(to_role)?);
    let words = |set: BTreeSet<&Permission>| {
        set.into_iter()
            .map(|p| p.description().to_string())
            .collect::<Vec<_>>()
    };
    Ok((
        words(to.difference(&from).collect()),
        words(from.difference(&to).collect()),
    ))
}

/// The partner asks for `role_id` (one of its access levels) on a Connected link.
pub fn request_level_change(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    link_id: &str,
    role_id: &str,
) -> ServiceResult<LinkRow> {
    partner_access(conn, user, partner_id, Permission::CustomersManage)?;
    own_link(conn, partner_id, link_id)?;
    let level = access_levels(conn, partner_id)?
        .into_iter()
        .find(|l| l.role_id == role_id)
        .ok_or_else(|| ServiceError::invalid("access_level", "Choose one of the access levels."))?;
    write_transaction(conn, |c| {
        let link = own_link(c, partner_id, link_id)?;
        if link.status() != LinkStatus::Connected {
            return Err(ServiceError::Conflict(format!(
                "This account is {}; only a connected account's access level can be changed.",
                link.status().label()
            )));
        }
        if link.limiting_role_id == level.role_id {
            return Err(ServiceError::invalid(
                "access_level",
                format!(
                    "{} is already the access level of this account.",
                    level.name
                ),
            ));
        }
        let at = now();
        let n = diesel::update(
            access_grants::table
                .find(link_id)
                .filter(access_grants::status.eq("connected"))
                .filter(access_grants::requested_role_id.is_null()),
        )
        .set((
            access_grants::requested_role_id.eq(&level.role_id),
            access_grants::requested_at.eq(at),
            access_grants::requested_by_user_id.eq(&user.id),
            access_grants::updated_at.eq(at),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(ServiceError::Conflict(LEVEL_CHANGE_PENDING.into()));
        }
        let current = role_name(c, &link.limiting_role_id)?;
        record(
            c,
            user,
            partner_id,
            link_id,
            actions::LINK_LEVEL_CHANGE_REQUESTED,
            &link.email,
            &format!("from {current} to {}", level.name),
        )?;
        let (added, removed) = level_diff(c, &link.limiting_role_id, &level.role_id)?;
        let owner = link.owner_tenant_id.clone().unwrap_or_default();
        let message = LevelChangeRequested {
            partner: tenant_name(c, partner_id)?,
            customer: tenant_name(c, &owner)?,
            requested_by: user.name.clone(),
            current_level: current,
            requested_level: level.name.clone(),
            added,
            removed,
            url: settings.link(&format!(
                "/accounts/{owner}/partner-access/{link_id}/access-level"
            )),
        };
        outbox::enqueue(c, &link.email, &message)?;
        row_by_id(c, link_id)
    })
}

/// A pending change as the customer sees it.
#[derive(Debug, Clone)]
pub struct LevelChange {
    pub row: LinkRow,
    pub requested_role_id: String,
    pub requested_level: String,
    pub requested_at: NaiveDateTime,
    /// What the new level allows that the current one does not, and the reverse.
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// The customer's link with its pending change; another tenant's link is NotFound, and so is a
/// link without a pending change.
pub fn level_change_of(
    conn: &mut AnyConnection,
    user: &User,
    customer_id: &str,
    link_id: &str,
) -> ServiceResult<LevelChange> {
    let link = customer_link(conn, user, customer_id, link_id)?;
    let (Some(requested), Some(requested_at)) = (link.requested_role_id.clone(), link.requested_at)
    else {
        return Err(ServiceError::NotFound);
    };
    let (added, removed) = level_diff(conn, &link.limiting_role_id, &requested)?;
    Ok(LevelChange {
        requested_level: role_name(conn, &requested)?,
        requested_role_id: requested,
        requested_at,
        added,
        removed,
        row: row(conn, link)?,
    })
}

fn customer_link(
    conn: &mut AnyConnection,
    user: &User,
    customer_id: &str,
    link_id: &str,
) -> ServiceResult<Link> {
    require_own_admin(conn, user, customer_id)?;
    match connected_link(conn, customer_id)? {
        Some(link) if link.id == link_id => Ok(link),
        _ => Err(ServiceError::NotFound),
    }
}

/// The customer's admin approves (the requested level becomes the limiting role, in effect on
/// the partner's next request) or declines (the old level stays). Audited; the partner's
/// requester is emailed.
pub fn answer_level_change(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    customer_id: &str,
    link_id: &str,
    approve: bool,
) -> ServiceResult<LinkRow> {
    customer_link(conn, user, customer_id, link_id)?;
    write_transaction(conn, |c| {
        let link = customer_link(c, user, customer_id, link_id)?;
        let Some(requested) = link.requested_role_id.clone() else {
            return Err(ServiceError::Conflict(
                "There is no pending change of access level.".into(),
            ));
        };
        let at = now();
        let target = access_grants::table
            .find(link_id)
            .filter(access_grants::status.eq("connected"))
            .filter(access_grants::requested_role_id.eq(&requested));
        let clear = (
            access_grants::requested_role_id.eq(None::<String>),
            access_grants::requested_at.eq(None::<NaiveDateTime>),
            access_grants::requested_by_user_id.eq(None::<String>),
            access_grants::updated_at.eq(at),
        );
        let n = if approve {
            diesel::update(target)
                .set((access_grants::limiting_role_id.eq(&requested), clear))
                .execute(c)?
        } else {
            diesel::update(target).set(clear).execute(c)?
        };
        if n != 1 {
            return Err(ServiceError::Conflict(
                "This request changed meanwhile. Reload the page.".into(),
            ));
        }
        let (current, wanted) = (
            role_name(c, &link.limiting_role_id)?,
            role_name(c, &requested)?,
        );
        let (action, detail) = if approve {
            (
                actions::LINK_LEVEL_CHANGE_APPROVED,
                format!("from {current} to {wanted}"),
            )
        } else {
            (
                actions::LINK_LEVEL_CHANGE_DECLINED,
                format!("{wanted} declined, {current} stays"),
            )
        };
        record(
            c,
            user,
            &link.grantee_tenant_id,
            link_id,
            action,
            &link.email,
            &detail,
        )?;
        let answered = row_by_id(c, link_id)?;
        let to = link
            .requested_by_user_id
            .as_deref()
            .or(link.invited_by_user_id.as_deref());
        if let Some(to) = to
            && let Some(to) = users::find(c, to)?
        {
            let message = LevelChangeAnswered {
                partner: answered.partner.clone(),
                customer: answered.customer.clone().unwrap_or_default(),
                approved: approve,
                current_level: current,
                requested_level: wanted,
                url: settings.link(&format!("/accounts/{}/customers", link.grantee_tenant_id)),
            };
            outbox::enqueue(c, &to.email, &message)?;
        }
        Ok(answered)
    })
}
