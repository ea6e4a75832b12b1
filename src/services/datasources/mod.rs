//! Data sources (issue 7, DESIGN §2): a named connection definition owned by a tenant, shared
//! with other tenants under an exact permission set. The password is encrypted at rest
//! ([`secret`]) and only answered to a caller with `datasources.use` who reveals it on purpose
//! (audited).
//!
//! Rights of a user on a data source D of tenant T ([`rights`]): the `datasources.*`
//! permissions the user holds on T through the one authorization function, plus, for each
//! tenant R that D is shared with and that the user belongs to (their own roles on R give any
//! permission), exactly the permissions listed for R — nothing from the user's roles there.

pub mod secret;
mod shares;

pub use shares::{
    EntryError, MAX_SHARED_TENANTS, ShareEntry, SharedTenant, remove_share, share_list,
    write_shares,
};

use super::audit::{self, Event, actions};
use super::users::User;
use super::{ServiceError, ServiceResult, new_id, now};
use crate::authz;
use crate::db::schema::{datasource_shares, datasources};
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::link::clean_text;
use crate::domain::permission::Permission;
use crate::domain::{FieldError, clean_name};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_HOST_CHARS: usize = 255;
pub const MAX_FIELD_CHARS: usize = 255;
pub const MAX_PASSWORD_CHARS: usize = 1000;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// The most data sources a list answers.
pub const MAX_LIST: i64 = 500;
pub const KINDS: &[&str] = &[
    "postgresql",
    "mysql",
    "sqlserver",
    "oracle",
    "rest",
    "other",
];
pub const NAME_TAKEN: &str =
    "This account already has a data source with this name. Choose another name.";

/// The permissions a data source knows; a share lists some of them.
pub const PERMISSIONS: &[Permission] = &[
    Permission::DatasourcesView,
    Permission::DatasourcesUse,
    Permission::DatasourcesModify,
    Permission::DatasourcesDelete,
    Permission::DatasourcesShare,
];

