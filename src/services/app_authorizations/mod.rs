//! App authorizations (issue 6): a customer tenant authorizes a partner's app in one
//! environment. The partner asks by email (a request, or an edit of an active authorization);
//! the customer's contact approves or declines from the emailed link (hashed, single-use,
//! expiring tokens, spent atomically); the partner removes an authorization at once, with a
//! reason. Apps ask which tenants authorized them through the API.

mod app_side;
mod changes;
mod confirm;
mod partner;

pub use app_side::*;
pub use changes::*;
pub use confirm::*;
pub use partner::*;

use super::{ServiceError, ServiceResult, now};
use crate::config::Settings;
use crate::db::AnyConnection;
use crate::db::schema::{app_authorizations as auth, apps, tenants, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 100;
/// An authorization used within this many days counts as in active use.
pub const ACTIVE_USE_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Active,
    Declined,
    Removed,
    /// Active past its validity, or a request whose link ran out unanswered.
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Declined => "declined",
            Self::Removed => "removed",
            Self::Expired => "expired",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Active => "Active",
            Self::Declined => "Declined",
            Self::Removed => "Removed",
            Self::Expired => "Expired",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auth)]
pub struct Authorization {
    pub id: String,
    pub app_id: String,
    pub partner_tenant_id: String,
    pub tenant_id: Option<String>,
    pub customer_name: String,
    pub account_number: String,
    pub environment: String,
    pub status: String,
    pub valid_until: Option<NaiveDateTime>,
    pub contact_email: String,
    pub info: String,
    pub requested_at: NaiveDateTime,
    pub authorized_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
}

impl Authorization {
    pub fn status(&self) -> Status {
        match self.status.as_str() {
            "active" if self.valid_until.is_some_and(|v| v <= now()) => Status::Expired,
            "active" => Status::Active,
            "pending" => Status::Pending,
            "declined" => Status::Declined,
            "expired" => Status::Expired,
            _ => Status::Removed,
        }
    }

    /// Used by the app within the last [`ACTIVE_USE_DAYS`] days.
    pub fn in_active_use(&self) -> bool {
        self.last_used_at
            .is_some_and(|t| now() - t <= chrono::Duration::days(ACTIVE_USE_DAYS))
    }
}

/// An authorization as the lists show it.
#[derive(Debug, Clone)]
pub struct Row {
    pub authorization: Authorization,
    pub app: String,
    /// The tenant's name once approved; the typed customer name before.
    pub tenant: String,
    pub authorized_by: Option<String>,
}

impl Row {
    pub fn status(&self) -> Status {
        self.authorization.status()
    }
}

/// Which authorizations a partner's listing shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub app_id: Option<String>,
    pub environment: String,
    /// Start of the customer's name or Cust ID.
    pub search: Option<String>,
    /// Keyset cursor: rows older than this id (newest first).
    pub before: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug)]
pub struct Page {
    pub rows: Vec<Row>,
    pub next: Option<String>,
}

/// The configured environment, or a field error naming them.
pub fn environment<'s>(
    settings: &'s Settings,
    field: &'static str,
    key: &str,
) -> ServiceResult<&'s crate::config::Environment> {
    settings.environment(key.trim()).ok_or_else(|| {
        let names: Vec<&str> = settings
            .environments
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        ServiceError::invalid(
            field,
            format!("Choose one of the environments: {}.", names.join(", ")),
        )
    })
}

diesel::alias!(users as authorizer: Authorizer);

type Loaded = (Authorization, String, Option<String>, Option<String>);

fn to_row((authorization, app, tenant, authorized_by): Loaded) -> Row {
    let tenant = tenant.unwrap_or_else(|| authorization.customer_name.clone());
    Row {
        authorization,
        app,
        tenant,
        authorized_by,
    }
}

/// The base query of every list: the authorization with its app, tenant and approver names.
macro_rules! listed {
    () => {
        auth::table
            .inner_join(apps::table)
            .left_join(tenants::table.on(tenants::id.nullable().eq(auth::tenant_id)))
            .left_join(
                authorizer.on(authorizer
                    .field(users::id)
                    .nullable()
                    .eq(auth::authorized_by_user_id)),
            )
            .select((
                Authorization::as_select(),
                apps::name,
                tenants::name.nullable(),
                authorizer.field(users::name).nullable(),
            ))
    };
}

/// The partner's authorizations in one environment (pending, active or expired; declined and
/// removed ones leave the list), newest first.
pub(crate) fn list_partner(
    conn: &mut AnyConnection,
    partner_id: &str,
    filter: &Filter,
) -> ServiceResult<Page> {
    let mut query = listed!()
        .filter(auth::partner_tenant_id.eq(partner_id.to_string()))
        .filter(auth::environment.eq(filter.environment.clone()))
        .filter(auth::status.eq_any(["pending", "active"]))
        .into_boxed();
    if let Some(app) = &filter.app_id {
        query = query.filter(auth::app_id.eq(app.clone()));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = super::audit::like_prefix(&search.to_lowercase());
        let number = super::audit::like_prefix(search);
        query = query.filter(
            auth::customer_name_key
                .like(pattern)
                .escape('\\')
                .or(auth::account_number.like(number).escape('\\')),
        );
    }
    if let Some(before) = &filter.before {
        query = query.filter(auth::id.lt(before.clone()));
    }
    let limit = filter.limit.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let mut rows: Vec<Loaded> = query.order(auth::id.desc()).limit(limit + 1).load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.0.id.clone())
    } else {
        None
    };
    Ok(Page {
        rows: rows.into_iter().map(to_row).collect(),
        next,
    })
}

/// The tenant's authorizations that were approved (active, expired or removed), newest first.
pub(crate) fn list_tenant(
    conn: &mut AnyConnection,
    tenant_id: &str,
    before: Option<&str>,
) -> ServiceResult<Page> {
    let mut query = listed!()
        .filter(auth::tenant_id.eq(tenant_id.to_string()))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(auth::id.lt(before.to_string()));
    }
    let mut rows: Vec<Loaded> = query
        .order(auth::id.desc())
        .limit(PAGE_SIZE + 1)
        .load(conn)?;
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| r.0.id.clone())
    } else {
        None
    };
    Ok(Page {
        rows: rows.into_iter().map(to_row).collect(),
        next,
    })
}

pub(crate) fn row_by_id(conn: &mut AnyConnection, id: &str) -> ServiceResult<Row> {
    let loaded: Loaded = listed!()
        .filter(auth::id.eq(id))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)?;
    Ok(to_row(loaded))
}

pub(crate) fn find(conn: &mut AnyConnection, id: &str) -> ServiceResult<Option<Authorization>> {
    Ok(auth::table
        .find(id)
        .select(Authorization::as_select())
        .first(conn)
        .optional()?)
}
