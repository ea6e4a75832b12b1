//! An account's activity timeline as JSON: the same events, filters and rules as the Activity
//! page (`services::activity`), for an account of the acting tenant's subtree.

use super::error::ErrorBody;
use super::{ApiCaller, ApiError, cursor, db, timestamp};
use crate::services::activity::{self, ActivityEvent, Filter};
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantRefJson {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantRefJson {
    pub id: String,
    /// `partner_link` or `share`.
    pub kind: String,
    /// The limiting role's name.
    pub access_level: String,
}

/// One audit event of the account's timeline.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEventJson {
    pub id: String,
    /// RFC 3339, UTC.
    pub occurred_at: String,
    #[schema(required = true)]
    pub actor_email: Option<String>,
    /// The account the actor acted from: the grantee of the grant the event came through, else
    /// the account the event is filed under.
    #[schema(required = true)]
    pub acting_tenant: Option<TenantRefJson>,
    /// Where it happened when that is another account (what this account's members did in a
    /// customer's account through its links); null when it happened in this account.
    #[schema(required = true)]
    pub in_tenant: Option<TenantRefJson>,
    /// The partner link or share the event came through.
    #[schema(required = true)]
    pub grant: Option<GrantRefJson>,
    /// The action constant, e.g. `link.accepted`.
    pub action: String,
    /// The action in words, e.g. "Partner link accepted".
    pub action_label: String,
    #[schema(required = true)]
    pub subject: Option<String>,
    pub detail: String,
}

impl From<ActivityEvent> for ActivityEventJson {
    fn from(e: ActivityEvent) -> Self {
        let tenant = |t: Option<activity::TenantRef>| {
            t.map(|t| TenantRefJson {
                id: t.id,
                name: t.name,
            })
        };
        Self {
            action_label: e.action_words(),
            id: e.id,
            occurred_at: timestamp(&e.occurred_at),
            actor_email: e.actor_email,
            acting_tenant: tenant(e.acting_tenant),
            in_tenant: tenant(e.in_tenant),
            grant: e.grant.map(|g| GrantRefJson {
                id: g.id,
                kind: g.kind,
                access_level: g.access_level,
            }),
            action: e.action,
            subject: e.subject,
            detail: e.detail,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityList {
    pub items: Vec<ActivityEventJson>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default, rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ActivityParams {
    /// Start of the actor's email (any case).
    actor: Option<String>,
    /// Only events by people acting from this account: the account itself, or a partner or
    /// sharing account holding one of its grants.
    tenant_id: Option<String>,
    /// An action constant, e.g. `link.accepted`.
    action: Option<String>,
    /// Events a page, 1 to 100 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// The account's activity, newest first: events in it (also by partners working in it through
/// grants) and what its members did in other accounts through its grants. Needs `audit.view` on
/// the account, which must be the acting account or lie below it.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{id}/activity",
    tag = "accounts",
    operation_id = "listAccountActivity",
    params(("id" = String, Path, description = "The account id"), ActivityParams),
    responses(
        (status = 200, description = "A page of the timeline", body = ActivityList),
        (status = 403, description = "No audit.view on the account", body = ErrorBody),
        (status = 404, description = "No such account in the acting account's subtree", body = ErrorBody),
        (status = 422, description = "A bad filter, limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ActivityParams>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let p = query.into_inner();
    let before = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(cursor::decode(c)?),
        None => None,
    };
    let limit = cursor::limit(p.limit.as_deref())?;
    let (user, root) = (caller.user, caller.tenant_id);
    let page = db(&state, move |c| {
        let raw = |s: &Option<String>| s.clone().unwrap_or_default();
        let filter = Filter::clean(&raw(&p.actor), &raw(&p.tenant_id), &raw(&p.action));
        activity::page_in_subtree(c, &user, &root, &id, filter, before.as_deref(), limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ActivityList {
        items: page.events.into_iter().map(Into::into).collect(),
        next_cursor: page.next.as_deref().map(cursor::encode),
    }))
}
