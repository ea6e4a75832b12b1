//! A tenant's Activity page: its shared timeline (what happened here, also through grants, and
//! what its members did elsewhere through its grants), filtered by actor, tenant and action,
//! 50 a page, and the same filters as a CSV download. The rules are `services::activity`; with
//! htmx the filter form and the pager swap the results region, rendered from the same block.

use super::tenant_tabs::{self, Tab, TenantTabs, tabbed_page};
use crate::services::activity::{self, ActivityEvent, Export, Filter, TenantRef, labels};
use crate::services::users::User;
use crate::web::extract::{CurrentUser, is_htmx};
use crate::web::layout::Layout;
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::body::{BodySize, MessageBody};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::pin::Pin;
use std::task::{Context, Poll};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/accounts/{tenant}/activity").route(web::get().to(show)))
        .service(web::resource("/accounts/{tenant}/activity.csv").route(web::get().to(csv)));
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Query {
    actor: String,
    tenant: String,
    action: String,
    before: String,
}

impl Query {
    fn raw(&self) -> (&str, &str, &str) {
        (&self.actor, &self.tenant, &self.action)
    }
}

/// The URL of the page (or of the CSV) with the filters, and the cursor when given.
fn url(base: &str, f: &Filter, before: Option<&str>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("actor", &f.actor),
        ("tenant", &f.tenant),
        ("action", &f.action),
    ] {
        if let Some(v) = value {
            q.append_pair(name, v);
        }
    }
    if let Some(b) = before {
        q.append_pair("before", b);
    }
    let q = q.finish();
    if q.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{q}")
    }
}

/// One event as a row.
pub struct RowView {
    when: String,
    who: String,
    acting: String,
    in_tenant: Option<String>,
    grant: Option<String>,
    grant_href: Option<String>,
    action: String,
    code: String,
    subject: String,
    detail: String,
}

impl RowView {
    fn new(e: ActivityEvent, tenant_id: &str) -> Self {
        let grant_href = e.grant.as_ref().and_then(|g| {
            if g.kind != "partner_link" {
                None
            } else if g.owner_tenant_id.as_deref() == Some(tenant_id) {
                Some(format!("/accounts/{tenant_id}/partner-access"))
            } else if g.grantee_tenant_id == tenant_id {
                Some(format!("/accounts/{tenant_id}/customers"))
            } else {
                None
            }
        });
        Self {
            when: super::when(&e.occurred_at),
            who: e.actor_email.clone().unwrap_or_else(|| "—".into()),
            acting: match &e.acting_tenant {
                Some(t) if t.id == tenant_id => "this account".into(),
                Some(t) => t.name.clone(),
                None => "—".into(),
            },
            in_tenant: e.in_tenant.as_ref().map(|t| t.name.clone()),
            grant: e
                .grant
                .as_ref()
                .map(|g| format!("{} · {}", g.kind_words(), g.access_level)),
            grant_href,
            action: e.action_words(),
            code: e.action.clone(),
            subject: e.subject.clone().unwrap_or_else(|| "—".into()),
            detail: e.detail,
        }
    }
}

/// The results region: swapped alone by htmx.
pub struct Region {
    tenant_id: String,
    rows: Vec<RowView>,
    errors: Vec<String>,
    filtered: bool,
    next_link: Option<String>,
    first_link: Option<String>,
    csv_link: String,
    clear_link: String,
}

