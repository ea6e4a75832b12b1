//! Lists of partner links: one partner's (Account Management and the API) or everyone's (staff),
//! newest first, by status, prefix search and keyset pages. One filter serves them all; the API and
//! staff read full rows ([`LinkRow`]), Account Management's table a [`Summary`] of each link.

use super::{
    Link, LinkFilter, LinkRow, MAX_PAGE_SIZE, ORIGIN, PAGE_SIZE, Page, prefix, shown_status,
};
use crate::db::schema::{access_grants, roles, tenants};
use crate::db::{AnyConnection, DbTime, DbTimeOpt};
use crate::domain::link::LinkStatus;
use crate::services::{ServiceResult, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_source::{Alias, AliasedField};
use std::collections::{HashMap, HashSet};

/// Whose links a list shows.
pub(super) enum Scope<'a> {
    /// One partner's links; its name is known to the caller.
    Partner {
        id: &'a str,
        name: &'a str,
    },
    Everyone,
}

diesel::alias!(tenants as partner_tenant: PartnerTenant, tenants as customer_tenant: CustomerTenant);

/// The links a filter lets through, joined to their customer tenant, still to be given the
/// columns to read: each list selects its own.
type Filtered<'a, DB> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::Select<
        diesel::dsl::Filter<
            diesel::dsl::LeftJoinOn<access_grants::table, Alias<CustomerTenant>, CustomerJoin>,
            diesel::dsl::Eq<access_grants::origin, &'static str>,
        >,
        access_grants::id,
    >,
    DB,
>;

/// How a link finds its customer tenant.
type CustomerJoin = diesel::dsl::Eq<
    diesel::dsl::Nullable<AliasedField<CustomerTenant, tenants::id>>,
    access_grants::owner_tenant_id,
>;

/// The backends a list's filter is built for. Lists run on the connection inside the two-backend
/// one (see [`crate::db::direct`]), so the filter is one text compiled for each backend.
trait ListBackend {
    type Filtered<'a>;
    /// The one place that says which links a list shows (see [`LinkFilter`]): newest first, one
    /// more than the page holds (so [`paged`] knows whether there is a next page).
    fn filtered<'a>(scope: &Scope<'_>, filter: &LinkFilter) -> Self::Filtered<'a>;
}

macro_rules! list_backend {
    ($($db:ty),*) => {$(
        impl ListBackend for $db {
            type Filtered<'a> = Filtered<'a, $db>;
            fn filtered<'a>(scope: &Scope<'_>, filter: &LinkFilter) -> Filtered<'a, $db> {
                let at = now();
                let mut query = access_grants::table
                    .left_join(
                        customer_tenant.on(customer_tenant
                            .field(tenants::id)
                            .nullable()
                            .eq(access_grants::owner_tenant_id)),
                    )
                    .filter(access_grants::origin.eq(ORIGIN))
                    .select(access_grants::id)
                    .into_boxed();
                if let Scope::Partner { id, .. } = *scope {
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
                    query = match *scope {
                        // The candidates are exactly the matches (prefix.rs): a LIKE on top of them cost a
                        // third of the search page's database time and filtered nothing out.
                        Scope::Partner { id, .. } => query.filter(prefix::PrefixCandidates::new(id, &key)),
                        // Staff also find a link by the start of its partner's name.
                        Scope::Everyone => {
                            let pattern = crate::services::audit::like_prefix(&key);
                            query.filter(
                                access_grants::email_key
                                    .like(pattern.clone())
                                    .escape('\\')
                                    .or(customer_tenant
                                        .field(tenants::name_key)
                                        .like(pattern.clone())
                                        .escape('\\')
                                        .assume_not_null())
                                    .or(access_grants::grantee_tenant_id.eq_any(
                                        partner_tenant
                                            .filter(
                                                partner_tenant
                                                    .field(tenants::name_key)
                                                    .like(pattern)
                                                    .escape('\\'),
                                            )
                                            .select(partner_tenant.field(tenants::id)),
                                    )),
                            )
                        }
                    };
                }
                if let Some(before) = &filter.before {
                    query = query.filter(access_grants::id.lt(before.clone()));
                }
                if !filter.ids.is_empty() {
                    query = query.filter(access_grants::id.eq_any(filter.ids.clone()));
                }
                query
                    .order(access_grants::id.desc())
                    .limit(limit(filter) + 1)
            }
        }
    )*};
}

list_backend!(diesel::sqlite::Sqlite, diesel::pg::Pg);

/// [`ListBackend::filtered`] for the backend of connection `_c`.
fn filtered_on<'a, C>(
    _c: &C,
    scope: &Scope<'_>,
    filter: &LinkFilter,
) -> <C::Backend as ListBackend>::Filtered<'a>
where
    C: diesel::Connection,
    C::Backend: ListBackend,
{
    <C::Backend as ListBackend>::filtered(scope, filter)
}

/// The rows of a page and the cursor of the next (the last row's id), from a query that read
/// one row more than the page holds.
fn paged<R>(mut rows: Vec<R>, limit: i64, id: impl Fn(&R) -> &str) -> Page<R> {
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| id(r).to_string())
    } else {
        None
    };
    Page { rows, next }
}

fn limit(filter: &LinkFilter) -> i64 {
    filter.limit.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE)
}

/// A link with its customer's name and number, as the full list loads it.
type ListedRow = (Link, Option<String>, Option<String>);

