//! Account Management: a partner's customer accounts. List with tabs, search and pages; add by
//! email; resend, delete and log in. Every page works without JavaScript; with htmx the table
//! region, the Add dialog and single rows are swapped in from the same templates.

mod add;
mod period;
mod views;

pub use add::{create, new_form};

use super::{render, render_sized, see_other};
use crate::domain::link::LinkStatus;
use crate::domain::permission::Permission;
use crate::services::ServiceError;
use crate::services::links::{self, LinkFilter};
use crate::web::extract::{CurrentUser, client_ip, is_htmx};
use crate::web::layout::{self, Layout, flash};
use crate::web::plain::Plain;
use crate::web::{AppError, AppState, csrf};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use views::*;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/accounts/{tenant_id}/customers")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/accounts/{tenant_id}/customers/new").route(web::get().to(new_form)))
    .service(web::resource("/accounts/{tenant_id}/customers/watch").route(web::get().to(watch)))
    .service(
        web::resource("/accounts/{tenant_id}/customers/{link_id}/resend")
            .route(web::post().to(resend)),
    )
    .service(
        web::resource("/accounts/{tenant_id}/customers/{link_id}/delete")
            .route(web::get().to(delete_confirm))
            .route(web::post().to(delete)),
    )
    .service(
        web::resource("/accounts/{tenant_id}/customers/{link_id}/login")
            .route(web::post().to(login)),
    )
    .service(
        web::resource("/accounts/{tenant_id}/customers/{link_id}/access")
            .route(web::get().to(period::show)),
    )
    .service(
        web::resource("/accounts/{tenant_id}/customers/{link_id}/access-level")
            .route(web::post().to(period::request_level)),
    )
    .service(
        web::resource("/accounts/{tenant_id}/customers/{link_id}/extension")
            .route(web::post().to(period::request_extension)),
    );
}

/// An htmx request for a fragment; a history restore asks for the whole page.
fn wants_fragment(req: &HttpRequest) -> bool {
    is_htmx(req) && !req.headers().contains_key("HX-History-Restore-Request")
}

fn fragment(page: &impl Template, status: StatusCode) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Vary", "HX-Request"))
        .body(page.render()?))
}

fn base(tenant_id: &str) -> String {
    format!("/accounts/{tenant_id}/customers")
}

/// The user's rights on the partner's customers, for the buttons; NotFound/Forbidden otherwise.
fn rights(
    c: &mut crate::db::AnyConnection,
    user: &crate::services::users::User,
    tenant_id: &str,
    csrf: String,
) -> Result<(Ctx, crate::authz::Access), ServiceError> {
    let access = links::partner_access(c, user, tenant_id, Permission::CustomersView)?;
    let ctx = Ctx {
        tenant_id: tenant_id.to_string(),
        csrf: Plain::new(csrf),
        can_manage: access.allows(Permission::CustomersManage),
        can_login: access.allows(Permission::CustomersLogin),
        oob: false,
    };
    Ok((ctx, access))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    q: String,
    before: String,
}

fn list_url(base: &str, status: Option<LinkStatus>, q: &str, before: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(s) = status {
        query.append_pair("status", s.as_str());
    }
    if !q.is_empty() {
        query.append_pair("q", q);
    }
    if let Some(b) = before {
        query.append_pair("before", b);
    }
    let query = query.finish();
    if query.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{query}")
    }
}