/// A data source as pages and the API show it: never the password.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = datasources)]
pub struct DataSource {
    pub id: String,
    pub tenant_id: String,
    pub owner_user_id: Option<String>,
    pub name: String,
    pub kind: String,
    pub host: String,
    pub port: Option<i32>,
    pub database: String,
    pub username: String,
    password_ciphertext: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl DataSource {
    pub fn has_password(&self) -> bool {
        !self.password_ciphertext.is_empty()
    }
}

/// Never prints the (encrypted) password.
impl std::fmt::Debug for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataSource")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// What a form or API call sends; `None` leaves a field as it is (on update). An empty password
/// on update keeps the stored one.
#[derive(Default, Clone)]
pub struct Input {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub host: Option<String>,
    pub port: Option<Option<i64>>,
    pub database: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub description: Option<String>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

struct Clean {
    name: String,
    kind: String,
    host: String,
    port: Option<i32>,
    database: String,
    username: String,
    description: String,
}

fn validate(input: &Input, current: Option<&DataSource>) -> ServiceResult<Clean> {
    let mut errors: Vec<FieldError> = Vec::new();
    let pick = |new: &Option<String>, old: Option<&String>| -> String {
        new.clone().or_else(|| old.cloned()).unwrap_or_default()
    };
    let name = clean_name(
        "name",
        "a name",
        &pick(&input.name, current.map(|c| &c.name)),
        MAX_NAME_CHARS,
    )
    .map_err(|e| errors.push(e))
    .unwrap_or_default();
    let kind = pick(&input.kind, current.map(|c| &c.kind))
        .trim()
        .to_string();
    if !KINDS.contains(&kind.as_str()) {
        errors.push(FieldError::new(
            "kind",
            format!("Choose a kind: one of {}.", KINDS.join(", ")),
        ));
    }
    let mut text = |field: &'static str, value: String, max: usize| -> String {
        clean_text(field, &value, max)
            .map_err(|e| errors.push(e))
            .unwrap_or_default()
    };
    let host = text(
        "host",
        pick(&input.host, current.map(|c| &c.host)),
        MAX_HOST_CHARS,
    );
    let database = text(
        "database",
        pick(&input.database, current.map(|c| &c.database)),
        MAX_FIELD_CHARS,
    );
    let username = text(
        "username",
        pick(&input.username, current.map(|c| &c.username)),
        MAX_FIELD_CHARS,
    );
    let description = text(
        "description",
        pick(&input.description, current.map(|c| &c.description)),
        MAX_DESCRIPTION_CHARS,
    );
    let port = match input.port {
        Some(Some(p)) if (1..=65535).contains(&p) => Some(p as i32),
        Some(Some(_)) => {
            errors.push(FieldError::new(
                "port",
                "The port must be between 1 and 65535.",
            ));
            None
        }
        Some(None) => None,
        None => current.and_then(|c| c.port),
    };
    if let Some(p) = &input.password
        && p.chars().count() > MAX_PASSWORD_CHARS
    {
        errors.push(FieldError::new(
            "password",
            format!("The password must be at most {MAX_PASSWORD_CHARS} characters."),
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    Ok(Clean {
        name,
        kind,
        host,
        port,
        database,
        username,
        description,
    })
}

fn find(conn: &mut AnyConnection, id: &str) -> ServiceResult<Option<DataSource>> {
    if id.len() > 64 {
        return Ok(None);
    }
    Ok(datasources::table
        .find(id)
        .select(DataSource::as_select())
        .first(conn)
        .optional()?)
}

/// The permissions listed for each tenant a data source is shared with.
fn shares_of(conn: &mut AnyConnection, id: &str) -> ServiceResult<Vec<(String, String)>> {
    Ok(datasource_shares::table
        .filter(datasource_shares::datasource_id.eq(id))
        .select((datasource_shares::tenant_id, datasource_shares::permissions))
        .order(datasource_shares::tenant_id.asc())
        .load(conn)?)
}

pub(crate) fn parse_permissions(raw: &str) -> BTreeSet<Permission> {
    raw.split(',')
        .filter_map(|p| p.trim().parse::<Permission>().ok())
        .filter(|p| PERMISSIONS.contains(p))
        .collect()
}

/// True when the user's own roles give them any permission on the tenant: they belong to it.
fn belongs_to(conn: &mut AnyConnection, user: &User, tenant_id: &str) -> ServiceResult<bool> {
    Ok(!authz::own_access(conn, &user.id, tenant_id)?.is_empty())
}

/// Everything `user` may do on `datasource` (see the module documentation).
pub fn rights(
    conn: &mut AnyConnection,
    user: &User,
    datasource: &DataSource,
) -> ServiceResult<BTreeSet<Permission>> {
    let access = authz::access(conn, &user.id, &datasource.tenant_id)?;
    let mut out: BTreeSet<Permission> = access
        .permissions()
        .into_iter()
        .filter(|p| PERMISSIONS.contains(p))
        .collect();
    for (tenant_id, permissions) in shares_of(conn, &datasource.id)? {
        if belongs_to(conn, user, &tenant_id)? {
            out.extend(parse_permissions(&permissions));
        }
    }
    Ok(out)
}

/// The data source when the user may do `permission` on it: NotFound when they have no right
/// at all (another tenant's ids reveal nothing), Forbidden when they have some but not this.
pub fn require(
    conn: &mut AnyConnection,
    user: &User,
    id: &str,
    permission: Permission,
) -> ServiceResult<(DataSource, BTreeSet<Permission>)> {
    let ds = find(conn, id)?.ok_or(ServiceError::NotFound)?;
    let rights = rights(conn, user, &ds)?;
    if rights.contains(&permission) {
        Ok((ds, rights))
    } else if rights.is_empty() {
        Err(ServiceError::NotFound)
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// True when the data source belongs to the tenant or is shared with it: a tenant's pages show
/// only those, whatever else the user may reach.
pub fn is_listed_in(conn: &mut AnyConnection, id: &str, tenant_id: &str) -> ServiceResult<bool> {
    let owned: i64 = datasources::table
        .filter(datasources::id.eq(id))
        .filter(datasources::tenant_id.eq(tenant_id))
        .count()
        .get_result(conn)?;
    if owned > 0 {
        return Ok(true);
    }
    let shared: i64 = datasource_shares::table
        .filter(datasource_shares::datasource_id.eq(id))
        .filter(datasource_shares::tenant_id.eq(tenant_id))
        .count()
        .get_result(conn)?;
    Ok(shared > 0)
}

/// A page of a tenant's data sources, by name, and where the next page starts.
pub struct DataSourcePage {
    pub rows: Vec<DataSource>,
    /// The id of this page's last row: pass it back as `after` for the next page.
    pub next: Option<String>,
}

/// The tenant's own data sources by name, `limit` a page (keyset on name and id, so a page
/// costs the same wherever it is). Needs `datasources.view` on the tenant.
pub fn list(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    after: Option<&str>,
    limit: i64,
) -> ServiceResult<DataSourcePage> {
    authz::require(conn, &user.id, tenant_id, Permission::DatasourcesView)?;
    let limit = limit.clamp(1, MAX_LIST);
    let mut query = datasources::table
        .filter(datasources::tenant_id.eq(tenant_id))
        .select(DataSource::as_select())
        .into_boxed();
    if let Some(after) = after {
        // The cursor is the id of the previous page's last row; its name places the page.
        let name_key: String = datasources::table
            .filter(datasources::tenant_id.eq(tenant_id))
            .filter(datasources::id.eq(after))
            .select(datasources::name_key)
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                ServiceError::invalid(
                    "cursor",
                    "The page link is not valid any more. Start from the first page.",
                )
            })?;
        query = query.filter(
            datasources::name_key
                .gt(name_key.clone())
                .or(datasources::name_key
                    .eq(name_key)
                    .and(datasources::id.gt(after.to_string()))),
        );
    }
    let mut rows: Vec<DataSource> = query
        .order((datasources::name_key.asc(), datasources::id.asc()))
        .limit(limit + 1)
        .load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|d| d.id.clone())
    } else {
        None
    };
    Ok(DataSourcePage { rows, next })
}

/// Data sources of other tenants shared with `tenant_id`, when the user belongs to it, with the
/// permissions listed for it.
pub fn shared_with(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
) -> ServiceResult<Vec<(DataSource, BTreeSet<Permission>)>> {
    if !belongs_to(conn, user, tenant_id)? {
        return Ok(Vec::new());
    }
    let rows: Vec<(DataSource, String)> = datasources::table
        .inner_join(
            datasource_shares::table.on(datasource_shares::datasource_id.eq(datasources::id)),
        )
        .filter(datasource_shares::tenant_id.eq(tenant_id))
        .order((datasources::name_key.asc(), datasources::id.asc()))
        .limit(MAX_LIST)
        .select((DataSource::as_select(), datasource_shares::permissions))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(d, p)| (d, parse_permissions(&p)))
        .collect())
}

