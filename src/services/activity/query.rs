//! The timeline's query: three indexed parts merged (see the module above), then the page's
//! grants and tenants named in two queries bounded by the page's size.

use super::{ActivityEvent, ActivityPage, Filter, GrantRef, TenantRef};
use crate::db::schema::{access_grants, roles, tenants};
use crate::db::{AnyConnection, SqlParam, load_sql_with};
use crate::services::ServiceResult;
use crate::services::audit::like_prefix;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamp};
use std::collections::HashMap;

#[derive(QueryableByName, Debug, Clone)]
struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Timestamp)]
    occurred_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Text>)]
    actor_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    tenant_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    grant_id: Option<String>,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Nullable<Text>)]
    subject: Option<String>,
    #[diesel(sql_type = Text)]
    detail: String,
}

const COLUMNS: &str = "e.id, e.occurred_at, e.actor_email, e.tenant_id, e.grant_id, e.action, \
                       e.subject, e.detail";

/// Which part of the union a query reads.
#[derive(Clone, Copy)]
enum Part {
    FiledHere,
    OwnedGrants,
    GranteeGrants,
}

/// One part: at most `limit + 1` events older than `before`, newest first.
fn part(
    c: &mut AnyConnection,
    part: Part,
    tenant_id: &str,
    filter: &Filter,
    before: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<Row>> {
    let mut params: Vec<String> = Vec::new();
    let mut sql = match part {
        Part::FiledHere => format!(
            "SELECT {COLUMNS} FROM audit_events e \
             LEFT JOIN access_grants g ON g.id = e.grant_id WHERE e.tenant_id = ?"
        ),
        Part::OwnedGrants => format!(
            "SELECT {COLUMNS} FROM access_grants g JOIN audit_events e ON e.grant_id = g.id \
             WHERE g.owner_tenant_id = ? AND (e.tenant_id IS NULL OR e.tenant_id <> ?)"
        ),
        // Driven by audit_events(grantee_tenant_id, id): a partner may hold 100,000 grants.
        Part::GranteeGrants => format!(
            "SELECT {COLUMNS} FROM audit_events e JOIN access_grants g ON g.id = e.grant_id \
             WHERE e.grantee_tenant_id = ? AND g.owner_tenant_id IS NOT NULL \
             AND (e.tenant_id IS NULL OR e.tenant_id <> ?)"
        ),
    };
    params.push(tenant_id.to_string());
    if !matches!(part, Part::FiledHere) {
        params.push(tenant_id.to_string());
    }
    if let Some(before) = before {
        sql.push_str(" AND e.id < ?");
        params.push(before.to_string());
    }
    if let Some(actor) = &filter.actor {
        sql.push_str(" AND e.actor_email LIKE ? ESCAPE '\\'");
        params.push(like_prefix(actor));
    }
    if let Some(action) = &filter.action {
        sql.push_str(" AND e.action = ?");
        params.push(action.clone());
    }
    if let Some(acting) = &filter.tenant {
        // The acting tenant: the grant's grantee, or this tenant for an event without one.
        sql.push_str(" AND COALESCE(g.grantee_tenant_id, ?) = ?");
        params.push(tenant_id.to_string());
        params.push(acting.clone());
    }
    sql.push_str(&format!(" ORDER BY e.id DESC LIMIT {}", limit + 1));
    let params: Vec<SqlParam<'_>> = params.iter().map(|p| SqlParam::Text(p)).collect();
    Ok(load_sql_with(c, &sql, &params)?)
}

/// A page of the tenant's timeline, newest first. No authorization: see [`page`].
pub fn list(
    c: &mut AnyConnection,
    tenant_id: &str,
    filter: &Filter,
    before: Option<&str>,
    limit: i64,
) -> ServiceResult<ActivityPage> {
    let mut rows = part(c, Part::FiledHere, tenant_id, filter, before, limit)?;
    let elsewhere = filter.tenant.as_deref();
    if elsewhere.is_none_or(|t| t != tenant_id) {
        rows.extend(part(
            c,
            Part::OwnedGrants,
            tenant_id,
            filter,
            before,
            limit,
        )?);
    }
    if elsewhere.is_none_or(|t| t == tenant_id) {
        rows.extend(part(
            c,
            Part::GranteeGrants,
            tenant_id,
            filter,
            before,
            limit,
        )?);
    }
    rows.sort_by(|a, b| b.id.cmp(&a.id));
    rows.dedup_by(|a, b| a.id == b.id);
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    Ok(ActivityPage {
        events: describe(c, tenant_id, rows)?,
        next,
    })
}

/// Names the grants and tenants of a page: two queries bounded by the page's size.
fn describe(
    c: &mut AnyConnection,
    tenant_id: &str,
    rows: Vec<Row>,
) -> ServiceResult<Vec<ActivityEvent>> {
    let mut grant_ids: Vec<&str> = rows.iter().filter_map(|r| r.grant_id.as_deref()).collect();
    grant_ids.sort_unstable();
    grant_ids.dedup();
    let grants: HashMap<String, GrantRef> = access_grants::table
        .inner_join(roles::table.on(roles::id.eq(access_grants::limiting_role_id)))
        .filter(access_grants::id.eq_any(&grant_ids))
        .select((
            access_grants::id,
            access_grants::origin,
            roles::name,
            access_grants::owner_tenant_id,
            access_grants::grantee_tenant_id,
        ))
        .load::<(String, String, String, Option<String>, String)>(c)?
        .into_iter()
        .map(
            |(id, kind, access_level, owner_tenant_id, grantee_tenant_id)| {
                let grant = GrantRef {
                    id: id.clone(),
                    kind,
                    access_level,
                    owner_tenant_id,
                    grantee_tenant_id,
                };
                (id, grant)
            },
        )
        .collect();
    let mut tenant_ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.tenant_id.as_deref())
        .chain(grants.values().map(|g| g.grantee_tenant_id.as_str()))
        .chain(std::iter::once(tenant_id))
        .collect();
    tenant_ids.sort_unstable();
    tenant_ids.dedup();
    let names: HashMap<String, String> = tenants::table
        .filter(tenants::id.eq_any(&tenant_ids))
        .select((tenants::id, tenants::name))
        .load::<(String, String)>(c)?
        .into_iter()
        .collect();
    let named = |id: &str| TenantRef {
        id: id.to_string(),
        name: names
            .get(id)
            .cloned()
            .unwrap_or_else(|| "a deleted account".into()),
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let grant = r.grant_id.as_ref().and_then(|g| grants.get(g)).cloned();
            let acting_tenant = match &grant {
                Some(g) => Some(named(&g.grantee_tenant_id)),
                None => r.tenant_id.as_deref().map(named),
            };
            let in_tenant = r
                .tenant_id
                .as_deref()
                .filter(|t| *t != tenant_id)
                .map(named);
            ActivityEvent {
                id: r.id,
                occurred_at: r.occurred_at,
                actor_email: r.actor_email,
                acting_tenant,
                in_tenant,
                grant,
                action: r.action,
                subject: r.subject,
                detail: r.detail,
            }
        })
        .collect())
}
