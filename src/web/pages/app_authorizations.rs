//! The tenant listing of a partner's app authorizations: environment tabs, tenant names and IDs,
//! filter by app, search, pagination, and Request Authorization on the environment's tab. Opened
//! from an app's page, it shows only that app's tenants and says so.

use super::{FormErrors, render_status, when};
use crate::domain::FieldError;
use crate::services::ServiceError;
use crate::services::app_authorizations::{self as authorizations, Filter, NewRequest, Row};
use crate::services::apps::{self, App};
use crate::services::users::User;
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/accounts/{partner}/app-tenants").route(web::get().to(list)))
        .service(
            web::resource("/accounts/{partner}/app-tenants/request").route(web::post().to(request)),
        )
        .service(
            web::resource("/accounts/{partner}/apps/{app}/tenants").route(web::get().to(of_app)),
        );
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListQuery {
    environment: String,
    app: String,
    q: String,
    before: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RequestForm {
    pub environment: String,
    pub app: String,
    pub customer_name: String,
    pub account_number: String,
    pub contact_email: String,
    pub info: String,
    pub valid_until: String,
}

pub struct Tab {
    pub label: String,
    pub href: String,
    pub current: bool,
}

pub struct RowView {
    pub id: String,
    pub tenant: String,
    pub tenant_id: Option<String>,
    pub account_number: String,
    pub app: String,
    pub status: &'static str,
    pub authorized: String,
    pub valid_until: String,
    pub last_used: String,
    pub editable: bool,
}

impl From<Row> for RowView {
    fn from(r: Row) -> Self {
        let a = &r.authorization;
        let status = r.status();
        Self {
            id: a.id.clone(),
            tenant_id: a.tenant_id.clone(),
            account_number: a.account_number.clone(),
            status: status.label(),
            authorized: a.authorized_at.as_ref().map(when).unwrap_or_default(),
            valid_until: a
                .valid_until
                .as_ref()
                .map(when)
                .unwrap_or_else(|| "No end".into()),
            last_used: a
                .last_used_at
                .as_ref()
                .map(when)
                .unwrap_or_else(|| "Never".into()),
            editable: a.tenant_id.is_some(),
            tenant: r.tenant,
            app: r.app,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/app_authorizations/list.html")]
struct ListPage {
    layout: Layout,
    partner_id: String,
    base: String,
    /// Opened from an app's page: only its tenants.
    fixed_app: Option<App>,
    apps: Vec<App>,
    tabs: Vec<Tab>,
    environment: String,
    environment_name: String,
    q: ListQuery,
    rows: Vec<RowView>,
    next_link: Option<String>,
    first_link: Option<String>,
    form: RequestForm,
    errors: FormErrors,
}

fn url(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        s.append_pair(k, v);
    }
    format!("{base}?{}", s.finish())
}

struct Ask {
    partner_id: String,
    fixed_app: Option<String>,
    query: ListQuery,
    form: RequestForm,
    errors: Vec<FieldError>,
}

async fn page(
    state: &AppState,
    session: &Session,
    user: User,
    ask: Ask,
) -> Result<HttpResponse, AppError> {
    let settings = state.settings.clone();
    let mut q = ask.query;
    if settings.environment(q.environment.trim()).is_none() {
        q.environment = settings.environments[0].key.clone();
    }
    let app_filter = ask
        .fixed_app
        .clone()
        .or(Some(q.app.trim().to_string()))
        .filter(|a| !a.is_empty());
    q.app = app_filter.clone().unwrap_or_default();
    q.q = q.q.trim().chars().take(100).collect();
    let before =
        Some(q.before.trim().chars().take(64).collect::<String>()).filter(|b| !b.is_empty());
    let filter = Filter {
        app_id: app_filter.clone(),
        environment: q.environment.clone(),
        search: Some(q.q.clone()).filter(|s| !s.is_empty()),
        before: before.clone(),
        limit: None,
    };
    let (u, p, fixed) = (user.clone(), ask.partner_id.clone(), ask.fixed_app.clone());
    let s2 = settings.clone();
    let (page, apps, fixed_app) = state
        .db(move |c| {
            let page = authorizations::list_for_partner(c, &s2, &u, &p, &filter)?;
            let fixed_app = match fixed {
                Some(id) => Some(apps::get(c, &u, &p, &id)?),
                None => None,
            };
            Ok::<_, ServiceError>((page, apps::options(c, &p)?, fixed_app))
        })
        .await?;
    let base = match &fixed_app {
        Some(a) => format!("/accounts/{}/apps/{}/tenants", ask.partner_id, a.id),
        None => format!("/accounts/{}/app-tenants", ask.partner_id),
    };
    let app_param = if fixed_app.is_some() {
        ""
    } else {
        q.app.as_str()
    };
    let tabs = settings
        .environments
        .iter()
        .map(|e| Tab {
            label: e.name.clone(),
            href: url(&base, &[("environment", &e.key), ("app", app_param)]),
            current: e.key == q.environment,
        })
        .collect();
    let here = [
        ("environment", q.environment.as_str()),
        ("app", app_param),
        ("q", q.q.as_str()),
    ];
    let next_link = page.next.as_deref().map(|n| {
        let mut pairs = here.to_vec();
        pairs.push(("before", n));
        url(&base, &pairs)
    });
    let first_link = before.is_some().then(|| url(&base, &here));
    let environment_name = settings
        .environment(&q.environment)
        .map(|e| e.name.clone())
        .unwrap_or_default();
    let mut form = ask.form;
    if form.app.is_empty() {
        form.app = q.app.clone();
    }
    let status = if ask.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let layout = Layout::new(session, &state.settings, Some(&user), "Tenants", "accounts");
    let view = ListPage {
        layout,
        partner_id: ask.partner_id,
        base,
        fixed_app,
        apps,
        tabs,
        environment: q.environment.clone(),
        environment_name,
        q,
        rows: page.rows.into_iter().map(RowView::from).collect(),
        next_link,
        first_link,
        form,
        errors: FormErrors(ask.errors),
    };
    render_status(&view, status)
}

pub async fn list(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ask = Ask {
        partner_id: path.into_inner(),
        fixed_app: None,
        query: query.into_inner(),
        form: RequestForm::default(),
        errors: vec![],
    };
    page(&state, &session, user, ask).await
}

pub async fn of_app(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (partner_id, app_id) = path.into_inner();
    let ask = Ask {
        partner_id,
        fixed_app: Some(app_id.chars().take(64).collect()),
        query: query.into_inner(),
        form: RequestForm::default(),
        errors: vec![],
    };
    page(&state, &session, user, ask).await
}

pub async fn request(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: web::Form<RequestForm>,
) -> Result<HttpResponse, AppError> {
    let partner_id = path.into_inner();
    let form = form.into_inner();
    let input = NewRequest {
        app_id: form.app.clone(),
        environment: form.environment.clone(),
        customer_name: form.customer_name.clone(),
        account_number: form.account_number.clone(),
        contact_email: form.contact_email.clone(),
        info: form.info.clone(),
        valid_until: form.valid_until.clone(),
    };
    let (u, p, settings) = (user.clone(), partner_id.clone(), state.settings.clone());
    let result = state
        .try_db(move |c| authorizations::request(c, &settings, &u, &p, &input))
        .await?;
    match result {
        Ok(row) => {
            flash(
                &session,
                "success",
                format!(
                    "Authorization of {} requested: {} was emailed a confirmation link. It is Pending until they approve.",
                    row.app, row.authorization.contact_email
                ),
            );
            let to = url(
                &format!("/accounts/{partner_id}/app-tenants"),
                &[
                    ("environment", &row.authorization.environment),
                    ("app", &row.authorization.app_id),
                ],
            );
            Ok(super::see_other(&to))
        }
        Err(ServiceError::Invalid(errors)) => {
            let ask = Ask {
                partner_id,
                fixed_app: None,
                query: ListQuery {
                    environment: form.environment.clone(),
                    app: form.app.clone(),
                    ..ListQuery::default()
                },
                form,
                errors,
            };
            page(&state, &session, user, ask).await
        }
        Err(e) => Err(e.into()),
    }
}
