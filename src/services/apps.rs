//! Apps (issue 6): a partner registers applications; each has a client ID and a secret that is
//! shown once, stored only as a hash, and rotatable. Apps call the API with HTTP Basic (client
//! ID and secret) to learn which tenants authorized them.

use super::audit::{self, Event, actions};
use super::links::partner_access;
use super::users::User;
use super::{ServiceError, ServiceResult, new_id, now};
use crate::db::schema::apps;
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::link::clean_text;
use crate::domain::permission::Permission;
use crate::domain::{clean_name, token};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
pub const PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 100;
pub const NAME_TAKEN: &str = "You already have an app with this name. Choose another name.";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = apps)]
pub struct App {
    pub id: String,
    pub partner_tenant_id: String,
    pub name: String,
    pub description: String,
    pub client_id: String,
    pub secret_rotated_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// An app with its secret, answered once when it is created or rotated.
pub struct WithSecret {
    pub app: App,
    pub secret: String,
}

/// Never prints the secret.
impl std::fmt::Debug for WithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithSecret")
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

pub struct AppPage {
    pub apps: Vec<App>,
    pub next: Option<String>,
}

/// Registers an app for the partner: name and description, a new client ID and secret.
pub fn create(
    conn: &mut AnyConnection,
    user: &User,
    partner_id: &str,
    name: &str,
    description: &str,
) -> ServiceResult<WithSecret> {
    partner_access(conn, user, partner_id, Permission::AppsManage)?;
    let mut errors = Vec::new();
    let name = clean_name("name", "a name", name, MAX_NAME_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    let description = clean_text("description", description, MAX_DESCRIPTION_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(name), Some(description)) = (name, description) else {
        return Err(ServiceError::Invalid(errors));
    };
    let id = new_id();
    let secret = token::generate();
    let client_id = format!("app_{}", uuid::Uuid::now_v7().simple());
    let at = now();
    write_transaction(conn, |c| {
        let inserted = diesel::insert_into(apps::table)
            .values((
                apps::id.eq(&id),
                apps::partner_tenant_id.eq(partner_id),
                apps::name.eq(&name),
                apps::name_key.eq(name.to_lowercase()),
                apps::description.eq(&description),
                apps::client_id.eq(&client_id),
                apps::secret_hash.eq(token::hash(&secret)),
                apps::secret_rotated_at.eq(at),
                apps::created_by_user_id.eq(&user.id),
                apps::created_at.eq(at),
            ))
            .execute(c);
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(ServiceError::invalid("name", NAME_TAKEN));
            }
            other => other?,
        };
        record(c, user, partner_id, actions::APP_CREATED, &name, &client_id)?;
        let app = find(c, &id)?.ok_or(ServiceError::NotFound)?;
        Ok(WithSecret { app, secret })
    })
}

fn record(
    c: &mut AnyConnection,
    user: &User,
    partner_id: &str,
    action: &'static str,
    name: &str,
    detail: &str,
) -> ServiceResult<()> {
    audit::record(
        c,
        Event::new(action)
            .actor(Some(user.actor()))
            .tenant(partner_id)
            .subject(name)
            .detail(detail),
    )
}

fn find(conn: &mut AnyConnection, id: &str) -> ServiceResult<Option<App>> {
    Ok(apps::table
        .find(id)
        .select(App::as_select())
        .first(conn)
        .optional()?)
}

/// One of the partner's apps; another partner's app is NotFound, like a missing one. Needs no
/// permission check of its own: callers check first.
pub fn own_app(conn: &mut AnyConnection, partner_id: &str, app_id: &str) -> ServiceResult<App> {
    match find(conn, app_id)? {
        Some(app) if app.partner_tenant_id == partner_id => Ok(app),
        _ => Err(ServiceError::NotFound),
    }
}

/// One app of the partner, for a user who may see its apps.
pub fn get(
    conn: &mut AnyConnection,
    user: &User,
    partner_id: &str,
    app_id: &str,
) -> ServiceResult<App> {
    view_access(conn, user, partner_id)?;
    own_app(conn, partner_id, app_id)
}

/// Apps are seen by those who manage apps or authorizations.
pub fn view_access(conn: &mut AnyConnection, user: &User, partner_id: &str) -> ServiceResult<()> {
    match partner_access(conn, user, partner_id, Permission::AppsManage) {
        Err(ServiceError::Forbidden) => {
            partner_access(conn, user, partner_id, Permission::AuthorizationsManage).map(|_| ())
        }
        other => other.map(|_| ()),
    }
}

/// The partner's apps by name, `limit` a page (keyset on the lower-cased name and id).
pub fn list(
    conn: &mut AnyConnection,
    user: &User,
    partner_id: &str,
    after: Option<&str>,
    limit: Option<i64>,
) -> ServiceResult<AppPage> {
    view_access(conn, user, partner_id)?;
    let limit = limit.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let mut query = apps::table
        .filter(apps::partner_tenant_id.eq(partner_id))
        .select(App::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(apps::id.gt(after.to_string()));
    }
    let mut rows: Vec<App> = query.order(apps::id.asc()).limit(limit + 1).load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|a| a.id.clone())
    } else {
        None
    };
    Ok(AppPage { apps: rows, next })
}

/// All of the partner's apps (for a select), at most [`MAX_PAGE_SIZE`].
pub fn options(conn: &mut AnyConnection, partner_id: &str) -> ServiceResult<Vec<App>> {
    Ok(apps::table
        .filter(apps::partner_tenant_id.eq(partner_id))
        .order(apps::name_key.asc())
        .limit(MAX_PAGE_SIZE)
        .select(App::as_select())
        .load(conn)?)
}

/// A new secret; the old one stops working at once.
pub fn rotate_secret(
    conn: &mut AnyConnection,
    user: &User,
    partner_id: &str,
    app_id: &str,
) -> ServiceResult<WithSecret> {
    partner_access(conn, user, partner_id, Permission::AppsManage)?;
    let secret = token::generate();
    write_transaction(conn, |c| {
        let app = own_app(c, partner_id, app_id)?;
        diesel::update(apps::table.find(&app.id))
            .set((
                apps::secret_hash.eq(token::hash(&secret)),
                apps::secret_rotated_at.eq(now()),
            ))
            .execute(c)?;
        record(
            c,
            user,
            partner_id,
            actions::APP_SECRET_ROTATED,
            &app.name,
            &app.client_id,
        )?;
        let app = find(c, app_id)?.ok_or(ServiceError::NotFound)?;
        Ok(WithSecret { app, secret })
    })
}

/// The app behind a client ID and secret; None for anything else.
pub fn authenticate(
    conn: &mut AnyConnection,
    client_id: &str,
    secret: &str,
) -> ServiceResult<Option<App>> {
    if client_id.is_empty() || client_id.len() > 100 || secret.is_empty() || secret.len() > 256 {
        return Ok(None);
    }
    let found: Option<(App, String)> = apps::table
        .filter(apps::client_id.eq(client_id))
        .select((App::as_select(), apps::secret_hash))
        .first(conn)
        .optional()?;
    Ok(found.and_then(|(app, hash)| {
        token::constant_time_eq(&hash, &token::hash(secret)).then_some(app)
    }))
}
