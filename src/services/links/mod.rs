//! Partner links (DESIGN §4): a partner invites a customer by email, the customer accepts from the
//! emailed link, the partner's staff work inside the customer tenant within the link's access
//! level, and partner, customer or staff end it. Stored as access grants of origin
//! `partner_link`. Every function checks the caller through the one authorization function.

mod customer;
mod level;
mod list;
mod partner;
mod prefix;
mod staff;

pub use customer::*;
pub use level::*;
pub use list::Summary;
use list::{Scope, list, summaries};
pub use partner::*;
pub use staff::*;

use super::{ServiceError, ServiceResult, now};
use crate::db::schema::{access_grants, role_permissions, roles, tenants};
use crate::db::{AnyConnection, DbTime, DbTimeOpt};
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
#[diesel(table_name = access_grants, check_for_backend(crate::db::MultiBackend))]
/// Lists read many links: the timestamps use [`DbTime`]'s direct parse.
pub struct Link {
    pub id: String,
    pub grantee_tenant_id: String,
    pub owner_tenant_id: Option<String>,
    pub limiting_role_id: String,
    pub status: String,
    pub email: String,
    pub message: String,
    #[diesel(deserialize_as = DbTimeOpt)]
    pub invitation_expires_at: Option<NaiveDateTime>,
    pub invited_by_user_id: Option<String>,
    #[diesel(deserialize_as = DbTime)]
    pub invited_at: NaiveDateTime,
    #[diesel(deserialize_as = DbTimeOpt)]
    pub connected_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = DbTimeOpt)]
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
    /// The end of the access period; None: no end date.
    #[diesel(deserialize_as = DbTimeOpt)]
    pub access_ends_at: Option<NaiveDateTime>,
    /// A change of access level asked by the partner, awaiting the customer's answer.
    pub requested_role_id: Option<String>,
    #[diesel(deserialize_as = DbTimeOpt)]
    pub requested_at: Option<NaiveDateTime>,
    pub requested_by_user_id: Option<String>,
}

impl Link {
    /// The status a user sees ([`shown_status`]).
    pub fn status(&self) -> LinkStatus {
        shown_status(
            &self.status,
            self.invitation_expires_at,
            self.access_ends_at,
        )
    }
}

/// The status a user sees of a link stored as `status`: a connected link past its end date is
/// Expired even before the sweeper rewrote the row (authz already stopped honouring it).
fn shown_status(
    status: &str,
    invitation_expires_at: Option<NaiveDateTime>,
    access_ends_at: Option<NaiveDateTime>,
) -> LinkStatus {
    let at = now();
    match LinkStatus::effective(status, invitation_expires_at, at) {
        LinkStatus::Connected if access_ends_at.is_some_and(|e| e <= at) => LinkStatus::Expired,
        status => status,
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
    /// Only these links (the pending rows a page watches); empty: any.
    pub ids: Vec<String>,
}

/// One page of a list, and the cursor (`before`) of the next when there is one.
pub struct Page<R> {
    pub rows: Vec<R>,
    pub next: Option<String>,
}

pub type LinkPage = Page<LinkRow>;

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
