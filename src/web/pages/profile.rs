//! The profile page: change your name and your password, manage your API tokens.

use super::{FormErrors, render, render_status, see_other, when};
use crate::services::users::{self, PasswordChange};
use crate::services::{ServiceError, api_tokens, tenants};
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
    tokens: Vec<TokenRow>,
    /// The user's accounts, offered for a new token: (id, name).
    tenants: Vec<(String, String)>,
    token_name: String,
    token_tenant: String,
    token_errors: FormErrors,
    /// A token just created: its secret is shown this once.
    created: Option<CreatedToken>,
}

struct TokenRow {
    id: String,
    name: String,
    tenant: String,
    created: String,
    last_used: Option<String>,
}

struct CreatedToken {
    name: String,
    tenant: String,
    secret: String,
}

/// Accounts offered in the token form: the user's direct memberships.
const TENANTS_OFFERED: i64 = 200;

/// The page with the user's tokens and accounts loaded, forms empty.
async fn page(
    session: &Session,
    state: &AppState,
    user: &users::User,
) -> Result<ProfilePage, AppError> {
    let u = user.clone();
    let (tokens, memberships) = state
        .db(move |c| {
            let tokens = api_tokens::list_for_user(c, &u)?;
            let memberships = tenants::memberships_of(c, &u.id, TENANTS_OFFERED)?;
            Ok((tokens, memberships))
        })
        .await?;
    let mut offered: Vec<(String, String)> = Vec::new();
    for m in memberships {
        if !offered.iter().any(|(id, _)| *id == m.tenant.id) {
            offered.push((m.tenant.id, m.tenant.name));
        }
    }
    Ok(ProfilePage {
        layout: Layout::new(
            session,
            &state.settings,
            Some(user),
            "Your profile",
            "profile",
        ),
        name: user.name.clone(),
        email: user.email.clone(),
        user_type: user.user_type.clone(),
        is_staff: user.is_staff,
        name_errors: FormErrors::default(),
        password_errors: FormErrors::default(),
        tokens: tokens
            .into_iter()
            .map(|v| TokenRow {
                id: v.token.id,
                name: v.token.name,
                tenant: v.tenant,
                created: when(&v.token.created_at),
                last_used: v.token.last_used_at.as_ref().map(when),
            })
            .collect(),
        tenants: offered,
        token_name: String::new(),
        token_tenant: String::new(),
        token_errors: FormErrors::default(),
        created: None,
    })
}

pub async fn show(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    render(&page(&session, &state, &user).await?)
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
            let mut page = page(&session, &state, &user).await?;
            page.name = name.chars().take(users::MAX_NAME_CHARS + 10).collect();
            page.name_errors = FormErrors(errors);
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
            let mut page = page(&session, &state, &user).await?;
            page.password_errors = FormErrors(errors);
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    name: String,
    tenant_id: String,
}

/// Creates an API token and shows its secret once, on the page answering the post (never kept
/// in the session or anywhere else).
pub async fn create_token(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (u, t, n) = (user.clone(), form.tenant_id.clone(), form.name.clone());
    match state
        .try_db(move |c| api_tokens::create(c, &u, &t, &n))
        .await?
    {
        Ok((token, secret)) => {
            let mut page = page(&session, &state, &user).await?;
            let tenant = page
                .tenants
                .iter()
                .find(|(id, _)| *id == token.tenant_id)
                .map(|(_, name)| name.clone())
                .unwrap_or_default();
            page.created = Some(CreatedToken {
                name: token.name,
                tenant,
                secret,
            });
            render_status(&page, StatusCode::CREATED)
        }
        Err(ServiceError::Invalid(errors)) => {
            let mut page = page(&session, &state, &user).await?;
            page.token_name = form
                .name
                .chars()
                .take(api_tokens::MAX_NAME_CHARS + 10)
                .collect();
            page.token_tenant = form.tenant_id;
            page.token_errors = FormErrors(errors);
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_token(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let token = state.db(move |c| api_tokens::revoke(c, &user, &id)).await?;
    flash(
        &session,
        "success",
        format!("The API token {} was revoked.", token.name),
    );
    Ok(see_other("/profile"))
}