fn record(
    c: &mut AnyConnection,
    user: &User,
    ds: &DataSource,
    action: &'static str,
    detail: impl Into<String>,
) -> ServiceResult<()> {
    audit::record(
        c,
        Event::new(action)
            .actor(Some(user.actor()))
            .tenant(&ds.tenant_id)
            .subject(&ds.name)
            .detail(detail),
    )
}

/// Creates a data source of the tenant, owned by the user. Needs `datasources.modify` there.
pub fn create(
    conn: &mut AnyConnection,
    key: &[u8; 32],
    user: &User,
    tenant_id: &str,
    input: &Input,
) -> ServiceResult<DataSource> {
    authz::require(conn, &user.id, tenant_id, Permission::DatasourcesModify)?;
    let clean = validate(input, None)?;
    let ciphertext = secret::encrypt(key, input.password.as_deref().unwrap_or(""))?;
    let id = new_id();
    let at = now();
    write_transaction(conn, |c| {
        let inserted = diesel::insert_into(datasources::table)
            .values((
                datasources::id.eq(&id),
                datasources::tenant_id.eq(tenant_id),
                datasources::owner_user_id.eq(&user.id),
                datasources::name.eq(&clean.name),
                datasources::name_key.eq(clean.name.to_lowercase()),
                datasources::kind.eq(&clean.kind),
                datasources::host.eq(&clean.host),
                datasources::port.eq(clean.port),
                datasources::database.eq(&clean.database),
                datasources::username.eq(&clean.username),
                datasources::password_ciphertext.eq(&ciphertext),
                datasources::description.eq(&clean.description),
                datasources::created_at.eq(at),
                datasources::updated_at.eq(at),
            ))
            .execute(c);
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(ServiceError::invalid("name", NAME_TAKEN));
            }
            other => other?,
        };
        let ds = find(c, &id)?.ok_or(ServiceError::NotFound)?;
        record(c, user, &ds, actions::DATASOURCE_CREATED, &clean.kind)?;
        Ok(ds)
    })
}

