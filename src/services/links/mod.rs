//! Partner links (DESIGN §4): a partner invites a customer by email, the customer accepts from the
//! emailed link, the partner's staff work inside the customer tenant within the link's access
//! level, and partner, customer or staff end it. Stored as access grants of origin
//! `partner_link`. Every function checks the caller through the one authorization function.

mod customer;
mod level;
mod partner;
mod prefix;
mod staff;

pub use customer::*;
pub use level::*;
pub use partner::*;
pub use staff::*;

use super::{ServiceError, ServiceResult, now};
use crate::db::AnyConnection;
use crate::db::schema::{access_grants, role_permissions, roles, tenants};
use crate::domain::link::LinkStatus;
use crate::domain::permission::Permission;
use crate::domain::role::BuiltinRole;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const ORIGIN: &str = "partner_link";
pub const PAGE_SIZE: i64 = 50;
/// The largest page a caller may ask for (the JSON API's `limit`).
pub const MAX_PAGE_SIZE: i64 = 100;

/// Shown when a customer tenant already has a connected partner (DESIGN §4).
pub const ALREADY_LINKED: &str = "The associated account is already linked to another tenant.";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_grants)]
pub struct Link {
    pub id: String,
    pub grantee_tenant_id: String,
    pub owner_tenant_id: Option<String>,
    pub limiting_role_id: String,
    pub status: String,
    pub email: String,
    pub message: String,
    pub invitation_expires_at: Option<NaiveDateTime>,
    pub invited_by_user_id: Option<String>,
    pub invited_at: NaiveDateTime,
    pub connected_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
    /// The end of the access period; None: no end date.
    pub access_ends_at: Option<NaiveDateTime>,
    /// A change of access level asked by the partner, awaiting the customer's answer.
    pub requested_role_id: Option<String>,
    pub requested_at: Option<NaiveDateTime>,
    pub requested_by_user_id: Option<String>,
}

impl Link {
    /// The status a user sees: a connected link past its end date is Expired even before the
    /// sweeper rewrote the row (authz already stopped honouring it).
    pub fn status(&self) -> LinkStatus {
        let at = now();
        match LinkStatus::effective(&self.status, self.invitation_expires_at, at) {
            LinkStatus::Connected if self.access_ends_at.is_some_and(|e| e <= at) => {
                LinkStatus::Expired
            }
            status => status,
        }
    }
}

/// A link as the lists show it: with the partner, the customer tenant and the access level.
#[derive(Debug, Clone)]
pub struct LinkRow {
    pub link: Link,
    pub partner: String,
    pub customer: Option<String>,
    pub customer_account_number: Option<String>,
    pub access_level: String,
}

impl LinkRow {
    pub fn status(&self) -> LinkStatus {
        self.link.status()
    }
}

/// Which links a list shows.
#[derive(Debug, Clone, Default)]
pub struct LinkFilter {
    /// None: every listed status (Removed links leave the table).
    pub status: Option<LinkStatus>,
    /// Start of the email, the customer's name or (staff) the partner's name.
    pub search: Option<String>,
    /// Keyset cursor: links older than this id (newest first).
    pub before: Option<String>,
    /// Rows a page, [`PAGE_SIZE`] when None, at most [`MAX_PAGE_SIZE`].
    pub limit: Option<i64>,
}

pub struct LinkPage {
    pub rows: Vec<LinkRow>,
    pub next: Option<String>,
}

/// An access level a partner can ask for: one of its built-in roles.
#[derive(Debug, Clone)]
pub struct AccessLevel {
    pub role_id: String,
    pub name: String,
    pub description: String,
    pub is_default: bool,
}

/// The access levels a partner may offer, broadest first. Built-in roles only: they never change
/// after a customer agreed to them.
pub fn access_levels(
    conn: &mut AnyConnection,
    partner_id: &str,
) -> ServiceResult<Vec<AccessLevel>> {
    let rows: Vec<(String, String, String, Option<String>)> = roles::table
        .filter(roles::tenant_id.eq(partner_id))
        .filter(roles::builtin.is_not_null())
        .select((roles::id, roles::name, roles::description, roles::builtin))
        .load(conn)?;
    let mut levels: Vec<(usize, AccessLevel)> = rows
        .into_iter()
        .filter_map(|(role_id, name, description, builtin)| {
            let rank = BuiltinRole::ALL
                .iter()
                .position(|b| Some(b.key()) == builtin.as_deref())?;
            Some((
                rank,
                AccessLevel {
                    role_id,
                    name,
                    description,
                    is_default: BuiltinRole::ALL[rank] == BuiltinRole::Administrator,
                },
            ))
        })
        .collect();
    levels.sort_by_key(|(rank, _)| *rank);
    Ok(levels.into_iter().map(|(_, l)| l).collect())
}

/// What a role allows, in plain words, for invitations and the customer's pages.
pub fn role_allows(conn: &mut AnyConnection, role_id: &str) -> ServiceResult<Vec<String>> {
    let names: Vec<String> = role_permissions::table
        .filter(role_permissions::role_id.eq(role_id))
        .select(role_permissions::permission)
        .load(conn)?;
    let mut permissions: Vec<Permission> = names.iter().filter_map(|n| n.parse().ok()).collect();
    permissions.sort();
    Ok(permissions
        .into_iter()
        .map(|p| p.description().to_string())
        .collect())
}

