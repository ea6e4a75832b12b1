//! Creating, changing and revoking shares: checked by [`super::rules`], each one transaction
//! with its audit event.

use super::rules::{account, limiting_role, own_on_account, standing, target, within_own};
use super::{ORIGIN, Share, find};
use crate::db::schema::access_grants;
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::period::parse_end;
use crate::domain::when;
use crate::services::audit::{self, Event, actions};
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult, new_id, now};
use diesel::prelude::*;

/// What the Share form or the API sends, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct NewShare {
    /// The shared account; empty for the managing tenant itself.
    pub account_id: String,
    pub target_tenant_id: String,
    pub limiting_role_id: String,
    /// `YYYY-MM-DD`, or empty for no end date.
    pub ends_at: String,
}

fn duplicate(account: &str, target: &str) -> ServiceError {
    ServiceError::invalid(
        "target_tenant_id",
        format!(
            "{account} is already shared with {target}. Change that share's limiting role instead."
        ),
    )
}

fn ends(ends_at: Option<chrono::NaiveDateTime>) -> String {
    ends_at.map_or_else(
        || "no end date".to_string(),
        |e| format!("until {}", when(&e)),
    )
}

fn event(user: &User, action: &'static str, share: &Share, detail: String) -> Event {
    Event::new(action)
        .actor(Some(user.actor()))
        .tenant(&share.account_id)
        .grant(&share.id)
        .subject(format!("{} → {}", share.account_name, share.target_name))
        .detail(detail)
}

/// Shares an account of the managing tenant's subtree with a target tenant. Every problem with
/// the input is reported at once (Invalid); nothing is stored then.
pub fn create(
    conn: &mut AnyConnection,
    user: &User,
    managing_id: &str,
    input: &NewShare,
) -> ServiceResult<Share> {
    let managing = standing(conn, user, managing_id)?.require()?;
    let mut errors = Vec::new();
    let account = account(conn, &managing, &input.account_id)?
        .map_err(|e| errors.push(e))
        .ok();
    let own = match &account {
        Some(a) => Some(own_on_account(conn, user, &a.id)?),
        None => None,
    };
    let role = limiting_role(conn, &managing, &input.limiting_role_id)?
        .map_err(|e| errors.push(e))
        .ok();
    if let (Some(a), Some(own), Some((_, name, perms))) = (&account, &own, &role)
        && let Err(e) = within_own(name, perms, own, a)
    {
        errors.push(e);
    }
    let target = match &account {
        Some(a) => target(conn, a, &input.target_tenant_id)?
            .map_err(|e| errors.push(e))
            .ok(),
        None => None,
    };
    let ends_at = parse_end("ends_at", &input.ends_at, now())
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(account), Some((role_id, role_name, _)), Some(target), Some(ends_at), true) =
        (account, role, target, ends_at, errors.is_empty())
    else {
        return Err(ServiceError::Invalid(errors));
    };
    let id = new_id();
    write_transaction(conn, |c| {
        let at = now();
        // A share whose end date has passed no longer blocks a new one.
        diesel::update(
            access_grants::table
                .filter(access_grants::owner_tenant_id.eq(&account.id))
                .filter(access_grants::grantee_tenant_id.eq(&target.id))
                .filter(access_grants::origin.eq(ORIGIN))
                .filter(access_grants::status.eq("connected"))
                .filter(access_grants::access_ends_at.le(at)),
        )
        .set((
            access_grants::status.eq("expired"),
            access_grants::ended_at.eq(at),
            access_grants::end_reason.eq("the end date was reached"),
            access_grants::updated_at.eq(at),
        ))
        .execute(c)?;
        let inserted = c.transaction(|c| {
            diesel::insert_into(access_grants::table)
                .values((
                    access_grants::id.eq(&id),
                    access_grants::origin.eq(ORIGIN),
                    access_grants::grantee_tenant_id.eq(&target.id),
                    access_grants::owner_tenant_id.eq(&account.id),
                    access_grants::limiting_role_id.eq(&role_id),
                    access_grants::status.eq("connected"),
                    access_grants::invited_by_user_id.eq(&user.id),
                    access_grants::invited_at.eq(at),
                    access_grants::connected_at.eq(at),
                    access_grants::access_ends_at.eq(ends_at),
                    access_grants::updated_at.eq(at),
                ))
                .execute(c)
        });
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(duplicate(&account.name, &target.name));
            }
            other => other?,
        };
        let share = find(c, &id)?.ok_or(ServiceError::NotFound)?;
        let detail = format!("limited to {role_name}, {}", ends(ends_at));
        audit::record(c, event(user, actions::SHARE_CREATED, &share, detail))?;
        Ok(share)
    })
}

