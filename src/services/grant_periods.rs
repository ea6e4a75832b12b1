//! Access periods of access grants of any origin (partner links, shares): the end date chosen
//! when inviting, the reminders 7 days and 1 day before it, the expiry, and extensions asked by
//! the grantee and confirmed by the owner ([`extensions`]).
//!
//! The sweeper ([`sweep`]) takes the time as a parameter, so tests drive it with their own
//! clock; the mail worker calls it every poll. Every reminder and every expiry is claimed by a
//! conditional update touching one row, in the same transaction as its outbox rows and audit
//! event, so two workers sweeping at once send each reminder once and expire each grant once.

mod extensions;

pub use extensions::*;

use super::audit::{self, Event, actions};
use super::{ServiceResult, outbox, users};
use crate::config::Settings;
use crate::db::schema::{access_grants, tenants};
use crate::db::{AnyConnection, write_transaction};
use crate::domain::when;
use crate::mail::templates::{AccessEnding, AccessExpired};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

/// How many grants of each kind one sweep handles; the next poll takes the rest.
const SWEEP_BATCH: i64 = 100;

/// An optional end date as typed; the rule lives in [`crate::domain::period::parse_end`].
pub use crate::domain::period::parse_end as parse_ends_at;

/// An access grant as the sweeper sees it, whatever its origin.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_grants)]
pub struct PeriodGrant {
    pub id: String,
    pub origin: String,
    pub grantee_tenant_id: String,
    pub owner_tenant_id: Option<String>,
    pub status: String,
    pub email: String,
    pub invited_by_user_id: Option<String>,
    pub access_ends_at: Option<NaiveDateTime>,
}

impl PeriodGrant {
    fn is_partner_link(&self) -> bool {
        self.origin == super::links::ORIGIN
    }

    fn owner_id(&self) -> &str {
        self.owner_tenant_id.as_deref().unwrap_or_default()
    }
}

/// Who hears about a grant's period. A partner link: the grantee's inviter (with Account
/// Management) and the invited customer address (with Partner access). A share: the user who
/// shared (with the shared account) and the Account owners of the target, at most
/// [`MAX_SHARE_TARGET_OWNERS`] (with Accounts shared with us).
fn recipients(
    c: &mut AnyConnection,
    settings: &Settings,
    grant: &PeriodGrant,
) -> ServiceResult<Vec<(String, String)>> {
    let mut to: Vec<(String, String)> = Vec::new();
    let mut add = |email: String, url: String| {
        if !email.is_empty() && !to.iter().any(|(e, _)| e.eq_ignore_ascii_case(&email)) {
            to.push((email, url));
        }
    };
    let inviter = match grant.invited_by_user_id.as_deref() {
        Some(id) => users::find(c, id)?,
        None => None,
    };
    if grant.is_partner_link() {
        if let Some(inviter) = inviter {
            let url = format!("/accounts/{}/customers", grant.grantee_tenant_id);
            add(inviter.email, settings.link(&url));
        }
        let url = format!("/accounts/{}/partner-access", grant.owner_id());
        add(grant.email.clone(), settings.link(&url));
    } else {
        if let Some(inviter) = inviter {
            add(
                inviter.email,
                settings.link(&format!("/accounts/{}", grant.owner_id())),
            );
        }
        let url = format!("/accounts/{}/shared-with-us", grant.grantee_tenant_id);
        for email in target_owners(c, &grant.grantee_tenant_id)? {
            add(email, settings.link(&url));
        }
    }
    Ok(to)
}

/// How many of a share target's Account owners hear about the share's period.
const MAX_SHARE_TARGET_OWNERS: i64 = 10;

/// The addresses of the members of a tenant's own Account owner role.
fn target_owners(c: &mut AnyConnection, tenant_id: &str) -> ServiceResult<Vec<String>> {
    use crate::db::schema::{memberships, roles, users as users_table};
    Ok(memberships::table
        .inner_join(roles::table)
        .inner_join(users_table::table)
        .filter(roles::tenant_id.eq(tenant_id))
        .filter(roles::builtin.eq("owner"))
        .filter(users_table::disabled_at.is_null())
        .order(users_table::email_key.asc())
        .limit(MAX_SHARE_TARGET_OWNERS)
        .select(users_table::email)
        .load(c)?)
}

