//! Account sharing: a managing tenant's Shared accounts page (share, change the limiting role,
//! revoke behind a confirmation page) and a target's Accounts shared with us. Every rule is in
//! services::shares.

use super::tenant_tabs::{self, Tab, TenantTabs, tabbed_page};
use super::{FormErrors, render, see_other, when};
use crate::domain::FieldError;
use crate::domain::period::end_date_range;
use crate::services::grant_periods as extensions;
use crate::services::shares::{self, ManageView, NewShare, Share, SharedWithPage};
use crate::services::users::User;
use crate::services::{ServiceError, now};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/accounts/{tenant}/shares")
            .route(web::get().to(show))
            .route(web::post().to(create)),
    )
    .service(web::resource("/accounts/{tenant}/shares/{share}/role").route(web::post().to(change)))
    .service(
        web::resource("/accounts/{tenant}/shares/{share}/revoke")
            .route(web::get().to(revoke_form))
            .route(web::post().to(revoke)),
    )
    .service(web::resource("/accounts/{tenant}/shared-with-us").route(web::get().to(shared_with)))
    .service(
        web::resource("/accounts/{tenant}/shared-with-us/{share}/extension")
            .route(web::post().to(request_extension)),
    );
}

fn page_of(tenant_id: &str) -> String {
    format!("/accounts/{tenant_id}/shares")
}

/// A cursor from the query string: trimmed, bounded, or none.
fn cursor(raw: &str) -> Option<String> {
    Some(raw.trim().chars().take(64).collect::<String>()).filter(|c| !c.is_empty())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    before: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ShareForm {
    account_id: String,
    target_tenant_id: String,
    limiting_role_id: String,
    ends_at: String,
}

#[derive(Template)]
#[template(path = "pages/shares/list.html", blocks = ["tab"])]
struct ListPage {
    layout: Layout,
    tabs: TenantTabs,
    v: ManageView,
    form: ShareForm,
    errors: FormErrors,
    /// A refused change of a limiting role, said at the top.
    alert: Option<String>,
    min_end: String,
    max_end: String,
    later: bool,
}
tabbed_page!(ListPage);

impl ListPage {
    fn when(&self, t: &chrono::NaiveDateTime) -> String {
        when(t)
    }
    fn ends(&self, s: &Share) -> String {
        match &s.ends_at {
            None => "No end date".into(),
            Some(e) if s.is_active() => when(e),
            Some(e) => format!("Ended {}", when(e)),
        }
    }
}

struct Render {
    form: ShareForm,
    errors: Vec<FieldError>,
    alert: Option<String>,
    before: Option<String>,
}

async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    user: User,
    tenant_id: String,
    r: Render,
) -> Result<HttpResponse, AppError> {
    let (u, before) = (user.clone(), r.before.clone());
    let (v, tabs) = state
        .db(move |c| {
            let v = shares::manage_view(c, &u, &tenant_id, before.as_deref())?;
            Ok((v, tenant_tabs::load(c, &u, &tenant_id, Tab::Shares)?))
        })
        .await?;
    let status = if r.errors.is_empty() && r.alert.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (min, max) = end_date_range(now().date());
    let title = format!("Shared accounts · {}", v.standing.managing.name);
    let layout = Layout::new(session, &state.settings, Some(&user), title, "accounts");
    let page = ListPage {
        layout,
        tabs,
        v,
        form: r.form,
        errors: FormErrors(r.errors),
        alert: r.alert,
        min_end: min.to_string(),
        max_end: max.to_string(),
        later: r.before.is_some(),
    };
    tenant_tabs::respond(req, &page, status)
}

pub async fn show(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let r = Render {
        form: ShareForm::default(),
        errors: vec![],
        alert: None,
        before: cursor(&query.before),
    };
    list_page(&req, &state, &session, user, path.into_inner(), r).await
}

