//! A tenant's shared activity timeline: what happened in it, including what members of other
//! tenants did inside it through grants, and — seen from the partner's side — what its own
//! members did inside other tenants through its grants.
//!
//! A page is the union of three parts, each one indexed query ordered by id (UUIDv7, so by time)
//! with a keyset bound and `LIMIT n + 1`, merged here:
//! 1. events filed under the tenant (`audit_events(tenant_id, id)`);
//! 2. events filed elsewhere through a grant the tenant owns (a link's lifecycle, filed with the
//!    partner): `access_grants(owner_tenant_id, …)` joined to `audit_events(grant_id, id)`;
//! 3. events filed elsewhere through a grant the tenant is the grantee of (its members working
//!    inside a customer): `audit_events(grantee_tenant_id, id)`, the grantee being copied onto
//!    each event when it is recorded.
//!
//! No grant id list is ever loaded and every part walks one index newest first, so a partner
//! with 100,000 links reads about a page of events, and nothing unbounded reaches memory.

mod export;
pub mod labels;
mod query;

pub use query::list;

pub use export::{CSV_MAX_ROWS, Export, safe_cell};

use super::users::User;
use super::{ServiceError, ServiceResult};
use crate::authz::{self, Access};
use crate::db::AnyConnection;
use crate::db::schema::{access_grants, tenants};
use crate::domain::permission::Permission;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 500;
/// At most this many tenants are offered in the tenant filter.
const MAX_TENANT_OPTIONS: i64 = 200;

/// What the timeline is narrowed to. Values are checked by [`Filter::clean`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Start of the actor's email (lower-cased, as the log keeps it).
    pub actor: Option<String>,
    /// The tenant the actor acted from: this tenant, or the grantee of one of its grants.
    pub tenant: Option<String>,
    /// An action constant, e.g. `link.accepted`.
    pub action: Option<String>,
}

