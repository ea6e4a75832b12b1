//! Users: creation, lookup, profile changes and disabling.

use super::audit::{self, Actor, Event, actions};
use super::{ServiceError, ServiceResult, new_id, now, sessions};
use crate::db::schema::users;
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::email::Email;
use crate::domain::password::Hasher;
use crate::domain::user::{UserType, check_new_password};
use crate::domain::{FieldError, clean_name};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub email_key: String,
    pub name: String,
    pub password_hash: String,
    pub user_type: String,
    pub is_staff: bool,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id.clone(),
            email: self.email_key.clone(),
        }
    }
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

/// A new user as typed in a form or on the command line, not yet checked.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub user_type: UserType,
    pub is_staff: bool,
}

/// Checks every field and reports all problems at once.
pub fn validate(input: &NewUser<'_>) -> Result<(Email, String), Vec<FieldError>> {
    let mut errors = Vec::new();
    let email = Email::parse(input.email).map_err(|e| errors.push(e)).ok();
    let name = clean_name("name", "a name", input.name, MAX_NAME_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    if let Err(e) = check_new_password("password", input.password) {
        errors.push(e);
    }
    match (email, name) {
        (Some(email), Some(name)) if errors.is_empty() => Ok((email, name)),
        _ => Err(errors),
    }
}

/// Creates a user inside the caller's transaction. The password must already be hashed.
pub fn insert(
    conn: &mut AnyConnection,
    email: &Email,
    name: &str,
    password_hash: &str,
    user_type: UserType,
    is_staff: bool,
    by: Option<Actor>,
) -> ServiceResult<User> {
    let id = new_id();
    let at = now();
    let inserted = diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(email.as_str()),
            users::email_key.eq(email.key()),
            users::name.eq(name),
            users::password_hash.eq(password_hash),
            users::user_type.eq(user_type.as_str()),
            users::is_staff.eq(is_staff),
            users::created_at.eq(at),
            users::updated_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::invalid(
                "email",
                "A user with this email address already exists.",
            ));
        }
        other => other?,
    };
    audit::record(
        conn,
        Event::new(actions::USER_CREATED)
            .actor(by)
            .subject(email.key())
            .detail(format!(
                "type {user_type}{}",
                if is_staff { ", support staff" } else { "" }
            )),
    )?;
    find(conn, &id)?.ok_or(ServiceError::NotFound)
}

/// Validates, hashes and creates a user in one go (CLI, demo).
pub fn create(
    conn: &mut AnyConnection,
    hasher: &Hasher,
    input: NewUser<'_>,
    by: Option<Actor>,
) -> ServiceResult<User> {
    let (email, name) = validate(&input).map_err(ServiceError::Invalid)?;
    let hash = hasher.hash(input.password);
    write_transaction(conn, |c| {
        insert(c, &email, &name, &hash, input.user_type, input.is_staff, by)
    })
}

/// The signed-in user of every page (on the backend's own connection: see [`crate::db::direct`]).
pub fn find(conn: &mut AnyConnection, id: &str) -> ServiceResult<Option<User>> {
    let user = crate::direct!(conn, |c| users::table
        .find(id)
        .select(User::as_select())
        .first(c)
        .optional())?;
    Ok(user)
}

pub fn find_by_email(conn: &mut AnyConnection, email_key: &str) -> ServiceResult<Option<User>> {
    Ok(users::table
        .filter(users::email_key.eq(email_key))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn count(conn: &mut AnyConnection) -> ServiceResult<i64> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn update_name(conn: &mut AnyConnection, user: &User, raw_name: &str) -> ServiceResult<()> {
    let name = clean_name("name", "a name", raw_name, MAX_NAME_CHARS)?;
    write_transaction(conn, |c| {
        diesel::update(users::table.find(&user.id))
            .set((users::name.eq(&name), users::updated_at.eq(now())))
            .execute(c)?;
        audit::record(
            c,
            Event::new(actions::PROFILE_UPDATED)
                .actor(Some(user.actor()))
                .subject(user.email_key.clone()),
        )
    })
}

pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
}

/// Changes a password after checking the current one; ends all the user's sessions (the caller
/// renews its own) and tells them by email. Runs on a blocking thread (two argon2 computations).
pub fn change_password(
    conn: &mut AnyConnection,
    hasher: &Hasher,
    settings: &crate::config::Settings,
    user: &User,
    change: PasswordChange<'_>,
) -> ServiceResult<()> {
    let mut errors = Vec::new();
    if change.current.is_empty() {
        errors.push(FieldError::new(
            "current_password",
            "Enter your current password.",
        ));
    } else if change.current.chars().count() > crate::domain::user::MAX_PASSWORD_CHARS
        || !hasher.verify(Some(&user.password_hash), change.current)
    {
        errors.push(FieldError::new(
            "current_password",
            "Your current password is not correct.",
        ));
    }
    if let Err(e) = check_new_password("new_password", change.new) {
        errors.push(e);
    } else if change.new != change.confirm {
        errors.push(FieldError::new(
            "confirm_password",
            "The two new passwords do not match.",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let hash = hasher.hash(change.new);
    write_transaction(conn, |c| {
        diesel::update(users::table.find(&user.id))
            .set((users::password_hash.eq(&hash), users::updated_at.eq(now())))
            .execute(c)?;
        sessions::delete_for_user(c, &user.id, None)?;
        audit::record(
            c,
            Event::new(actions::PASSWORD_CHANGED)
                .actor(Some(user.actor()))
                .subject(user.email_key.clone()),
        )?;
        let message = crate::mail::templates::PasswordChanged {
            name: user.name.clone(),
            profile_url: settings.link("/profile"),
            changed_at: now().format("%Y-%m-%d %H:%M UTC").to_string(),
        };
        super::outbox::enqueue(c, &user.email, &message)
    })
}

/// Disables or re-enables a user. Disabling ends their sessions at once.
pub fn set_disabled(
    conn: &mut AnyConnection,
    email: &str,
    disabled: bool,
    by: Option<Actor>,
) -> ServiceResult<User> {
    let key = Email::parse(email)?.key();
    write_transaction(conn, |c| {
        let user = find_by_email(c, &key)?.ok_or(ServiceError::NotFound)?;
        diesel::update(users::table.find(&user.id))
            .set((
                users::disabled_at.eq(disabled.then(now)),
                users::updated_at.eq(now()),
            ))
            .execute(c)?;
        if disabled {
            sessions::delete_for_user(c, &user.id, None)?;
        }
        let action = if disabled {
            actions::USER_DISABLED
        } else {
            actions::USER_ENABLED
        };
        audit::record(c, Event::new(action).actor(by).subject(key.clone()))?;
        find(c, &user.id)?.ok_or(ServiceError::NotFound)
    })
}
