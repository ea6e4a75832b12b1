//! One data source: view (never the password), edit, Reveal (a POST, audited), delete with
//! confirmation.

use super::*;

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
