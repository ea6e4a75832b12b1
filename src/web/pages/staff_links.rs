//! Staff console: every linked account (search, status tabs, delete with a reason) and every
//! tenant (search, partner and multi-tenancy entitlements).

use super::{FormErrors, render, render_status, see_other, when};
use crate::domain::link::LinkStatus;
use crate::services::ServiceError;
use crate::services::links::{self, LinkFilter, LinkRow};
use crate::services::tenants::{self, Tenant};
use crate::web::extract::StaffUser;
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/staff/links").route(web::get().to(links_list)))
        .service(
            web::resource("/staff/links/{id}/delete")
                .route(web::get().to(delete_form))
                .route(web::post().to(delete)),
        )
        .service(web::resource("/staff/tenants").route(web::get().to(tenants_list)))
        .service(web::resource("/staff/tenants/{id}/partner").route(web::post().to(set_partner)))
        .service(
            web::resource("/staff/tenants/{id}/multi-tenancy")
                .route(web::post().to(set_multi_tenancy)),
        );
}

fn non_empty(s: &str, max: usize) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.chars().take(max).collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
    before: String,
    after: String,
}

/// The status tabs: the query value and the label.
const TABS: [(&str, &str); 6] = [
    ("", "All"),
    ("pending", "Pending"),
    ("connected", "Connected"),
    ("declined", "Declined"),
    ("expired", "Expired"),
    ("removed", "Removed"),
];

#[derive(Template)]
#[template(path = "pages/staff/links.html")]
struct LinksPage {
    layout: Layout,
    tabs: &'static [(&'static str, &'static str)],
    q: String,
    status: String,
    rows: Vec<LinkRow>,
    next_link: Option<String>,
    first_page: bool,
}

impl LinksPage {
    fn when(&self, t: impl std::borrow::Borrow<Option<chrono::NaiveDateTime>>) -> String {
        t.borrow().as_ref().map(when).unwrap_or_else(|| "—".into())
    }
    fn invited(&self, row: &LinkRow) -> String {
        when(&row.link.invited_at)
    }
    /// Keeps the search and the tab in the links of the page.
    fn query(&self, status: &str) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            q.append_pair("q", &self.q);
        }
        if !status.is_empty() {
            q.append_pair("status", status);
        }
        let q = q.finish();
        if q.is_empty() { q } else { format!("?{q}") }
    }
}

pub async fn links_list(
    StaffUser(user): StaffUser,
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let status = LinkStatus::parse(query.status.trim());
    let filter = LinkFilter {
        status,
        search: non_empty(&query.q, 254),
        before: non_empty(&query.before, 64),
        ..Default::default()
    };
    let first_page = filter.before.is_none();
    let (u, f) = (user.clone(), filter.clone());
    let page = state.db(move |c| links::list_all(c, &u, &f)).await?;
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        "Linked accounts",
        "staff",
    );
    let mut page = LinksPage {
        layout,
        tabs: &TABS,
        q: filter.search.unwrap_or_default(),
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        rows: page.rows,
        next_link: page.next,
        first_page,
    };
    page.next_link = page.next_link.take().map(|cursor| {
        let base = page.query(&page.status);
        let sep = if base.is_empty() { "?" } else { "&" };
        format!("/staff/links{base}{sep}before={cursor}")
    });
    render(&page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    reason: String,
}

#[derive(Template)]
#[template(path = "pages/staff/link_delete.html")]
struct DeletePage {
    layout: Layout,
    row: LinkRow,
    reason: String,
    errors: FormErrors,
}

async fn delete_page(
    state: &AppState,
    session: &Session,
    user: crate::services::users::User,
    id: String,
    reason: String,
    errors: Vec<crate::domain::FieldError>,
) -> Result<HttpResponse, AppError> {
    let u = user.clone();
    let row = state.db(move |c| links::get_any(c, &u, &id)).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let layout = Layout::new(
        session,
        &state.settings,
        Some(&user),
        "Delete a linked account",
        "staff",
    );
    let page = DeletePage {
        layout,
        row,
        reason: reason.chars().take(1010).collect(),
        errors: FormErrors(errors),
    };
    render_status(&page, status)
}

