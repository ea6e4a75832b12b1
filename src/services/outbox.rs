//! The mail outbox: a message is written in the same transaction as the change it reports, and
//! the worker (crate::mail::worker) sends it, retrying with backoff. Nothing is lost when the
//! SMTP server is down; failures are visible to staff and can be retried.

use super::audit::{self, Actor, Event, actions};
use super::{ServiceError, ServiceResult, new_id, now};
use crate::config::MailTiming;
use crate::db::schema::outbox;
use crate::db::{AnyConnection, write_transaction};
use crate::mail::templates::EmailMessage;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// How long a worker may hold a claimed message before another may take it over.
const CLAIM_SECONDS: i64 = 300;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxMessage {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub template: String,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub transport: Option<String>,
}

pub fn enqueue(
    conn: &mut AnyConnection,
    to: &str,
    message: &dyn EmailMessage,
) -> ServiceResult<()> {
    let at = now();
    let rendered = message
        .render()
        .map_err(|e| anyhow::anyhow!("rendering {}: {e}", message.template_name()))?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(new_id()),
            outbox::created_at.eq(at),
            outbox::template.eq(message.template_name()),
            outbox::to_address.eq(to),
            outbox::subject.eq(rendered.subject),
            outbox::body_text.eq(rendered.text),
            outbox::body_html.eq(rendered.html),
            outbox::status.eq(PENDING),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub struct OutboxPage {
    pub rows: Vec<OutboxMessage>,
    pub next: Option<String>,
}

/// Messages newest first, optionally of one status, older than the cursor.
pub fn list(
    conn: &mut AnyConnection,
    status: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> ServiceResult<OutboxPage> {
    let mut query = outbox::table
        .select(OutboxMessage::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.to_string()));
    }
    if let Some(before) = before {
        query = query.filter(outbox::id.lt(before.to_string()));
    }
    let mut rows: Vec<OutboxMessage> =
        query.order(outbox::id.desc()).limit(limit + 1).load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    Ok(OutboxPage { rows, next })
}

pub fn find(conn: &mut AnyConnection, id: &str) -> ServiceResult<Option<OutboxMessage>> {
    Ok(outbox::table
        .find(id)
        .select(OutboxMessage::as_select())
        .first(conn)
        .optional()?)
}

/// Puts a failed message back in the queue, to be sent at once.
pub fn retry(conn: &mut AnyConnection, id: &str, by: Actor) -> ServiceResult<OutboxMessage> {
    write_transaction(conn, |c| {
        let n = diesel::update(outbox::table.find(id).filter(outbox::status.eq(FAILED)))
            .set((
                outbox::status.eq(PENDING),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now()),
                outbox::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(c)?;
        let message = find(c, id)?.ok_or(ServiceError::NotFound)?;
        if n != 1 {
            return Err(ServiceError::Conflict(
                "This message is not failed; only failed messages can be retried.".into(),
            ));
        }
        audit::record(
            c,
            Event::new(actions::MAIL_RETRIED)
                .actor(Some(by))
                .subject(message.to_address.clone())
                .detail(message.subject.clone()),
        )?;
        Ok(message)
    })
}

/// Claims up to `limit` due messages for this worker. A claim is a conditional update, so two
/// instances never send the same message.
pub fn claim_due(conn: &mut AnyConnection, limit: i64) -> ServiceResult<Vec<OutboxMessage>> {
    let at = now();
    let candidates: Vec<String> = outbox::table
        .filter(outbox::status.eq(PENDING))
        .filter(outbox::next_attempt_at.le(at))
        .filter(
            outbox::locked_until
                .is_null()
                .or(outbox::locked_until.lt(at)),
        )
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(outbox::id)
        .load(conn)?;
    // One write transaction for the batch: on SQLite it queues with the requests' writes
    // (db::write_transaction) instead of polling for the lock once per message.
    write_transaction(conn, |conn| claim_each(conn, candidates, at))
}

fn claim_each(
    conn: &mut AnyConnection,
    candidates: Vec<String>,
    at: NaiveDateTime,
) -> ServiceResult<Vec<OutboxMessage>> {
    let mut claimed = Vec::new();
    for id in candidates {
        let n = diesel::update(
            outbox::table
                .find(&id)
                .filter(outbox::status.eq(PENDING))
                .filter(
                    outbox::locked_until
                        .is_null()
                        .or(outbox::locked_until.lt(at)),
                ),
        )
        .set(outbox::locked_until.eq(at + chrono::Duration::seconds(CLAIM_SECONDS)))
        .execute(conn)?;
        if n == 1
            && let Some(m) = find(conn, &id)?
        {
            claimed.push(m);
        }
    }
    Ok(claimed)
}

pub fn mark_sent(conn: &mut AnyConnection, id: &str, transport: &str) -> ServiceResult<()> {
    let at = now();
    write_transaction(conn, |c| {
        diesel::update(outbox::table.find(id))
            .set((
                outbox::status.eq(SENT),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::sent_at.eq(at),
                outbox::transport.eq(transport),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(c)
    })?;
    Ok(())
}

/// Records a failed attempt: the next one waits twice as long as the last, up to an hour; after
/// the last allowed attempt the message is marked failed for staff to see and retry.
pub fn mark_attempt_failed(
    conn: &mut AnyConnection,
    message: &OutboxMessage,
    error: &str,
    timing: &MailTiming,
) -> ServiceResult<()> {
    let attempts = message.attempts + 1;
    let status = if attempts >= timing.max_attempts {
        FAILED
    } else {
        PENDING
    };
    let delay = backoff(timing, attempts);
    let error: String = error.chars().take(1000).collect();
    diesel::update(outbox::table.find(&message.id))
        .set((
            outbox::status.eq(status),
            outbox::attempts.eq(attempts),
            outbox::next_attempt_at.eq(now() + delay),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

fn backoff(timing: &MailTiming, attempts: i32) -> chrono::Duration {
    let base =
        chrono::Duration::from_std(timing.retry_base).unwrap_or(chrono::Duration::seconds(30));
    let factor = 1i32 << (attempts - 1).clamp(0, 16);
    (base * factor).min(chrono::Duration::hours(1))
}

pub fn count_by_status(conn: &mut AnyConnection, status: &str) -> ServiceResult<i64> {
    Ok(outbox::table
        .filter(outbox::status.eq(status))
        .count()
        .get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let t = MailTiming {
            poll_interval: Duration::from_secs(1),
            retry_base: Duration::from_secs(30),
            max_attempts: 8,
        };
        assert_eq!(backoff(&t, 1), chrono::Duration::seconds(30));
        assert_eq!(backoff(&t, 2), chrono::Duration::seconds(60));
        assert_eq!(backoff(&t, 3), chrono::Duration::seconds(120));
        assert_eq!(backoff(&t, 20), chrono::Duration::hours(1));
    }
}
