//! Apps: a partner's Apps page (list, register), an app's page (Overview with the Tenants
//! section: counts per environment, each opening the tenant listing), and rotating the secret.
//! A new secret is shown on the page that answers the POST, once; it never enters the session.

use super::{FormErrors, render, render_status};
use crate::services::ServiceError;
use crate::services::app_authorizations::{self as authorizations, EnvironmentCount};
use crate::services::apps::{self, App, AppPage, WithSecret};
use crate::services::users::User;
use crate::web::extract::CurrentUser;
use crate::web::layout::Layout;
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/accounts/{partner}/apps")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/accounts/{partner}/apps/{app}").route(web::get().to(show)))
    .service(web::resource("/accounts/{partner}/apps/{app}/secret").route(web::post().to(rotate)));
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AppForm {
    name: String,
    description: String,
    after: String,
}

#[derive(Template)]
#[template(path = "pages/apps/list.html")]
struct ListPage {
    layout: Layout,
    partner_id: String,
    page: AppPage,
    form: AppForm,
    errors: FormErrors,
    later: bool,
}

#[derive(Template)]
#[template(path = "pages/apps/secret.html")]
struct SecretPage {
    layout: Layout,
    partner_id: String,
    created: bool,
    w: WithSecret,
}

#[derive(Template)]
#[template(path = "pages/apps/show.html")]
struct ShowPage {
    layout: Layout,
    partner_id: String,
    app: App,
    counts: Vec<EnvironmentCount>,
    created: String,
    rotated: String,
}

async fn list_page(
    state: &AppState,
    session: &Session,
    user: User,
    partner_id: String,
    form: AppForm,
    errors: Vec<crate::domain::FieldError>,
) -> Result<HttpResponse, AppError> {
    let after =
        Some(form.after.trim().chars().take(64).collect::<String>()).filter(|a| !a.is_empty());
    let (u, p, a) = (user.clone(), partner_id.clone(), after.clone());
    let page = state
        .db(move |c| apps::list(c, &u, &p, a.as_deref(), None))
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let layout = Layout::new(session, &state.settings, Some(&user), "Apps", "accounts");
    let page = ListPage {
        layout,
        partner_id,
        page,
        form,
        errors: FormErrors(errors),
        later: after.is_some(),
    };
    render_status(&page, status)
}

pub async fn list(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<AppForm>,
) -> Result<HttpResponse, AppError> {
    let form = AppForm {
        after: query.into_inner().after,
        ..AppForm::default()
    };
    list_page(&state, &session, user, path.into_inner(), form, vec![]).await
}

pub async fn create(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: web::Form<AppForm>,
) -> Result<HttpResponse, AppError> {
    let partner_id = path.into_inner();
    let mut form = form.into_inner();
    form.after.clear();
    let (u, p, f) = (user.clone(), partner_id.clone(), form.clone());
    let result = state
        .try_db(move |c| apps::create(c, &u, &p, &f.name, &f.description))
        .await?;
    match result {
        Ok(w) => secret_page(&state, &session, &user, partner_id, true, w),
        Err(ServiceError::Invalid(errors)) => {
            list_page(&state, &session, user, partner_id, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

fn secret_page(
    state: &AppState,
    session: &Session,
    user: &User,
    partner_id: String,
    created: bool,
    w: WithSecret,
) -> Result<HttpResponse, AppError> {
    let title = format!("{} · credentials", w.app.name);
    let layout = Layout::new(session, &state.settings, Some(user), title, "accounts");
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    render_status(
        &SecretPage {
            layout,
            partner_id,
            created,
            w,
        },
        status,
    )
}

pub async fn show(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (partner_id, app_id) = path.into_inner();
    let (u, p, settings) = (user.clone(), partner_id.clone(), state.settings.clone());
    let (app, counts) = state
        .db(move |c| authorizations::counts(c, &settings, &u, &p, &app_id))
        .await?;
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        app.name.clone(),
        "accounts",
    );
    render(&ShowPage {
        layout,
        partner_id,
        created: super::when(&app.created_at),
        rotated: super::when(&app.secret_rotated_at),
        app,
        counts,
    })
}

pub async fn rotate(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (partner_id, app_id) = path.into_inner();
    let (u, p) = (user.clone(), partner_id.clone());
    let w = state
        .db(move |c| apps::rotate_secret(c, &u, &p, &app_id))
        .await?;
    secret_page(&state, &session, &user, partner_id, false, w)
}
