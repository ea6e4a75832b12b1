//! The sharing form of a data source: tenants and, for each, the exact permissions; saving
//! replaces the list.

use super::*;

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