pub async fn create(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: web::Form<ShareForm>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let form = form.into_inner();
    let input = NewShare {
        account_id: form.account_id.clone(),
        target_tenant_id: form.target_tenant_id.clone(),
        limiting_role_id: form.limiting_role_id.clone(),
        ends_at: form.ends_at.clone(),
    };
    let (u, tid) = (user.clone(), tenant_id.clone());
    let result = state
        .try_db(move |c| shares::create(c, &u, &tid, &input))
        .await?;
    match result {
        Ok(share) => {
            flash(
                &session,
                "success",
                format!(
                    "{} is now shared with {}, limited to {}.",
                    share.account_name, share.target_name, share.limiting_role
                ),
            );
            Ok(see_other(&page_of(&tenant_id)))
        }
        Err(ServiceError::Invalid(errors)) => {
            let r = Render {
                form,
                errors,
                alert: None,
                before: None,
            };
            list_page(&req, &state, &session, user, tenant_id, r).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoleForm {
    limiting_role_id: String,
}

pub async fn change(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, share_id) = path.into_inner();
    let role = form.into_inner().limiting_role_id;
    let (u, tid) = (user.clone(), tenant_id.clone());
    let result = state
        .try_db(move |c| shares::change_role(c, &u, &tid, &share_id, &role))
        .await?;
    match result {
        Ok(share) => {
            let text = format!(
                "The share of {} with {} is now limited to {}.",
                share.account_name, share.target_name, share.limiting_role
            );
            flash(&session, "success", text);
            Ok(see_other(&page_of(&tenant_id)))
        }
        Err(ServiceError::Invalid(errors)) => {
            let text: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            let r = Render {
                form: ShareForm::default(),
                errors: vec![],
                alert: Some(format!("Nothing was changed. {}", text.join(" "))),
                before: None,
            };
            list_page(&req, &state, &session, user, tenant_id, r).await
        }
        Err(ServiceError::Conflict(message)) => {
            flash(&session, "error", message);
            Ok(see_other(&page_of(&tenant_id)))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/shares/revoke.html")]
struct RevokePage {
    layout: Layout,
    tenant_id: String,
    share: Share,
}

pub async fn revoke_form(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, share_id) = path.into_inner();
    let (u, tid) = (user.clone(), tenant_id.clone());
    let share = state
        .db(move |c| {
            shares::standing(c, &u, &tid)?.require()?;
            shares::managed(c, &tid, &share_id)
        })
        .await?;
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        "Revoke a share",
        "accounts",
    );
    render(&RevokePage {
        layout,
        tenant_id,
        share,
    })
}

pub async fn revoke(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, share_id) = path.into_inner();
    let (u, tid) = (user.clone(), tenant_id.clone());
    let result = state
        .try_db(move |c| shares::revoke(c, &u, &tid, &share_id))
        .await?;
    match result {
        Ok(share) => flash(
            &session,
            "success",
            format!(
                "{} is no longer shared with {}.",
                share.account_name, share.target_name
            ),
        ),
        Err(ServiceError::Conflict(message)) => flash(&session, "error", message),
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&page_of(&tenant_id)))
}

#[derive(Template)]
#[template(path = "pages/shares/shared_with.html", blocks = ["tab"])]
struct SharedWithUsPage {
    layout: Layout,
    tabs: TenantTabs,
    p: SharedWithPage,
    later: bool,
}
tabbed_page!(SharedWithUsPage);

impl SharedWithUsPage {
    fn when(&self, t: &chrono::NaiveDateTime) -> String {
        when(t)
    }
}

pub async fn shared_with(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let before = cursor(&query.before);
    let (u, b) = (user.clone(), before.clone());
    let (p, tabs) = state
        .db(move |c| {
            let p = shares::list_shared_with(c, &u, &tenant_id, b.as_deref(), None)?;
            Ok((p, tenant_tabs::load(c, &u, &tenant_id, Tab::Shares)?))
        })
        .await?;
    let title = format!("Accounts shared with us · {}", p.tenant.name);
    let layout = Layout::new(&session, &state.settings, Some(&user), title, "accounts");
    let page = SharedWithUsPage {
        layout,
        tabs,
        p,
        later: before.is_some(),
    };
    tenant_tabs::respond(&req, &page, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExtensionForm {
    ends_at: String,
}

/// The target asks the managing tenant for more time on a share; the sharer confirms from the
/// emailed link.
pub async fn request_extension(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<ExtensionForm>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, share_id) = path.into_inner();
    let (u, t, settings) = (user.clone(), tenant_id.clone(), state.settings.clone());
    let result = state
        .try_db(move |c| {
            extensions::request_extension(c, &settings, &u, &t, &share_id, &form.ends_at)
        })
        .await?;
    let back = format!("/accounts/{tenant_id}/shared-with-us");
    match result {
        Ok(ext) => flash(
            &session,
            "success",
            format!(
                "You asked for access until {}. The account's managers were emailed to confirm.",
                when(&ext.requested_ends_at)
            ),
        ),
        Err(ServiceError::Invalid(errors)) => {
            let text = errors.into_iter().map(|e| e.message).collect::<Vec<_>>();
            flash(&session, "error", text.join(" "));
        }
        Err(ServiceError::Conflict(message)) => flash(&session, "error", message),
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&back))
}