/// One data source, for a user with `datasources.view` on it, with their rights.
pub fn get(
    conn: &mut AnyConnection,
    user: &User,
    id: &str,
) -> ServiceResult<(DataSource, BTreeSet<Permission>)> {
    require(conn, user, id, Permission::DatasourcesView)
}

/// Changes the fields given; an empty or absent password keeps the stored one. Needs
/// `datasources.modify` on it.
pub fn update(
    conn: &mut AnyConnection,
    key: &[u8; 32],
    user: &User,
    id: &str,
    input: &Input,
) -> ServiceResult<DataSource> {
    let (ds, _) = require(conn, user, id, Permission::DatasourcesModify)?;
    let clean = validate(input, Some(&ds))?;
    let ciphertext = match input.password.as_deref() {
        Some(p) if !p.is_empty() => secret::encrypt(key, p)?,
        _ => ds.password_ciphertext.clone(),
    };
    write_transaction(conn, |c| {
        let updated = diesel::update(datasources::table.find(&ds.id))
            .set((
                datasources::name.eq(&clean.name),
                datasources::name_key.eq(clean.name.to_lowercase()),
                datasources::kind.eq(&clean.kind),
                datasources::host.eq(&clean.host),
                datasources::port.eq(clean.port),
                datasources::database.eq(&clean.database),
                datasources::username.eq(&clean.username),
                datasources::password_ciphertext.eq(&ciphertext),
                datasources::description.eq(&clean.description),
                datasources::updated_at.eq(now()),
            ))
            .execute(c);
        match updated {
            Err(e) if is_unique_violation(&e) => {
                return Err(ServiceError::invalid("name", NAME_TAKEN));
            }
            other => other?,
        };
        let new = find(c, &ds.id)?.ok_or(ServiceError::NotFound)?;
        let detail = if ciphertext != ds.password_ciphertext {
            "password changed"
        } else {
            ""
        };
        record(c, user, &new, actions::DATASOURCE_UPDATED, detail)?;
        Ok(new)
    })
}

/// Deletes a data source and its shares. Needs `datasources.delete` on it.
pub fn delete(conn: &mut AnyConnection, user: &User, id: &str) -> ServiceResult<()> {
    let (ds, _) = require(conn, user, id, Permission::DatasourcesDelete)?;
    write_transaction(conn, |c| {
        diesel::delete(
            datasource_shares::table.filter(datasource_shares::datasource_id.eq(&ds.id)),
        )
        .execute(c)?;
        diesel::delete(datasources::table.find(&ds.id)).execute(c)?;
        record(c, user, &ds, actions::DATASOURCE_DELETED, "")
    })
}

/// The plain password, for a user with `datasources.use` who asks for it on purpose; audited.
/// An empty string when none is stored.
pub fn reveal(
    conn: &mut AnyConnection,
    key: &[u8; 32],
    user: &User,
    id: &str,
    ip: Option<String>,
) -> ServiceResult<String> {
    let (ds, _) = require(conn, user, id, Permission::DatasourcesUse)?;
    let plain = secret::decrypt(key, &ds.password_ciphertext)?;
    audit::record(
        conn,
        Event::new(actions::DATASOURCE_REVEALED)
            .actor(Some(user.actor()))
            .tenant(&ds.tenant_id)
            .subject(&ds.name)
            .ip(ip),
    )?;
    Ok(plain)
}
