//! Sign-in with email and password: one answer for an unknown email and a wrong password, and
//! throttling of failed attempts per account and per peer address, counted from the audit log
//! (so it holds across restarts and instances).

use super::audit::{self, Event, actions};
use super::{ServiceResult, now, users};
use crate::config::SigninThrottle;
use crate::db::Pool;
use crate::domain::email::MAX_EMAIL_LEN;
use crate::domain::password::Hasher;
use crate::domain::user::MAX_PASSWORD_CHARS;

#[derive(Debug)]
pub enum SigninOutcome {
    SignedIn(users::User),
    /// Unknown email or wrong password: deliberately indistinguishable.
    Rejected,
    Disabled,
    Throttled,
    /// A field is empty or absurdly long: nothing was checked.
    Incomplete(&'static str),
}

pub const WRONG_CREDENTIALS: &str = "The email address or password is not correct.";
pub const THROTTLED: &str = "Too many failed sign-in attempts. Wait 15 minutes and try again, or ask support staff to help.";
pub const DISABLED: &str = "This account is disabled. Ask support staff to enable it again.";

/// Checks the credentials; takes a database connection only around the queries, never while
/// hashing.
pub fn sign_in(
    pool: &Pool,
    hasher: &Hasher,
    throttle: &SigninThrottle,
    email: &str,
    password: &str,
    ip: Option<String>,
) -> ServiceResult<SigninOutcome> {
    let email_key = email.trim().to_lowercase();
    if email_key.is_empty() {
        return Ok(SigninOutcome::Incomplete("Enter your email address."));
    }
    if password.is_empty() {
        return Ok(SigninOutcome::Incomplete("Enter your password."));
    }
    if email_key.len() > MAX_EMAIL_LEN || password.chars().count() > MAX_PASSWORD_CHARS {
        return Ok(SigninOutcome::Rejected);
    }
    let since = now() - chrono::Duration::from_std(throttle.window).unwrap_or_default();
    let user = {
        let mut conn = pool.get()?;
        let by_account =
            audit::count_for_subject(&mut conn, actions::SIGNIN_FAILED, &email_key, since)?;
        let by_address = match &ip {
            Some(ip) => audit::count_for_ip(&mut conn, actions::SIGNIN_FAILED, ip, since)?,
            None => 0,
        };
        if by_account >= throttle.per_account || by_address >= throttle.per_address {
            audit::record(
                &mut conn,
                Event::new(actions::SIGNIN_THROTTLED)
                    .subject(email_key)
                    .ip(ip),
            )?;
            return Ok(SigninOutcome::Throttled);
        }
        users::find_by_email(&mut conn, &email_key)?
    };
    let ok = hasher.verify(user.as_ref().map(|u| u.password_hash.as_str()), password);
    let mut conn = pool.get()?;
    match user {
        Some(user) if ok => {
            if user.is_disabled() {
                audit::record(
                    &mut conn,
                    Event::new(actions::SIGNIN_FAILED)
                        .actor(Some(user.actor()))
                        .subject(email_key)
                        .detail("account disabled")
                        .ip(ip),
                )?;
                return Ok(SigninOutcome::Disabled);
            }
            audit::record(
                &mut conn,
                Event::new(actions::SIGNIN_SUCCEEDED)
                    .actor(Some(user.actor()))
                    .subject(email_key)
                    .ip(ip),
            )?;
            Ok(SigninOutcome::SignedIn(user))
        }
        _ => {
            audit::record(
                &mut conn,
                Event::new(actions::SIGNIN_FAILED).subject(email_key).ip(ip),
            )?;
            Ok(SigninOutcome::Rejected)
        }
    }
}
