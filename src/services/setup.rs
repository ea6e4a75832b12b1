//! First run: with no user at all, `serve` prints a one-time link; the page behind it creates
//! the first support staff account, and then no longer exists.

use super::audit::{self, Event, actions};
use super::{ServiceError, ServiceResult, now, users};
use crate::db::schema::setup_tokens;
use crate::db::{AnyConnection, write_transaction};
use crate::domain::password::Hasher;
use crate::domain::token;
use crate::domain::user::UserType;
use diesel::prelude::*;

/// Issues a fresh setup token when the portal has no user yet, replacing any earlier one.
pub fn issue_if_needed(conn: &mut AnyConnection) -> ServiceResult<Option<String>> {
    write_transaction(conn, |c| {
        if users::count(c)? > 0 {
            diesel::delete(setup_tokens::table).execute(c)?;
            return Ok(None);
        }
        let secret = token::generate();
        diesel::delete(setup_tokens::table).execute(c)?;
        diesel::insert_into(setup_tokens::table)
            .values((
                setup_tokens::token_hash.eq(token::hash(&secret)),
                setup_tokens::created_at.eq(now()),
            ))
            .execute(c)?;
        Ok(Some(secret))
    })
}

/// True while the token can still be used.
pub fn is_open(conn: &mut AnyConnection, secret: &str) -> ServiceResult<bool> {
    let found: i64 = setup_tokens::table
        .filter(setup_tokens::token_hash.eq(token::hash(secret)))
        .count()
        .get_result(conn)?;
    Ok(found == 1 && users::count(conn)? == 0)
}

pub struct FirstStaff<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub confirm: &'a str,
}

/// Spends the token and creates the first staff account, atomically: of two simultaneous
/// submissions exactly one succeeds.
pub fn complete(
    conn: &mut AnyConnection,
    hasher: &Hasher,
    secret: &str,
    input: FirstStaff<'_>,
    ip: Option<String>,
) -> ServiceResult<users::User> {
    if !is_open(conn, secret)? {
        return Err(ServiceError::NotFound);
    }
    let new_user = users::NewUser {
        email: input.email,
        name: input.name,
        password: input.password,
        user_type: UserType::Full,
        is_staff: true,
    };
    let (email, name) = match users::validate(&new_user) {
        Ok(ok) if input.password == input.confirm => ok,
        Ok(_) => {
            return Err(ServiceError::invalid(
                "confirm_password",
                "The two passwords do not match.",
            ));
        }
        Err(mut errors) => {
            if input.password != input.confirm && !errors.iter().any(|e| e.field == "password") {
                errors.push(crate::domain::FieldError::new(
                    "confirm_password",
                    "The two passwords do not match.",
                ));
            }
            return Err(ServiceError::Invalid(errors));
        }
    };
    let hash = hasher.hash(input.password);
    write_transaction(conn, |c| {
        let spent = diesel::delete(
            setup_tokens::table.filter(setup_tokens::token_hash.eq(token::hash(secret))),
        )
        .execute(c)?;
        if spent != 1 || users::count(c)? > 0 {
            return Err(ServiceError::NotFound);
        }
        let user = users::insert(c, &email, &name, &hash, UserType::Full, true, None)?;
        audit::record(
            c,
            Event::new(actions::SETUP_COMPLETED)
                .actor(Some(user.actor()))
                .subject(user.email_key.clone())
                .ip(ip),
        )?;
        Ok(user)
    })
}
