//! "Why can … ?": the explainer page of a tenant (DESIGN §3).

use super::render_status;
use crate::authz::{Path, Via};
use crate::services::ServiceError;
use crate::services::access::{self, Explanation};
use crate::web::extract::CurrentUser;
use crate::web::layout::Layout;
use crate::web::{AppError, AppState};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/accounts/{tenant_id}/access").route(web::get().to(explain)));
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExplainQuery {
    user: String,
}

#[derive(Template)]
#[template(path = "pages/access/explain.html")]
struct ExplainPage {
    layout: Layout,
    tenant_id: String,
    e: Explanation,
    user_field: String,
    error: Option<String>,
}

impl ExplainPage {
    /// A path in words, with how the role applies.
    fn describe(&self, path: &Path) -> String {
        let target = &self.e.access.tenant_name;
        match &path.via {
            Via::Role { applies_to, .. } => format!(
                "{} (applied to: {})",
                path.via.explain(target),
                applies_to.label().to_lowercase()
            ),
            Via::Grant { .. } => path.via.explain(target),
        }
    }
}

pub async fn explain(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<ExplainQuery>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let user_field: String = query.into_inner().user.chars().take(254).collect();
    let (viewer, t, subject) = (user.clone(), tenant_id.clone(), user_field.clone());
    let result = state
        .try_db(move |c| access::explain(c, &viewer, &t, Some(&subject)))
        .await?;
    // A malformed address is shown next to the field, with the viewer's own access below.
    let (e, error, status) = match result {
        Ok(e) => (e, None, StatusCode::OK),
        Err(ServiceError::Invalid(errors)) => {
            let (viewer, t) = (user.clone(), tenant_id.clone());
            let own = state
                .db(move |c| access::explain(c, &viewer, &t, None))
                .await?;
            let message = errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" ");
            (own, Some(message), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Err(e.into()),
    };
    let layout = Layout::new(
        &session,
        &state.settings,
        Some(&user),
        format!("Access in {}", e.access.tenant_name),
        "accounts",
    );
    render_status(
        &ExplainPage {
            layout,
            tenant_id,
            e,
            user_field,
            error,
        },
        status,
    )
}