/// A connected share the managing tenant manages; another tenant's share is NotFound.
pub fn managed(
    conn: &mut AnyConnection,
    managing_id: &str,
    share_id: &str,
) -> ServiceResult<Share> {
    if share_id.len() > 64 {
        return Err(ServiceError::NotFound);
    }
    let share = find(conn, share_id)?
        .filter(|s| s.managing_id == managing_id)
        .ok_or(ServiceError::NotFound)?;
    if share.status != "connected" {
        return Err(ServiceError::Conflict(format!(
            "The share of {} with {} has already ended.",
            share.account_name, share.target_name
        )));
    }
    Ok(share)
}

/// Changes the limiting role of a share, to another role of the managing tenant that the sharer
/// holds on the account. Takes effect on the target's next request.
pub fn change_role(
    conn: &mut AnyConnection,
    user: &User,
    managing_id: &str,
    share_id: &str,
    role_id: &str,
) -> ServiceResult<Share> {
    let managing = standing(conn, user, managing_id)?.require()?;
    write_transaction(conn, |c| {
        let share = managed(c, managing_id, share_id)?;
        let own = own_on_account(c, user, &share.account_id)?;
        let (role_id, role_name, perms) = limiting_role(c, &managing, role_id)??;
        let account =
            crate::services::tenants::find(c, &share.account_id)?.ok_or(ServiceError::NotFound)?;
        within_own(&role_name, &perms, &own, &account)?;
        if role_id == share.limiting_role_id {
            return Ok(share);
        }
        diesel::update(access_grants::table.find(&share.id))
            .set((
                access_grants::limiting_role_id.eq(&role_id),
                access_grants::updated_at.eq(now()),
            ))
            .execute(c)?;
        let changed = find(c, &share.id)?.ok_or(ServiceError::NotFound)?;
        let detail = format!("limiting role {} → {role_name}", share.limiting_role);
        audit::record(c, event(user, actions::SHARE_CHANGED, &changed, detail))?;
        Ok(changed)
    })
}

/// Revokes a share at once: the target's members lose what it gave on their next request.
pub fn revoke(
    conn: &mut AnyConnection,
    user: &User,
    managing_id: &str,
    share_id: &str,
) -> ServiceResult<Share> {
    standing(conn, user, managing_id)?.require()?;
    write_transaction(conn, |c| {
        let share = managed(c, managing_id, share_id)?;
        let at = now();
        let n = diesel::update(
            access_grants::table
                .find(&share.id)
                .filter(access_grants::status.eq("connected")),
        )
        .set((
            access_grants::status.eq("removed"),
            access_grants::ended_at.eq(at),
            access_grants::end_reason.eq(format!("revoked by {}", user.email)),
            access_grants::updated_at.eq(at),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(ServiceError::Conflict(
                "The share has already ended.".into(),
            ));
        }
        let revoked = find(c, &share.id)?.ok_or(ServiceError::NotFound)?;
        let detail = format!("was limited to {}", share.limiting_role);
        audit::record(c, event(user, actions::SHARE_REVOKED, &revoked, detail))?;
        Ok(revoked)
    })
}