pub async fn list(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let query = query.into_inner();
    let status = LinkStatus::parse(query.status.trim()).filter(|s| LinkStatus::LISTED.contains(s));
    let q: String = query.q.trim().chars().take(254).collect();
    let before: Option<String> =
        Some(query.before.trim().chars().take(64).collect::<String>()).filter(|b| !b.is_empty());
    let filter = LinkFilter {
        status,
        search: Some(q.clone()).filter(|q| !q.is_empty()),
        before: before.clone(),
        ..Default::default()
    };
    let (u, t, token) = (user.clone(), tenant_id.clone(), csrf::token(&session));
    let (ctx, partner, page) = state
        .read(move |c| {
            let (ctx, access) = rights(c, &u, &t, token)?;
            let page = links::summaries_for_partner(c, &access, &filter)?;
            Ok((ctx, access.tenant_name, page))
        })
        .await?;
    let base = base(&tenant_id);
    let mut tabs = vec![Tab {
        label: "All",
        href: list_url(&base, None, &q, None),
        current: status.is_none(),
    }];
    tabs.extend(LinkStatus::LISTED.iter().map(|s| Tab {
        label: s.label(),
        href: list_url(&base, Some(*s), &q, None),
        current: status == Some(*s),
    }));
    let rows: Vec<RowView> = page.rows.into_iter().map(RowView::from).collect();
    let pending = rows
        .iter()
        .filter(|r| r.is_pending())
        .map(|r| r.id.as_str());
    let watcher = Watcher::new("page", pending, false);
    let region = Region {
        ctx,
        tabs,
        status: status.map(|s| s.as_str()).unwrap_or_default().to_string(),
        status_label: status.map(|s| s.label()).unwrap_or("All"),
        next_link: page
            .next
            .as_deref()
            .map(|n| list_url(&base, status, &q, Some(n))),
        first_link: before.map(|_| list_url(&base, status, &q, None)),
        q,
        rows,
        watcher,
        base,
    };
    if wants_fragment(&req) {
        return fragment(&RegionFragment { v: region }, StatusCode::OK);
    }
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        format!("Account Management · {partner}"),
        "customers",
    );
    // The page around the table is about 8 KB, a row under 1 KB.
    let bytes = 8 * 1024 + 1024 * region.rows.len();
    render_sized(
        &ListPage {
            layout,
            partner,
            region,
        },
        bytes,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WatchQuery {
    watcher: String,
    ids: String,
}

/// What a watcher sends: its name and the ids it watches ("a,b,c"), each made of letters, digits
/// and '-', at most a page of them, each once. None for anything else.
fn watched(query: &WatchQuery) -> Option<Vec<String>> {
    let valid = |s: &str| {
        !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let mut ids: Vec<String> = Vec::new();
    for id in query.ids.split(',').map(str::trim) {
        if !valid(id) {
            return None;
        }
        if !ids.iter().any(|seen| seen == id) {
            ids.push(id.to_string());
        }
    }
    (valid(&query.watcher) && ids.len() <= links::MAX_PAGE_SIZE as usize).then_some(ids)
}

/// Polled every 5 s by a page's watcher: the watched rows that are no longer pending (a customer
/// accepted, declined, or the invitation ran out), out of band, and the watcher with what is still
/// pending; 204 when nothing changed. Another partner's ids are simply gone from the answer.
pub async fn watch(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<WatchQuery>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let query = query.into_inner();
    let ids = watched(&query).ok_or_else(|| {
        AppError::bad_request("These accounts cannot be refreshed. Reload the page to see them.")
    })?;
    let filter = LinkFilter {
        limit: Some(ids.len() as i64),
        ids: ids.clone(),
        ..Default::default()
    };
    let token = csrf::token(&session);
    let (mut ctx, page) = state
        .read(move |c| {
            let (ctx, access) = rights(c, &user, &tenant_id, token)?;
            Ok((ctx, links::summaries_for_partner(c, &access, &filter)?))
        })
        .await?;
    let mut found: std::collections::HashMap<String, links::Summary> = page
        .rows
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    let (mut rows, mut gone, mut pending) = (Vec::new(), Vec::new(), Vec::new());
    for id in ids {
        match found.remove(&id) {
            Some(row) if row.status == LinkStatus::Pending => pending.push(id),
            Some(row) => rows.push(RowView::from(row)),
            None => gone.push(Plain::new(id)),
        }
    }
    if rows.is_empty() && gone.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    ctx.oob = true;
    let page = Watched {
        ctx,
        rows,
        gone,
        watcher: Watcher::new(&query.watcher, pending.iter().map(String::as_str), true),
        name: Plain::new(query.watcher),
    };
    fragment(&page, StatusCode::OK)
}

pub async fn resend(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, link_id) = path.into_inner();
    let (t, settings, token) = (
        tenant_id.clone(),
        state.settings.clone(),
        csrf::token(&session),
    );
    let (mut ctx, row) = state
        .db(move |c| {
            let (ctx, _) = rights(c, &user, &t, token)?;
            Ok((ctx, links::resend(c, &settings, &user, &t, &link_id)?))
        })
        .await?;
    let message = format!("A new invitation was sent to {}.", row.link.email);
    if wants_fragment(&req) {
        ctx.oob = true;
        let page = Changed {
            ctx,
            added: None,
            replaced: Some(row.into()),
            removed: None,
            message,
        };
        return fragment(&page, StatusCode::OK);
    }
    flash(&session, "success", message);
    Ok(see_other(&base(&tenant_id)))
}

pub async fn delete_confirm(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, link_id) = path.into_inner();
    let (u, t) = (user.clone(), tenant_id.clone());
    let row = state
        .db(move |c| {
            links::partner_access(c, &u, &t, Permission::CustomersManage)?;
            links::get_for_partner(c, &u, &t, &link_id)
        })
        .await?;
    if row.status() == LinkStatus::Removed {
        return Err(AppError::status(
            StatusCode::CONFLICT,
            "This account was already deleted.",
        ));
    }
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        "Delete account",
        "customers",
    );
    render(&DeletePage {
        layout,
        tenant_id,
        r: row.into(),
    })
}

pub async fn delete(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, link_id) = path.into_inner();
    let (t, settings, token) = (
        tenant_id.clone(),
        state.settings.clone(),
        csrf::token(&session),
    );
    let (ctx, row) = state
        .db(move |c| {
            let (ctx, _) = rights(c, &user, &t, token)?;
            Ok((ctx, links::delete(c, &settings, &user, &t, &link_id)?))
        })
        .await?;
    let named = RowView::from(row);
    let message = format!("The account {} was deleted.", named.named());
    if wants_fragment(&req) {
        let page = Changed {
            ctx,
            added: None,
            replaced: None,
            removed: Some(named.id),
            message,
        };
        return fragment(&page, StatusCode::OK);
    }
    flash(&session, "success", message);
    Ok(see_other(&base(&tenant_id)))
}

/// Login: enter a connected customer tenant as oneself, within the link's access level.
pub async fn login(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, link_id) = path.into_inner();
    let ip = client_ip(&req, &state.settings);
    let acting = state
        .db(move |c| links::enter(c, &user, &tenant_id, &link_id, ip))
        .await?;
    layout::renew_session(&session)?;
    layout::set_acting(&session, Some(&acting));
    flash(
        &session,
        "success",
        format!(
            "You are now working in {} with the access level {}.",
            acting.customer, acting.access_level
        ),
    );
    Ok(see_other(&format!("/accounts/{}", acting.customer_id)))
}