/// Links newest first, 50 a page, as full rows. The customer's name and number come in the same
/// query; the partner's and the access level's names, a handful for a page, are looked up once
/// per page (joining them cost a fifth of the page's database time).
pub(super) fn list(
    conn: &mut AnyConnection,
    scope: Scope<'_>,
    filter: &LinkFilter,
) -> ServiceResult<Page<LinkRow>> {
    let limit = limit(filter);
    let rows: Vec<ListedRow> = crate::direct!(conn, |c| filtered_on(c, &scope, filter)
        .select((
            Link::as_select(),
            customer_tenant.field(tenants::name).nullable(),
            customer_tenant.field(tenants::account_number).nullable(),
        ))
        .load(c))?;
    let page = paged(rows, limit, |r| &r.0.id);
    let names = Names::load(conn, &scope, &page.rows)?;
    Ok(Page {
        rows: page
            .rows
            .into_iter()
            .map(|(link, customer, customer_account_number)| LinkRow {
                partner: names.partner(&scope, &link.grantee_tenant_id),
                access_level: names.role(&link.limiting_role_id),
                link,
                customer,
                customer_account_number,
            })
            .collect(),
        next: page.next,
    })
}

/// What Account Management's table shows of a link.
#[derive(Debug, Clone)]
pub struct Summary {
    pub id: String,
    pub email: String,
    pub status: LinkStatus,
    pub access_level: String,
    pub customer: Option<String>,
    pub customer_account_number: Option<String>,
    pub invited_at: NaiveDateTime,
    pub connected_at: Option<NaiveDateTime>,
    /// When the access period ends (or ended); None: no end date.
    pub access_ends_at: Option<NaiveDateTime>,
    /// A change of access level waits for the customer.
    pub level_change_pending: bool,
}

impl From<LinkRow> for Summary {
    fn from(row: LinkRow) -> Self {
        Self {
            status: row.status(),
            level_change_pending: row.link.requested_role_id.is_some(),
            id: row.link.id,
            email: row.link.email,
            access_level: row.access_level,
            customer: row.customer,
            customer_account_number: row.customer_account_number,
            invited_at: row.link.invited_at,
            connected_at: row.link.connected_at,
            access_ends_at: row.link.access_ends_at,
        }
    }
}

/// The columns a [`Summary`] is made of: 9 of a link's 17. Building full links took a page of
/// 50 rows longer than SQLite took to find them.
#[derive(Queryable, Selectable)]
#[diesel(table_name = access_grants, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct SummaryColumns {
    id: String,
    limiting_role_id: String,
    status: String,
    email: String,
    #[diesel(deserialize_as = DbTimeOpt)]
    invitation_expires_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = DbTime)]
    invited_at: NaiveDateTime,
    #[diesel(deserialize_as = DbTimeOpt)]
    connected_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = DbTimeOpt)]
    access_ends_at: Option<NaiveDateTime>,
    #[diesel(select_expression = access_grants::requested_role_id.is_not_null())]
    #[diesel(select_expression_type = diesel::dsl::IsNotNull<access_grants::requested_role_id>)]
    level_change_pending: bool,
}

type SummaryRow = (SummaryColumns, Option<String>, Option<String>);

/// One partner's links as [`Summary`]s, newest first: Account Management's table.
pub(super) fn summaries(
    conn: &mut AnyConnection,
    partner_id: &str,
    filter: &LinkFilter,
) -> ServiceResult<Page<Summary>> {
    let limit = limit(filter);
    // The partner's name is only for full rows.
    let scope = Scope::Partner {
        id: partner_id,
        name: "",
    };
    // The page's heaviest query, on the connection inside (see [`crate::db::direct`]).
    let rows: Vec<SummaryRow> = crate::direct!(conn, |c| filtered_on(c, &scope, filter)
        .select((
            SummaryColumns::as_select(),
            customer_tenant.field(tenants::name).nullable(),
            customer_tenant.field(tenants::account_number).nullable(),
        ))
        .load(c))?;
    let page = paged(rows, limit, |r| &r.0.id);
    let names = Names::load(conn, &scope, &[])?;
    Ok(Page {
        rows: page
            .rows
            .into_iter()
            .map(|(link, customer, customer_account_number)| Summary {
                status: shown_status(
                    &link.status,
                    link.invitation_expires_at,
                    link.access_ends_at,
                ),
                access_level: names.role(&link.limiting_role_id),
                id: link.id,
                email: link.email,
                customer,
                customer_account_number,
                invited_at: link.invited_at,
                connected_at: link.connected_at,
                access_ends_at: link.access_ends_at,
                level_change_pending: link.level_change_pending,
            })
            .collect(),
        next: page.next,
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
    /// `rows` name the partners and access levels to look up for staff's list; a partner's
    /// lists (whatever their rows) take the partner's roles.
    fn load(
        conn: &mut AnyConnection,
        scope: &Scope<'_>,
        rows: &[ListedRow],
    ) -> ServiceResult<Self> {
        let (partners, roles): (Vec<IdName>, Vec<IdName>) = match scope {
            // A partner's links are limited by its own roles: one cached query names them all.
            Scope::Partner { id, .. } => (
                Vec::new(),
                crate::direct!(conn, |c| roles::table
                    .filter(roles::tenant_id.eq(*id))
                    .select((roles::id, roles::name))
                    .load(c))?,
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
