//! Server-side sessions. The cookie carries a random key; the database keeps its hash, the state
//! and the signed-in user, so sign-out, disabling a user or a password change end sessions at once
//! and every instance on a shared database sees the same sessions.

use super::{ServiceResult, now};
use crate::db::AnyConnection;
use crate::db::schema::sessions;
use crate::domain::token;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

/// The session state key that holds the signed-in user's id.
pub const USER_KEY: &str = "uid";

pub type State = HashMap<String, String>;

/// The user id as actix-session stores it: a JSON string.
fn user_of(state: &State) -> Option<String> {
    state
        .get(USER_KEY)
        .and_then(|raw| serde_json::from_str::<String>(raw).ok())
}

/// A live session's state. Loading it also extends its idle deadline to `extend_to`, but writes
/// only when the deadline would move by more than a minute: most requests cost one read, which
/// matters on SQLite, where every write takes the database's single write lock.
pub fn load(
    conn: &mut AnyConnection,
    key: &str,
    extend_to: NaiveDateTime,
) -> ServiceResult<Option<State>> {
    let row: Option<(String, NaiveDateTime)> = sessions::table
        .find(token::hash(key))
        .filter(sessions::expires_at.gt(now()))
        .select((sessions::state, sessions::expires_at))
        .first(conn)
        .optional()?;
    let Some((state, expires_at)) = row else {
        return Ok(None);
    };
    if expires_at < extend_to - REFRESH_STEP {
        touch(conn, key, extend_to)?;
    }
    Ok(serde_json::from_str(&state).ok())
}

pub fn insert(
    conn: &mut AnyConnection,
    key: &str,
    state: &State,
    expires_at: NaiveDateTime,
) -> ServiceResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(token::hash(key)),
            sessions::state.eq(serde_json::to_string(state).map_err(anyhow::Error::from)?),
            sessions::user_id.eq(user_of(state)),
            sessions::created_at.eq(now()),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces the state of a live session; false when it is gone (ended or expired meanwhile).
pub fn update(
    conn: &mut AnyConnection,
    key: &str,
    state: &State,
    expires_at: NaiveDateTime,
) -> ServiceResult<bool> {
    let n = diesel::update(
        sessions::table
            .find(token::hash(key))
            .filter(sessions::expires_at.gt(now())),
    )
    .set((
        sessions::state.eq(serde_json::to_string(state).map_err(anyhow::Error::from)?),
        sessions::user_id.eq(user_of(state)),
        sessions::expires_at.eq(expires_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// How far the idle deadline must move before it is written again.
const REFRESH_STEP: chrono::Duration = chrono::Duration::seconds(60);

/// Extends a session's idle deadline, writing at most once a minute per session.
pub fn touch(conn: &mut AnyConnection, key: &str, expires_at: NaiveDateTime) -> ServiceResult<()> {
    let refresh_before = expires_at - REFRESH_STEP;
    diesel::update(
        sessions::table
            .find(token::hash(key))
            .filter(sessions::expires_at.gt(now()))
            .filter(sessions::expires_at.lt(refresh_before)),
    )
    .set(sessions::expires_at.eq(expires_at))
    .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut AnyConnection, key: &str) -> ServiceResult<()> {
    diesel::delete(sessions::table.find(token::hash(key))).execute(conn)?;
    Ok(())
}

/// Ends every session of a user, except optionally the one making the request.
pub fn delete_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
    keep_key: Option<&str>,
) -> ServiceResult<usize> {
    let query = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .into_boxed();
    let query = match keep_key {
        Some(key) => query.filter(sessions::id_hash.ne(token::hash(key))),
        None => query,
    };
    let ids: Vec<String> = query.select(sessions::id_hash).load(conn)?;
    Ok(diesel::delete(sessions::table.filter(sessions::id_hash.eq_any(ids))).execute(conn)?)
}

pub fn count_for_user(conn: &mut AnyConnection, user_id: &str) -> ServiceResult<i64> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now()))
        .count()
        .get_result(conn)?)
}

pub fn purge_expired(conn: &mut AnyConnection) -> ServiceResult<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(now()))).execute(conn)?)
}