impl Filter {
    /// Trims and bounds the raw inputs; an unknown action is an error, not "all".
    pub fn clean(actor: &str, tenant: &str, action: &str) -> ServiceResult<Self> {
        let actor = actor.trim().to_lowercase();
        if actor.chars().count() > 254 {
            return Err(ServiceError::invalid(
                "actor",
                "The email must be at most 254 characters.",
            ));
        }
        let tenant = tenant.trim();
        if tenant.len() > 64 {
            return Err(ServiceError::invalid("tenantId", "No such account."));
        }
        let action = action.trim();
        if !action.is_empty() && !super::audit::actions::ALL.contains(&action) {
            return Err(ServiceError::invalid("action", "No such action."));
        }
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Ok(Self {
            actor: some(&actor),
            tenant: some(tenant),
            action: some(action),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRef {
    pub id: String,
    pub name: String,
}

/// The grant an event came through.
#[derive(Debug, Clone)]
pub struct GrantRef {
    pub id: String,
    /// `partner_link` or `share`.
    pub kind: String,
    /// The limiting role's name.
    pub access_level: String,
    pub owner_tenant_id: Option<String>,
    pub grantee_tenant_id: String,
}

impl GrantRef {
    pub fn kind_words(&self) -> &'static str {
        if self.kind == "share" {
            "Account share"
        } else {
            "Partner link"
        }
    }
}

#[derive(Debug, Clone)]
pub struct ActivityEvent {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_email: Option<String>,
    /// The grantee of the event's grant, when it came through one; else the tenant it is filed
    /// under.
    pub acting_tenant: Option<TenantRef>,
    /// Where it happened, when that is another tenant (the partner's view of its members' work
    /// inside a customer).
    pub in_tenant: Option<TenantRef>,
    pub grant: Option<GrantRef>,
    pub action: String,
    pub subject: Option<String>,
    pub detail: String,
}

impl ActivityEvent {
    pub fn action_words(&self) -> String {
        labels::words(&self.action)
    }
}

pub struct ActivityPage {
    pub events: Vec<ActivityEvent>,
    /// The cursor of the next (older) page.
    pub next: Option<String>,
}

/// The tenants offered by the tenant filter: this tenant, then the grantees of the grants it
/// owns, by name (at most [`MAX_TENANT_OPTIONS`]).
pub fn tenant_options(c: &mut AnyConnection, tenant_id: &str) -> ServiceResult<Vec<TenantRef>> {
    let this: (String, String) = tenants::table
        .find(tenant_id)
        .select((tenants::id, tenants::name))
        .first(c)?;
    let grantees = access_grants::table
        .filter(access_grants::owner_tenant_id.eq(tenant_id))
        .select(access_grants::grantee_tenant_id);
    let others: Vec<(String, String)> = tenants::table
        .filter(tenants::id.eq_any(grantees))
        .filter(tenants::id.ne(tenant_id))
        .order(tenants::name_key.asc())
        .limit(MAX_TENANT_OPTIONS)
        .select((tenants::id, tenants::name))
        .load(c)?;
    Ok(std::iter::once(this)
        .chain(others)
        .map(|(id, name)| TenantRef { id, name })
        .collect())
}

/// The filter's tenant must be this tenant or a grantee of one of its grants; anything else is
/// an error rather than a silently empty list.
fn check_tenant(c: &mut AnyConnection, tenant_id: &str, filter: &Filter) -> ServiceResult<()> {
    let Some(acting) = filter.tenant.as_deref().filter(|t| *t != tenant_id) else {
        return Ok(());
    };
    let n: i64 = access_grants::table
        .filter(access_grants::owner_tenant_id.eq(tenant_id))
        .filter(access_grants::grantee_tenant_id.eq(acting))
        .count()
        .get_result(c)?;
    if n == 0 {
        return Err(ServiceError::invalid(
            "tenantId",
            "No partner or sharing account of this account has that id.",
        ));
    }
    Ok(())
}

/// Checks that the user may read the tenant's activity (`audit.view`; another tenant is a 404)
/// and that the filter names a tenant of its timeline.
pub fn authorize(
    c: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    filter: &Filter,
) -> ServiceResult<Access> {
    let access = authz::require(c, &user.id, tenant_id, Permission::AuditView)?;
    check_tenant(c, tenant_id, filter)?;
    Ok(access)
}

/// The Activity page of a tenant, for those with `audit.view` on it.
pub fn page(
    c: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    filter: &Filter,
    before: Option<&str>,
    limit: i64,
) -> ServiceResult<(Access, ActivityPage)> {
    let access = authorize(c, user, tenant_id, filter)?;
    let page = list(c, tenant_id, filter, before, limit.clamp(1, MAX_PAGE_SIZE))?;
    Ok((access, page))
}

/// The timeline of an account of the acting tenant's subtree (the JSON API): another account is
/// a 404 and a missing permission a 403 before the filter is judged.
pub fn page_in_subtree(
    c: &mut AnyConnection,
    user: &User,
    root_id: &str,
    tenant_id: &str,
    filter: ServiceResult<Filter>,
    before: Option<&str>,
    limit: i64,
) -> ServiceResult<ActivityPage> {
    super::subtree::depth_below(c, root_id, tenant_id)?.ok_or(ServiceError::NotFound)?;
    authz::require(c, &user.id, tenant_id, Permission::AuditView)?;
    Ok(page(c, user, tenant_id, &filter?, before, limit)?.1)
}

/// What the Activity page shows: the filter's choices, and the page or why the filter is wrong.
pub struct View {
    pub access: Access,
    pub tenant_options: Vec<TenantRef>,
    pub filter: Filter,
    pub errors: Vec<crate::domain::FieldError>,
    pub page: ActivityPage,
}

/// The Activity page: authorization first (404/403 before the input is judged), then the filter;
/// a bad filter is said next to the form with an empty page.
pub fn view(
    c: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    raw: (&str, &str, &str),
    before: Option<&str>,
) -> ServiceResult<View> {
    let access = authz::require(c, &user.id, tenant_id, Permission::AuditView)?;
    let tenant_options = tenant_options(c, tenant_id)?;
    let checked =
        Filter::clean(raw.0, raw.1, raw.2).and_then(|f| check_tenant(c, tenant_id, &f).map(|_| f));
    let (filter, errors, page) = match checked {
        Ok(filter) => {
            let page = list(c, tenant_id, &filter, before, PAGE_SIZE)?;
            (filter, vec![], page)
        }
        Err(ServiceError::Invalid(errors)) => {
            let empty = ActivityPage {
                events: vec![],
                next: None,
            };
            let filter = Filter {
                actor: Some(raw.0.trim().chars().take(254).collect())
                    .filter(|s: &String| !s.is_empty()),
                ..Filter::default()
            };
            (filter, errors, empty)
        }
        Err(e) => return Err(e),
    };
    Ok(View {
        access,
        tenant_options,
        filter,
        errors,
        page,
    })
}
