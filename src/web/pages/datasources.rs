//! The Data sources tab of the tenant page: the tenant's data sources and those shared with it,
//! create, view (never the password), edit, delete with confirmation, Reveal (a POST, audited)
//! and the sharing form. Every rule is in `services::datasources`.

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

#[derive(Template)]
#[template(path = "pages/datasources/show.html", blocks = ["tab"])]
struct ShowPage {
    layout: Layout,
    tabs: TenantTabs,
    tenant_id: String,
    ds: DataSource,
    rights: String,
    may_use: bool,
    may_modify: bool,
    may_delete: bool,
    /// Set only on the answer to Reveal.
    revealed: Option<String>,
    form: DataSourceForm,
    errors: FormErrors,
    kinds: &'static [&'static str],
}
tabbed_page!(ShowPage);

#[allow(clippy::too_many_arguments)]
async fn show_page(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    user: User,
    tenant_id: String,
    ds_id: String,
    form: Option<DataSourceForm>,
    errors: Vec<FieldError>,
    revealed: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (u, t) = (user.clone(), tenant_id.clone());
    let ((ds, rights), tabs) = state
        .db(move |c| {
            let got = datasources::get(c, &u, &ds_id)?;
            Ok((got, tenant_tabs::load(c, &u, &t, Tab::DataSources)?))
        })
        .await?;
    let layout = Layout::new(
        session,
        &state.settings,
        Some(&user),
        ds.name.clone(),
        "accounts",
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ShowPage {
        layout,
        tabs,
        tenant_id,
        rights: names(&rights),
        may_use: rights.contains(&Permission::DatasourcesUse),
        may_modify: rights.contains(&Permission::DatasourcesModify),
        may_delete: rights.contains(&Permission::DatasourcesDelete),
        revealed,
        form: form.unwrap_or_else(|| DataSourceForm::of(&ds)),
        ds,
        errors: FormErrors(errors),
        kinds: KINDS,
    };
    let mut res = tenant_tabs::respond(req, &page, status)?;
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

pub async fn show(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (t, d) = path.into_inner();
    show_page(&req, &state, &session, user, t, d, None, vec![], None).await
}

pub async fn update(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<DataSourceForm>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, ds_id) = path.into_inner();
    let mut form = form.into_inner();
    let result = match form.input() {
        Err(e) => Err(ServiceError::Invalid(vec![e])),
        Ok(input) => {
            let key = state.settings.datasource_key;
            let (u, d) = (user.clone(), ds_id.clone());
            state
                .try_db(move |c| datasources::update(c, &key, &u, &d, &input))
                .await?
        }
    };
    match result {
        Ok(ds) => {
            flash(
                &session,
                "success",
                format!("Data source {} saved.", ds.name),
            );
            Ok(see_other(&format!(
                "/accounts/{tenant_id}/datasources/{ds_id}"
            )))
        }
        Err(ServiceError::Invalid(errors)) => {
            form.password.clear();
            let f = Some(form);
            show_page(
                &req, &state, &session, user, tenant_id, ds_id, f, errors, None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn reveal(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, ds_id) = path.into_inner();
    let key = state.settings.datasource_key;
    let ip = client_ip(&req, &state.settings);
    let (u, d) = (user.clone(), ds_id.clone());
    let password = state
        .db(move |c| datasources::reveal(c, &key, &u, &d, ip))
        .await?;
    show_page(
        &req,
        &state,
        &session,
        user,
        tenant_id,
        ds_id,
        None,
        vec![],
        Some(password),
    )
    .await
}

#[derive(Template)]
#[template(path = "pages/datasources/delete.html", blocks = ["tab"])]
struct DeletePage {
    layout: Layout,
    tabs: TenantTabs,
    tenant_id: String,
    ds: DataSource,
}
tabbed_page!(DeletePage);

pub async fn confirm_delete(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, ds_id) = path.into_inner();
    let (u, t) = (user.clone(), tenant_id.clone());
    let (ds, tabs) = state
        .db(move |c| {
            let (ds, _) = datasources::require(c, &u, &ds_id, Permission::DatasourcesDelete)?;
            Ok((ds, tenant_tabs::load(c, &u, &t, Tab::DataSources)?))
        })
        .await?;
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        "Delete data source",
        "accounts",
    );
    let page = DeletePage {
        layout,
        tabs,
        tenant_id,
        ds,
    };
    tenant_tabs::respond(&req, &page, StatusCode::OK)
}

pub async fn delete(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, ds_id) = path.into_inner();
    state
        .db(move |c| datasources::delete(c, &user, &ds_id))
        .await?;
    flash(&session, "success", "Data source deleted.");
    Ok(see_other(&format!("/accounts/{tenant_id}/datasources")))
}

/// One row of the sharing form.
pub struct ShareRow {
    pub tenant_id: String,
    pub permissions: BTreeSet<String>,
}

#[derive(Template)]
#[template(path = "pages/datasources/sharing.html", blocks = ["tab"])]
struct SharingPage {
    layout: Layout,
    tabs: TenantTabs,
    tenant_id: String,
    ds: DataSource,
    rows: Vec<ShareRow>,
    permissions: Vec<&'static str>,
    error: Option<String>,
}
tabbed_page!(SharingPage);

/// Blank rows offered under the stored ones.
const BLANK_ROWS: usize = 3;

fn rows_of(list: &[SharedTenant]) -> Vec<ShareRow> {
    list.iter()
        .map(|s| ShareRow {
            tenant_id: s.tenant_id.clone(),
            permissions: s
                .permissions
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn sharing_page(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    user: User,
    tenant_id: String,
    ds_id: String,
    rows: Option<Vec<ShareRow>>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (u, t) = (user.clone(), tenant_id.clone());
    let ((ds, list), tabs) = state
        .db(move |c| {
            let got = datasources::share_list(c, &u, &ds_id)?;
            Ok((got, tenant_tabs::load(c, &u, &t, Tab::DataSources)?))
        })
        .await?;
    let mut rows = rows.unwrap_or_else(|| rows_of(&list));
    rows.retain(|r| !r.tenant_id.is_empty() || !r.permissions.is_empty());
    for _ in 0..BLANK_ROWS {
        rows.push(ShareRow {
            tenant_id: String::new(),
            permissions: BTreeSet::new(),
        });
    }
    let title = format!("{} · sharing", ds.name);
    let layout = Layout::new(session, &state.settings, Some(&user), title, "accounts");
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = SharingPage {
        layout,
        tabs,
        tenant_id,
        ds,
        rows,
        permissions: PERMISSIONS.iter().map(|p| p.as_str()).collect(),
        error,
    };
    tenant_tabs::respond(req, &page, status)
}

pub async fn sharing(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (t, d) = path.into_inner();
    sharing_page(&req, &state, &session, user, t, d, None, None).await
}

/// `tenant_{i}` (a tenant ID) and `perm_{i}` (one per checked permission); rows with neither
/// are ignored.
fn parse_rows(pairs: &[(String, String)]) -> Vec<ShareRow> {
    let mut rows: Vec<ShareRow> = Vec::new();
    let mut out: Vec<(usize, bool, String)> = Vec::new();
    for (k, v) in pairs {
        if let Some(i) = k
            .strip_prefix("tenant_")
            .and_then(|i| i.parse::<usize>().ok())
        {
            out.push((i, true, v.trim().to_string()));
        } else if let Some(i) = k
            .strip_prefix("perm_")
            .and_then(|i| i.parse::<usize>().ok())
        {
            out.push((i, false, v.clone()));
        }
    }
    for (i, is_tenant, v) in out.into_iter().filter(|(i, _, _)| *i < 200) {
        while rows.len() <= i {
            rows.push(ShareRow {
                tenant_id: String::new(),
                permissions: BTreeSet::new(),
            });
        }
        if is_tenant {
            rows[i].tenant_id = v;
        } else {
            rows[i].permissions.insert(v);
        }
    }
    rows.retain(|r| !r.tenant_id.is_empty() || !r.permissions.is_empty());
    rows
}

pub async fn save_sharing(
    req: HttpRequest,
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, ds_id) = path.into_inner();
    let rows = parse_rows(&form);
    let entries: Vec<ShareEntry> = rows
        .iter()
        .map(|r| ShareEntry {
            tenant_id: r.tenant_id.clone(),
            permissions: r.permissions.iter().cloned().collect(),
        })
        .collect();
    let (u, d) = (user.clone(), ds_id.clone());
    let outcome = state
        .db(move |c| datasources::write_shares(c, &u, &d, &entries, true))
        .await?;
    match outcome {
        Ok(_) => {
            flash(&session, "success", "Sharing saved.");
            Ok(see_other(&format!(
                "/accounts/{tenant_id}/datasources/{ds_id}/sharing"
            )))
        }
        Err(e) => {
            let message = format!("Nothing was saved. {}", e.message);
            sharing_page(
                &req,
                &state,
                &session,
                user,
                tenant_id,
                ds_id,
                Some(rows),
                Some(message),
            )
            .await
        }
    }
}