/// The names of both sides: (grantee, owner).
fn names(c: &mut AnyConnection, grant: &PeriodGrant) -> ServiceResult<(String, String)> {
    let name = |c: &mut AnyConnection, id: &str| -> ServiceResult<String> {
        Ok(tenants::table
            .find(id)
            .select(tenants::name)
            .first::<String>(c)
            .optional()?
            .unwrap_or_default())
    };
    Ok((
        name(c, &grant.grantee_tenant_id)?,
        name(c, grant.owner_id())?,
    ))
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub reminders_7d: usize,
    pub reminders_1d: usize,
    pub expired: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Reminder {
    SevenDays,
    OneDay,
}

/// Sends the due reminders and expires the grants whose period has ended, as of `now`.
pub fn sweep(
    conn: &mut AnyConnection,
    settings: &Settings,
    now: NaiveDateTime,
) -> ServiceResult<SweepReport> {
    let mut report = SweepReport::default();
    for grant in due(conn, now, None)? {
        if expire(conn, settings, &grant, now)? {
            report.expired += 1;
        }
    }
    for reminder in [Reminder::OneDay, Reminder::SevenDays] {
        for grant in due(conn, now, Some(reminder))? {
            if remind(conn, settings, &grant, reminder, now)? {
                match reminder {
                    Reminder::SevenDays => report.reminders_7d += 1,
                    Reminder::OneDay => report.reminders_1d += 1,
                }
            }
        }
    }
    Ok(report)
}

/// Connected grants whose period has ended (None) or whose reminder is due, oldest end first.
fn due(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    reminder: Option<Reminder>,
) -> ServiceResult<Vec<PeriodGrant>> {
    let mut query = access_grants::table
        .filter(access_grants::status.eq("connected"))
        .select(PeriodGrant::as_select())
        .into_boxed();
    query = match reminder {
        None => query.filter(access_grants::access_ends_at.le(now)),
        Some(Reminder::OneDay) => query
            .filter(access_grants::access_ends_at.gt(now))
            .filter(access_grants::access_ends_at.le(now + Duration::days(1)))
            .filter(access_grants::reminded_1d_at.is_null()),
        Some(Reminder::SevenDays) => query
            .filter(access_grants::access_ends_at.gt(now + Duration::days(1)))
            .filter(access_grants::access_ends_at.le(now + Duration::days(7)))
            .filter(access_grants::reminded_7d_at.is_null()),
    };
    Ok(query
        .order(access_grants::access_ends_at.asc())
        .limit(SWEEP_BATCH)
        .load(conn)?)
}

/// Claims one reminder (one row must change) and writes its emails and audit event with it.
fn remind(
    conn: &mut AnyConnection,
    settings: &Settings,
    grant: &PeriodGrant,
    reminder: Reminder,
    now: NaiveDateTime,
) -> ServiceResult<bool> {
    write_transaction(conn, |c| {
        let target = access_grants::table
            .find(&grant.id)
            .filter(access_grants::status.eq("connected"));
        let claimed = match reminder {
            Reminder::SevenDays => {
                diesel::update(target.filter(access_grants::reminded_7d_at.is_null()))
                    .set(access_grants::reminded_7d_at.eq(now))
                    .execute(c)?
            }
            Reminder::OneDay => {
                diesel::update(target.filter(access_grants::reminded_1d_at.is_null()))
                    .set(access_grants::reminded_1d_at.eq(now))
                    .execute(c)?
            }
        };
        if claimed != 1 {
            return Ok(false);
        }
        let ends_at = grant.access_ends_at.unwrap_or(now);
        let left = match reminder {
            Reminder::OneDay => "1 day".to_string(),
            Reminder::SevenDays => {
                let days = ((ends_at - now).num_hours() + 23)
                    .div_euclid(24)
                    .clamp(2, 7);
                format!("{days} days")
            }
        };
        let (grantee, owner) = names(c, grant)?;
        for (to, url) in recipients(c, settings, grant)? {
            let message = AccessEnding {
                grantee: grantee.clone(),
                owner: owner.clone(),
                left: left.clone(),
                ends_at: when(&ends_at),
                url,
            };
            outbox::enqueue(c, &to, &message)?;
        }
        let mut event = Event::new(actions::LINK_REMINDER_SENT)
            .tenant(&grant.grantee_tenant_id)
            .subject(&grant.email)
            .detail(format!("access ends in {left}, on {}", when(&ends_at)));
        event.grant_id = Some(grant.id.clone());
        audit::record(c, event)?;
        Ok(true)
    })
}

/// Marks one ended grant Expired (one row must change), with its audit event and emails.
fn expire(
    conn: &mut AnyConnection,
    settings: &Settings,
    grant: &PeriodGrant,
    now: NaiveDateTime,
) -> ServiceResult<bool> {
    write_transaction(conn, |c| {
        let n = diesel::update(
            access_grants::table
                .find(&grant.id)
                .filter(access_grants::status.eq("connected"))
                .filter(access_grants::access_ends_at.le(now)),
        )
        .set((
            access_grants::status.eq("expired"),
            access_grants::ended_at.eq(now),
            access_grants::end_reason.eq("The access period ended."),
            access_grants::requested_role_id.eq(None::<String>),
            access_grants::requested_at.eq(None::<NaiveDateTime>),
            access_grants::requested_by_user_id.eq(None::<String>),
            access_grants::updated_at.eq(now),
        ))
        .execute(c)?;
        if n != 1 {
            return Ok(false);
        }
        extensions::close_pending(c, &grant.id, now)?;
        let ends_at = grant.access_ends_at.unwrap_or(now);
        let action = if grant.is_partner_link() {
            actions::LINK_EXPIRED
        } else {
            actions::GRANT_EXPIRED
        };
        let mut event = Event::new(action)
            .tenant(&grant.grantee_tenant_id)
            .subject(&grant.email)
            .detail(format!("the access period ended on {}", when(&ends_at)));
        event.grant_id = Some(grant.id.clone());
        audit::record(c, event)?;
        let (grantee, owner) = names(c, grant)?;
        for (to, url) in recipients(c, settings, grant)? {
            let message = AccessExpired {
                grantee: grantee.clone(),
                owner: owner.clone(),
                ended_at: when(&ends_at),
                url,
            };
            outbox::enqueue(c, &to, &message)?;
        }
        Ok(true)
    })
}