pub async fn delete_form(
    StaffUser(user): StaffUser,
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    delete_page(
        &state,
        &session,
        user,
        id.into_inner(),
        String::new(),
        vec![],
    )
    .await
}

pub async fn delete(
    StaffUser(user): StaffUser,
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let reason = form.into_inner().reason;
    let (u, i, r) = (user.clone(), id.clone(), reason.clone());
    let result = state
        .try_blocking(move |s| links::delete_by_staff(&mut *s.pool.get()?, &s.settings, &u, &i, &r))
        .await?;
    match result {
        Ok(ended) => {
            let customer = ended.customer.unwrap_or_else(|| ended.link.email.clone());
            flash(
                &session,
                "success",
                format!(
                    "The link between {} and {customer} was deleted.",
                    ended.partner
                ),
            );
            Ok(see_other("/staff/links"))
        }
        Err(ServiceError::Invalid(errors)) => {
            delete_page(&state, &session, user, id, reason, errors).await
        }
        Err(ServiceError::Conflict(message)) => {
            flash(&session, "error", message);
            Ok(see_other("/staff/links"))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/staff/tenants.html")]
struct TenantsPage {
    layout: Layout,
    q: String,
    rows: Vec<Tenant>,
    next_link: Option<String>,
    first_page: bool,
}

pub async fn tenants_list(
    StaffUser(user): StaffUser,
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let q = non_empty(&query.q, 100);
    let after = non_empty(&query.after, 110);
    let first_page = after.is_none();
    let (u, search) = (user.clone(), q.clone());
    let page = state
        .db(move |c| tenants::list_for_staff(c, &u, search.as_deref(), after.as_deref()))
        .await?;
    let next_link = page.next.map(|cursor| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if let Some(q) = &q {
            s.append_pair("q", q);
        }
        s.append_pair("after", &cursor);
        format!("/staff/tenants?{}", s.finish())
    });
    let layout = Layout::new(&session, &state.settings, Some(&user), "Tenants", "staff");
    render(&TenantsPage {
        layout,
        q: q.unwrap_or_default(),
        rows: page.rows,
        next_link,
        first_page,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PartnerForm {
    partner: String,
}

pub async fn set_partner(
    StaffUser(user): StaffUser,
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    form: web::Form<PartnerForm>,
) -> Result<HttpResponse, AppError> {
    let is_partner = match form.partner.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(AppError::bad_request(
                "Choose to give or take away the partner entitlement.",
            ));
        }
    };
    let id = id.into_inner();
    let tenant = state
        .db(move |c| tenants::set_partner(c, &user, &id, is_partner))
        .await?;
    let text = if is_partner {
        format!(
            "{} is now a partner: its admins can add customer accounts.",
            tenant.name
        )
    } else {
        format!("{} is no longer a partner.", tenant.name)
    };
    flash(&session, "success", text);
    let back = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &tenant.name)
        .finish();
    Ok(see_other(&format!("/staff/tenants?{back}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MultiTenancyForm {
    multi_tenancy: String,
}

pub async fn set_multi_tenancy(
    StaffUser(user): StaffUser,
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    form: web::Form<MultiTenancyForm>,
) -> Result<HttpResponse, AppError> {
    let enabled = match form.multi_tenancy.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(AppError::bad_request(
                "Choose to give or take away the multi-tenancy entitlement.",
            ));
        }
    };
    let id = id.into_inner();
    let tenant = state
        .db(move |c| tenants::set_multi_tenancy(c, &user, &id, enabled))
        .await?;
    let text = if enabled {
        format!(
            "{} now has the multi-tenancy entitlement: its core and full users with the sharing \
             permission can share accounts.",
            tenant.name
        )
    } else {
        format!(
            "{} no longer has the multi-tenancy entitlement; its existing shares stay until \
             they are revoked.",
            tenant.name
        )
    };
    flash(&session, "success", text);
    let back = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &tenant.name)
        .finish();
    Ok(see_other(&format!("/staff/tenants?{back}")))
}
