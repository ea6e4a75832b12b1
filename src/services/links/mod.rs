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
use crate::db::schema::{access_grants, role_permissions, roles, tenants};
use crate::db::{AnyConnection, DbTime, DbTimeOpt};
use crate::domain::link::LinkStatus;
use crate::domain::permission::Permission;
use crate::domain::role::BuiltinRole;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

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
    /// Only these links (the pending rows a page watches); empty: any.
    pub ids: Vec<String>,
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
    /// One partner's links; its name is known to the caller.
    Partner {
        id: &'a str,
        name: &'a str,
    },
    Everyone,
}

diesel::alias!(tenants as partner_tenant: PartnerTenant, tenants as customer_tenant: CustomerTenant);

/// A link with its customer's name and number, as the list query loads it.
type ListedRow = (Link, Option<String>, Option<String>);

/// Links newest first, 50 a page. The customer's name and number come in the same query; the
/// partner's and the access level's names, a handful for a page, are looked up once per page
/// (joining them cost a fifth of the page's database time).
fn list(
    conn: &mut AnyConnection,
    scope: Scope<'_>,
    filter: &LinkFilter,
) -> ServiceResult<LinkPage> {
    let at = now();
    let mut query = access_grants::table
        .left_join(
            customer_tenant.on(customer_tenant
                .field(tenants::id)
                .nullable()
                .eq(access_grants::owner_tenant_id)),
        )
        .filter(access_grants::origin.eq(ORIGIN))
        .select((
            Link::as_select(),
            customer_tenant.field(tenants::name).nullable(),
            customer_tenant.field(tenants::account_number).nullable(),
        ))
        .into_boxed();
    if let Scope::Partner { id, .. } = scope {
        query = query.filter(access_grants::grantee_tenant_id.eq(id.to_string()));
    }
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
        let key = search.to_lowercase();
        let pattern = super::audit::like_prefix(&key);
        let by_email_or_customer = access_grants::email_key
            .like(pattern.clone())
            .escape('\\')
            .or(customer_tenant
                .field(tenants::name_key)
                .like(pattern.clone())
                .escape('\\')
                .assume_not_null());
        query = match scope {
            Scope::Partner { id, .. } => query
                .filter(by_email_or_customer)
                .filter(prefix::PrefixCandidates::new(id, &key)),
            // Staff also find a link by the start of its partner's name.
            Scope::Everyone => query.filter(
                by_email_or_customer.or(access_grants::grantee_tenant_id.eq_any(
                    partner_tenant
                        .filter(
                            partner_tenant
                                .field(tenants::name_key)
                                .like(pattern)
                                .escape('\\'),
                        )
                        .select(partner_tenant.field(tenants::id)),
                )),
            ),
        };
    }
    if let Some(before) = &filter.before {
        query = query.filter(access_grants::id.lt(before.clone()));
    }
    if !filter.ids.is_empty() {
        query = query.filter(access_grants::id.eq_any(filter.ids.clone()));
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
    let names = Names::load(conn, &scope, &rows)?;
    Ok(LinkPage {
        rows: rows
            .into_iter()
            .map(|(link, customer, customer_account_number)| LinkRow {
                partner: names.partner(&scope, &link.grantee_tenant_id),
                access_level: names.role(&link.limiting_role_id),
                link,
                customer,
                customer_account_number,
            })
            .collect(),
        next,
    })
}

/// An id and its name, as [`Names`] loads them.
type IdName = (String, String);

/// The partners' and access levels' names of one page of links.
struct Names {
    partners: HashMap<String, String>,
    roles: HashMap<String, String>,
}

impl Names {
    fn load(
        conn: &mut AnyConnection,
        scope: &Scope<'_>,
        rows: &[ListedRow],
    ) -> ServiceResult<Self> {
        let (partners, roles): (Vec<IdName>, Vec<IdName>) = match scope {
            // A partner's links are limited by its own roles: one cached query names them all.
            Scope::Partner { id, .. } => (
                Vec::new(),
                roles::table
                    .filter(roles::tenant_id.eq(*id))
                    .select((roles::id, roles::name))
                    .load(conn)?,
            ),
            Scope::Everyone => {
                let partner_ids: HashSet<&str> = rows
                    .iter()
                    .map(|r| r.0.grantee_tenant_id.as_str())
                    .collect();
                let role_ids: HashSet<&str> =
                    rows.iter().map(|r| r.0.limiting_role_id.as_str()).collect();
                (
                    tenants::table
                        .filter(tenants::id.eq_any(partner_ids))
                        .select((tenants::id, tenants::name))
                        .load(conn)?,
                    roles::table
                        .filter(roles::id.eq_any(role_ids))
                        .select((roles::id, roles::name))
                        .load(conn)?,
                )
            }
        };
        Ok(Self {
            partners: partners.into_iter().collect(),
            roles: roles.into_iter().collect(),
        })
    }

    fn partner(&self, scope: &Scope<'_>, id: &str) -> String {
        match scope {
            Scope::Partner { name, .. } => name.to_string(),
            Scope::Everyone => self.partners.get(id).cloned().unwrap_or_default(),
        }
    }

    fn role(&self, id: &str) -> String {
        self.roles.get(id).cloned().unwrap_or_default()
    }
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