#[derive(Template)]
#[template(path = "pages/activity/show.html", blocks = ["tab"])]
struct Page {
    layout: Layout,
    tabs: TenantTabs,
    actor: String,
    tenant: String,
    action: String,
    tenants: Vec<TenantRef>,
    actions: Vec<(&'static str, String)>,
    v: Region,
}
tabbed_page!(Page);

#[derive(Template)]
#[template(path = "pages/activity/show.html", block = "region")]
struct RegionFragment {
    v: Region,
}

pub async fn show(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let query = query.into_inner();
    let before: Option<String> =
        Some(query.before.trim().chars().take(64).collect::<String>()).filter(|b| !b.is_empty());
    let (u, tid, b) = (user.clone(), tenant_id.clone(), before.clone());
    let (view, tabs) = state
        .read(move |c| {
            let view = activity::view(c, &u, &tid, query.raw(), b.as_deref())?;
            let tabs = TenantTabs::of(&view.access, Tab::Activity);
            Ok((view, tabs))
        })
        .await?;
    let base = format!("/accounts/{tenant_id}/activity");
    let f = &view.filter;
    let v = Region {
        rows: view
            .page
            .events
            .into_iter()
            .map(|e| RowView::new(e, &tenant_id))
            .collect(),
        errors: view.errors.iter().map(|e| e.message.clone()).collect(),
        filtered: *f != Filter::default(),
        next_link: view.page.next.as_deref().map(|n| url(&base, f, Some(n))),
        first_link: before.as_ref().map(|_| url(&base, f, None)),
        csv_link: url(&format!("{base}.csv"), f, None),
        clear_link: base.clone(),
        tenant_id: tenant_id.clone(),
    };
    let status = if v.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let region_only = is_htmx(&req)
        && !tenant_tabs::wants_panel(&req)
        && !req.headers().contains_key("HX-History-Restore-Request");
    if region_only {
        return Ok(HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Vary", "HX-Request"))
            .body(RegionFragment { v }.render()?));
    }
    let title = format!("Activity · {}", view.access.tenant_name);
    let layout = Layout::new(&session, &state.settings, Some(&user), title, "accounts");
    let page = Page {
        layout,
        tabs,
        actor: f.actor.clone().unwrap_or_default(),
        tenant: f.tenant.clone().unwrap_or_default(),
        action: f.action.clone().unwrap_or_default(),
        tenants: view.tenant_options,
        actions: labels::options(),
        v,
    };
    tenant_tabs::respond(&req, &page, status)
}

/// The file's body: batches written by a blocking task, at most two waiting, so memory stays
/// bounded however many rows the export has.
struct CsvBody(tokio::sync::mpsc::Receiver<Bytes>);

impl MessageBody for CsvBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        self.0.poll_recv(cx).map(|b| b.map(Ok))
    }
}

/// The CSV export with the page's filters: checked like the page (404/403, then 422 for a bad
/// filter) before the first byte is sent.
pub async fn csv(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let query = query.into_inner();
    let tid = tenant_id.clone();
    let (filter, number) = state
        .db(move |c| authorize_export(c, &user, &tid, query.raw()))
        .await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(2);
    let pool = state.pool.clone();
    let mut export = Export::new(&tenant_id, filter);
    // Each batch takes a connection and gives it back, so a long export never holds the pool.
    actix_web::rt::task::spawn_blocking(move || {
        loop {
            let chunk = pool
                .get()
                .map_err(crate::services::ServiceError::from)
                .and_then(|mut c| export.next_chunk(&mut c));
            match chunk {
                Ok(Some(bytes)) => {
                    if tx.blocking_send(Bytes::from(bytes)).is_err() {
                        break; // the client went away
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = ?e, "activity export failed");
                    let _ = tx.blocking_send(Bytes::from_static(
                        b"# The export failed before the end. Try again.\r\n",
                    ));
                    break;
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"activity-{number}.csv\""),
        ))
        .body(CsvBody(rx)))
}

fn authorize_export(
    c: &mut crate::db::AnyConnection,
    user: &User,
    tenant_id: &str,
    raw: (&str, &str, &str),
) -> crate::services::ServiceResult<(Filter, String)> {
    // Authorization first, so another tenant's id is a 404 whatever the filter says.
    activity::authorize(c, user, tenant_id, &Filter::default())?;
    let filter = Filter::clean(raw.0, raw.1, raw.2)?;
    activity::authorize(c, user, tenant_id, &filter)?;
    let tenant = crate::services::tenants::find(c, tenant_id)?
        .ok_or(crate::services::ServiceError::NotFound)?;
    Ok((filter, tenant.account_number))
}
