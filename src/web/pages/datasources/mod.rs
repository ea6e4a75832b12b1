//! The Data sources tab of the tenant page: the tenant's data sources and those shared with it,
//! create, view (never the password), edit, delete with confirmation, Reveal (a POST, audited)
//! and the sharing form. Every rule is in `services::datasources`.

mod detail;
mod sharing;

use detail::{confirm_delete, delete, reveal, show, update};
use sharing::{save_sharing, sharing};

use super::tenant_tabs::{self, Tab, TenantTabs, tabbed_page};
use super::{FormErrors, see_other};
use crate::domain::FieldError;
use crate::domain::permission::Permission;
use crate::services::ServiceError;
use crate::services::datasources::{
    self, DataSource, Input, KINDS, PERMISSIONS, ShareEntry, SharedTenant,
};
use crate::services::users::User;
use crate::web::extract::{CurrentUser, client_ip};
use crate::web::layout::{Layout, flash};
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeSet;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/accounts/{id}/datasources")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/accounts/{id}/datasources/{ds}")
            .wrap(from_fn(listed_here))
            .route(web::get().to(show))
            .route(web::post().to(update)),
    )
    .service(
        web::resource("/accounts/{id}/datasources/{ds}/reveal")
            .wrap(from_fn(listed_here))
            .route(web::post().to(reveal)),
    )
    .service(
        web::resource("/accounts/{id}/datasources/{ds}/delete")
            .wrap(from_fn(listed_here))
            .route(web::get().to(confirm_delete))
            .route(web::post().to(delete)),
    )
    .service(
        web::resource("/accounts/{id}/datasources/{ds}/sharing")
            .wrap(from_fn(listed_here))
            .route(web::get().to(sharing))
            .route(web::post().to(save_sharing)),
    );
}

/// A data source's pages exist only under the tenant that owns it or one it is shared with;
/// under any other tenant they are not found, like a missing one.
async fn listed_here(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody + 'static>,
    actix_web::Error,
> {
    let tenant_id = req.match_info().get("id").unwrap_or_default().to_string();
    let ds_id = req.match_info().get("ds").unwrap_or_default().to_string();
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))?;
    let listed = state
        .db(move |c| datasources::is_listed_in(c, &ds_id, &tenant_id))
        .await?;
    if !listed {
        return Err(AppError::not_found().into());
    }
    next.call(req).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DataSourceForm {
    pub name: String,
    pub kind: String,
    pub host: String,
    pub port: String,
    pub database: String,
    pub username: String,
    pub password: String,
    pub description: String,
}

impl DataSourceForm {
    fn of(d: &DataSource) -> Self {
        Self {
            name: d.name.clone(),
            kind: d.kind.clone(),
            host: d.host.clone(),
            port: d.port.map(|p| p.to_string()).unwrap_or_default(),
            database: d.database.clone(),
            username: d.username.clone(),
            password: String::new(),
            description: d.description.clone(),
        }
    }

    /// The service's input; a port that is not a number is refused here.
    fn input(&self) -> Result<Input, FieldError> {
        let port = match self.port.trim() {
            "" => None,
            p => Some(p.parse::<i64>().map_err(|_| {
                FieldError::new("port", "The port must be a number between 1 and 65535.")
            })?),
        };
        Ok(Input {
            name: Some(self.name.clone()),
            kind: Some(self.kind.clone()),
            host: Some(self.host.clone()),
            port: Some(port),
            database: Some(self.database.clone()),
            username: Some(self.username.clone()),
            password: Some(self.password.clone()),
            description: Some(self.description.clone()),
        })
    }
}

#[derive(Template)]
#[template(path = "pages/datasources/list.html", blocks = ["tab"])]
struct ListPage {
    layout: Layout,
    tabs: TenantTabs,
    tenant_id: String,
    own: Vec<DataSource>,
    /// The link to the next page of the tenant's data sources, and whether this is a later page.
    more: Option<String>,
    later: bool,
    shared: Vec<(DataSource, String)>,
    may_create: bool,
    form: DataSourceForm,
    errors: FormErrors,
    kinds: &'static [&'static str],
}
tabbed_page!(ListPage);

fn names(set: &BTreeSet<Permission>) -> String {
    set.iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    user: User,
    tenant_id: String,
    // What the create form shows again, with its errors (empty when the list is just opened).
    (form, errors): (DataSourceForm, Vec<FieldError>),
    after: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (u, t) = (user.clone(), tenant_id.clone());
    let later = after.is_some();
    let (own, shared, may_create, tabs) = state
        .db(move |c| {
            let access = crate::authz::access(c, &u.id, &t)?;
            let own = if access.allows(Permission::DatasourcesView) {
                datasources::list(c, &u, &t, after.as_deref(), PAGE_SIZE)?
            } else {
                datasources::DataSourcePage {
                    rows: Vec::new(),
                    next: None,
                }
            };
            let shared = datasources::shared_with(c, &u, &t)?
                .into_iter()
                .map(|(d, p)| (d, names(&p)))
                .collect::<Vec<_>>();
            let tabs = tenant_tabs::load(c, &u, &t, Tab::DataSources)?;
            Ok((
                own,
                shared,
                access.allows(Permission::DatasourcesModify),
                tabs,
            ))
        })
        .await?;
    let layout = Layout::new(
        session,
        &state.settings,
        Some(&user),
        "Data sources",
        "accounts",
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let more = own.next.map(|next| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("after", &next);
        format!("/accounts/{tenant_id}/datasources?{}", q.finish())
    });
    let page = ListPage {
        layout,
        tabs,
        tenant_id,
        own: own.rows,
        more,
        later,
        shared,
        may_create,
        form,
        errors: FormErrors(errors),
        kinds: KINDS,
    };
    tenant_tabs::respond(req, &page, status)
}

/// Where the list of a tenant's data sources continues.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    after: String,
}

/// Data sources a page on the tab.
const PAGE_SIZE: i64 = 50;

pub async fn list(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let after = Some(query.into_inner().after).filter(|a| !a.is_empty());
    let form = DataSourceForm {
        kind: "postgresql".into(),
        ..DataSourceForm::default()
    };
    list_page(
        &req,
        &state,
        &session,
        user,
        path.into_inner(),
        (form, vec![]),
        after,
    )
    .await
}

pub async fn create(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: web::Form<DataSourceForm>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let mut form = form.into_inner();
    let input = match form.input() {
        Ok(i) => i,
        Err(e) => {
            form.password.clear();
            return list_page(
                &req,
                &state,
                &session,
                user,
                tenant_id,
                (form, vec![e]),
                None,
            )
            .await;
        }
    };
    let key = state.settings.datasource_key;
    let (u, t) = (user.clone(), tenant_id.clone());
    let result = state
        .try_db(move |c| datasources::create(c, &key, &u, &t, &input))
        .await?;
    match result {
        Ok(ds) => {
            flash(
                &session,
                "success",
                format!("Data source {} created.", ds.name),
            );
            Ok(see_other(&format!(
                "/accounts/{tenant_id}/datasources/{}",
                ds.id
            )))
        }
        Err(ServiceError::Invalid(errors)) => {
            form.password.clear();
            list_page(
                &req,
                &state,
                &session,
                user,
                tenant_id,
                (form, errors),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