fn role_name(conn: &mut AnyConnection, role_id: &str) -> ServiceResult<String> {
    Ok(roles::table.find(role_id).select(roles::name).first(conn)?)
}

fn tenant_name(conn: &mut AnyConnection, tenant_id: &str) -> ServiceResult<String> {
    Ok(tenants::table
        .find(tenant_id)
        .select(tenants::name)
        .first(conn)?)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> ServiceResult<Option<Link>> {
    Ok(access_grants::table
        .find(id)
        .filter(access_grants::origin.eq(ORIGIN))
        .select(Link::as_select())
        .first(conn)
        .optional()?)
}

/// Whose links a list shows.
enum Scope<'a> {
    Partner(&'a str),
    Everyone,
}

diesel::alias!(tenants as partner_tenant: PartnerTenant, tenants as customer_tenant: CustomerTenant);

/// A link with its partner, customer name and number, and access level, as one query loads it.
type ListedRow = (Link, String, Option<String>, Option<String>, String);

/// Links newest first, 50 a page, with their names in the same query.
fn list(
    conn: &mut AnyConnection,
    scope: Scope<'_>,
    filter: &LinkFilter,
) -> ServiceResult<LinkPage> {
    let at = now();
    let mut query = access_grants::table
        .inner_join(roles::table)
        .inner_join(
            partner_tenant.on(partner_tenant
                .field(tenants::id)
                .eq(access_grants::grantee_tenant_id)),
        )
        .left_join(
            customer_tenant.on(customer_tenant
                .field(tenants::id)
                .nullable()
                .eq(access_grants::owner_tenant_id)),
        )
        .filter(access_grants::origin.eq(ORIGIN))
        .select((
            Link::as_select(),
            partner_tenant.field(tenants::name),
            customer_tenant.field(tenants::name).nullable(),
            customer_tenant.field(tenants::account_number).nullable(),
            roles::name,
        ))
        .into_boxed();
    let searches_partner = match scope {
        Scope::Partner(id) => {
            query = query.filter(access_grants::grantee_tenant_id.eq(id.to_string()));
            false
        }
        Scope::Everyone => true,
    };
    query = match filter.status {
        None => query.filter(access_grants::status.ne(LinkStatus::Removed.as_str())),
        Some(LinkStatus::Pending) => query
            .filter(access_grants::status.eq("pending"))
            .filter(access_grants::invitation_expires_at.gt(at)),
        Some(LinkStatus::Expired) => query.filter(
            access_grants::status.eq("expired").or(access_grants::status
                .eq("pending")
                .and(access_grants::invitation_expires_at.le(at))),
        ),
        Some(other) => query.filter(access_grants::status.eq(other.as_str())),
    };
    if let Some(search) = &filter.search {
        let pattern = super::audit::like_prefix(&search.to_lowercase());
        let by_email_or_customer = access_grants::email_key
            .like(pattern.clone())
            .escape('\\')
            .or(customer_tenant
                .field(tenants::name_key)
                .like(pattern.clone())
                .escape('\\')
                .assume_not_null());
        query = if searches_partner {
            query.filter(
                by_email_or_customer.or(partner_tenant
                    .field(tenants::name_key)
                    .like(pattern)
                    .escape('\\')),
            )
        } else {
            query.filter(by_email_or_customer)
        };
        if let Scope::Partner(partner_id) = scope {
            let key = search.to_lowercase();
            query = query.filter(prefix::PrefixCandidates::new(partner_id, &key));
        }
    }
    if let Some(before) = &filter.before {
        query = query.filter(access_grants::id.lt(before.clone()));
    }
    let limit = filter.limit.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let mut rows: Vec<ListedRow> = query
        .order(access_grants::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.0.id.clone())
    } else {
        None
    };
    Ok(LinkPage {
        rows: rows
            .into_iter()
            .map(
                |(link, partner, customer, customer_account_number, access_level)| LinkRow {
                    link,
                    partner,
                    customer,
                    customer_account_number,
                    access_level,
                },
            )
            .collect(),
        next,
    })
}

/// One link as a row, with its names.
pub fn row(conn: &mut AnyConnection, link: Link) -> ServiceResult<LinkRow> {
    let partner = tenant_name(conn, &link.grantee_tenant_id)?;
    let (customer, customer_account_number) = match &link.owner_tenant_id {
        Some(id) => {
            let (name, number): (String, String) = tenants::table
                .find(id)
                .select((tenants::name, tenants::account_number))
                .first(conn)?;
            (Some(name), Some(number))
        }
        None => (None, None),
    };
    let access_level = role_name(conn, &link.limiting_role_id)?;
    Ok(LinkRow {
        link,
        partner,
        customer,
        customer_account_number,
        access_level,
    })
}

/// A link by id as a row, NotFound when there is none.
fn row_by_id(conn: &mut AnyConnection, id: &str) -> ServiceResult<LinkRow> {
    let link = find(conn, id)?.ok_or(ServiceError::NotFound)?;
    row(conn, link)
}

fn not_found<T>() -> ServiceResult<T> {
    Err(ServiceError::NotFound)
}
