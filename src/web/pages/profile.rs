//! The profile page: change your name and your password.

use super::{FormErrors, render, render_status, see_other};
use crate::services::ServiceError;
use crate::services::users::{self, PasswordChange};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/profile/show.html")]
struct ProfilePage {
    layout: Layout,
    name: String,
    email: String,
    user_type: String,
    is_staff: bool,
    name_errors: FormErrors,
    password_errors: FormErrors,
}

fn page(
    session: &Session,
    state: &AppState,
    user: &users::User,
    name: String,
    name_errors: FormErrors,
    password_errors: FormErrors,
) -> ProfilePage {
    ProfilePage {
        layout: Layout::new(
            session,
            &state.settings,
            Some(user),
            "Your profile",
            "profile",
        ),
        name,
        email: user.email.clone(),
        user_type: user.user_type.clone(),
        is_staff: user.is_staff,
        name_errors,
        password_errors,
    }
}

pub async fn show(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    render(&page(
        &session,
        &state,
        &user,
        user.name.clone(),
        FormErrors::default(),
        FormErrors::default(),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NameForm {
    name: String,
}

pub async fn update_name(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, AppError> {
    let name = form.into_inner().name;
    let (u, n) = (user.clone(), name.clone());
    match state.try_db(move |c| users::update_name(c, &u, &n)).await? {
        Ok(()) => {
            flash(&session, "success", "Your name was saved.");
            Ok(see_other("/profile"))
        }
        Err(ServiceError::Invalid(errors)) => {
            // Show what was typed (bounded), with the message next to the field.
            let shown: String = name.chars().take(users::MAX_NAME_CHARS + 10).collect();
            let page = page(
                &session,
                &state,
                &user,
                shown,
                FormErrors(errors),
                FormErrors::default(),
            );
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub async fn change_password(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let u = user.clone();
    let result = state
        .try_blocking(move |s| {
            let mut conn = s.pool.get()?;
            let change = PasswordChange {
                current: &form.current_password,
                new: &form.new_password,
                confirm: &form.confirm_password,
            };
            users::change_password(&mut conn, &s.hasher, &s.settings, &u, change)
        })
        .await?;
    match result {
        Ok(()) => {
            // Every session of the user was ended; this one continues under a fresh id.
            session.renew();
            flash(
                &session,
                "success",
                "Your password was changed. Your other sessions were signed out.",
            );
            Ok(see_other("/profile"))
        }
        Err(ServiceError::Invalid(errors)) => {
            let page = page(
                &session,
                &state,
                &user,
                user.name.clone(),
                FormErrors::default(),
                FormErrors(errors),
            );
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}
