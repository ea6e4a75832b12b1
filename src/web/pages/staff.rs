//! The staff console: the audit log and the mail outbox.

use super::{render, see_other, when};
use crate::services::audit::{self, AuditFilter, AuditRow, actions};
use crate::services::outbox::{self, OutboxMessage};
use crate::web::extract::StaffUser;
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub const PAGE_SIZE: i64 = 50;

#[derive(Template)]
#[template(path = "pages/staff/console.html")]
struct ConsolePage {
    layout: Layout,
    pending: i64,
    failed: i64,
}

pub async fn console(
    StaffUser(user): StaffUser,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let (pending, failed) = state
        .db(|c| {
            Ok((
                outbox::count_by_status(c, outbox::PENDING)?,
                outbox::count_by_status(c, outbox::FAILED)?,
            ))
        })
        .await?;
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        "Staff console",
        "staff",
    );
    render(&ConsolePage {
        layout,
        pending,
        failed,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    action: String,
    who: String,
    before: String,
}

#[derive(Template)]
#[template(path = "pages/staff/audit.html")]
struct AuditPage {
    layout: Layout,
    actions: &'static [&'static str],
    action: String,
    who: String,
    rows: Vec<AuditRow>,
    next_link: Option<String>,
    first_page: bool,
}

impl AuditPage {
    fn when(&self, row: &AuditRow) -> String {
        when(&row.occurred_at)
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.chars().take(254).collect())
}

pub async fn audit(
    StaffUser(user): StaffUser,
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let action = non_empty(&query.action).filter(|a| actions::ALL.contains(&a.as_str()));
    let filter = AuditFilter {
        action: action.clone(),
        who: non_empty(&query.who),
        before: non_empty(&query.before),
    };
    let first_page = filter.before.is_none();
    let f = filter.clone();
    let page = state.db(move |c| audit::list(c, &f, PAGE_SIZE)).await?;
    let next_link = page.next.map(|cursor| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(a) = &filter.action {
            q.append_pair("action", a);
        }
        if let Some(w) = &filter.who {
            q.append_pair("who", w);
        }
        q.append_pair("before", &cursor);
        format!("/staff/audit?{}", q.finish())
    });
    let layout = Layout::new(&session, &state.settings, Some(&user), "Audit log", "staff");
    render(&AuditPage {
        layout,
        actions: actions::ALL,
        action: action.unwrap_or_default(),
        who: filter.who.unwrap_or_default(),
        rows: page.rows,
        next_link,
        first_page,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MailQuery {
    status: String,
    before: String,
}

#[derive(Template)]
#[template(path = "pages/staff/mail.html")]
struct MailPage {
    layout: Layout,
    status: String,
    rows: Vec<OutboxMessage>,
    next_link: Option<String>,
    first_page: bool,
}

impl MailPage {
    fn when(&self, t: &chrono::NaiveDateTime) -> String {
        when(t)
    }
}

pub async fn mail(
    StaffUser(user): StaffUser,
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<MailQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let status = [outbox::PENDING, outbox::SENT, outbox::FAILED]
        .into_iter()
        .find(|s| *s == query.status);
    let before = non_empty(&query.before);
    let first_page = before.is_none();
    let page = state
        .db(move |c| outbox::list(c, status, before.as_deref(), PAGE_SIZE))
        .await?;
    let next_link = page.next.map(|cursor| match status {
        Some(s) => format!("/staff/mail?status={s}&before={cursor}"),
        None => format!("/staff/mail?before={cursor}"),
    });
    let layout = Layout::new(&session, &state.settings, Some(&user), "Mail", "staff");
    render(&MailPage {
        layout,
        status: status.unwrap_or("").to_string(),
        rows: page.rows,
        next_link,
        first_page,
    })
}

pub async fn retry_mail(
    StaffUser(user): StaffUser,
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = user.actor();
    let message = state.db(move |c| outbox::retry(c, &id, actor)).await?;
    flash(
        &session,
        "success",
        format!(
            "The message to {} will be sent again now.",
            message.to_address
        ),
    );
    Ok(see_other("/staff/mail?status=pending"))
}
