//! The dev mailbox: without SMTP, sent mail is kept and shown here so that a local user can
//! follow emailed links. It does not exist when SMTP is configured.

use super::{render, when};
use crate::services::outbox::{self, OutboxMessage};
use crate::web::extract::load_user;
use crate::web::layout::Layout;
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/devmail/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<OutboxMessage>,
    next_link: Option<String>,
    first_page: bool,
}

impl ListPage {
    fn when(&self, t: &chrono::NaiveDateTime) -> String {
        when(t)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    before: String,
}

fn enabled(state: &AppState) -> Result<(), AppError> {
    if state.settings.dev_mailbox_enabled() {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    enabled(&state)?;
    let user = load_user(&req, &session).await?;
    let before = Some(query.into_inner().before).filter(|b| !b.is_empty());
    let first_page = before.is_none();
    let page = state
        .db(move |c| outbox::list(c, None, before.as_deref(), 50))
        .await?;
    let next_link = page
        .next
        .map(|cursor| format!("/dev/mailbox?before={cursor}"));
    let layout = Layout::new(
        &session,
        &state.settings,
        user.as_ref(),
        "Dev mailbox",
        "devmail",
    );
    render(&ListPage {
        layout,
        rows: page.rows,
        next_link,
        first_page,
    })
}

#[derive(Template)]
#[template(path = "pages/devmail/show.html")]
struct ShowPage {
    layout: Layout,
    message: OutboxMessage,
    links: Vec<String>,
    created: String,
}

/// The links of a plain-text body, so they can be clicked.
fn links_in(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ')', '>']).to_string())
        .collect()
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    enabled(&state)?;
    let user = load_user(&req, &session).await?;
    let id = id.into_inner();
    let message = state
        .db(move |c| outbox::find(c, &id))
        .await?
        .ok_or_else(AppError::not_found)?;
    let links = links_in(&message.body_text);
    let created = when(&message.created_at);
    let layout = Layout::new(
        &session,
        &state.settings,
        user.as_ref(),
        message.subject.clone(),
        "devmail",
    );
    render(&ShowPage {
        layout,
        message,
        links,
        created,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_links_in_text() {
        let links =
            super::links_in("Open https://portal.example/invitations/abc. Or http://x.example/y,");
        assert_eq!(
            links,
            vec![
                "https://portal.example/invitations/abc",
                "http://x.example/y"
            ]
        );
    }
}
