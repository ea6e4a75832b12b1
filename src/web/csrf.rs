//! CSRF protection for every unsafe request: a synchronizer token kept in the session, sent back
//! in the `csrf_token` form field or the `X-CSRF-Token` header (htmx sets it once on <body>), and
//! cross-site requests refused outright. One middleware, so no handler can forget it.

use super::AppState;
use super::extract::client_ip;
use crate::domain::token;
use crate::services::audit::{self, Event, actions};
use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "X-CSRF-Token";
const SESSION_KEY: &str = "csrf";

/// The session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(existing)) = session.get::<String>(SESSION_KEY) {
        return existing;
    }
    let fresh = token::generate();
    let _ = session.insert(SESSION_KEY, &fresh);
    fresh
}

/// A new token, e.g. at sign-in, so a token seen before sign-in is worthless after it.
pub fn rotate(session: &Session) {
    let _ = session.insert(SESSION_KEY, token::generate());
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

pub async fn protect(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    if is_safe(req.method()) || req.path().starts_with("/api/") {
        return next.call(req).await;
    }
    let cross_site = req
        .headers()
        .get("Sec-Fetch-Site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    let expected = req.get_session().get::<String>(SESSION_KEY).ok().flatten();
    let mut provided = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if provided.is_none() && is_form && !cross_site {
        // Read the form to find the token, then put the body back for the handler.
        let body = match read_body(&mut req).await {
            Ok(body) => body,
            Err(status) => {
                return Err(super::AppError::status(status, "The form is too large.").into());
            }
        };
        provided = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned());
        req.set_payload(actix_web::dev::Payload::from(body));
    }
    let valid = !cross_site
        && matches!((&expected, &provided), (Some(e), Some(p)) if token::constant_time_eq(e, p));
    if !valid {
        refuse(&req, cross_site).await;
        return Err(super::AppError::status(
            StatusCode::FORBIDDEN,
            "This form has expired or did not come from this portal. Go back, reload the page and try again.",
        )
        .into());
    }
    next.call(req).await
}

async fn read_body(req: &mut ServiceRequest) -> Result<Bytes, StatusCode> {
    let body = req
        .extract::<Bytes>()
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE)?;
    if body.len() > super::FORM_LIMIT {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    Ok(body)
}

/// Audits the refusal; a failure to audit must not turn a 403 into a 500.
async fn refuse(req: &ServiceRequest, cross_site: bool) {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return;
    };
    let ip = client_ip(req.request(), &state.settings);
    let detail = format!(
        "{} {}{}",
        req.method(),
        super::security::mask_path(req.path()),
        if cross_site { " (cross-site)" } else { "" }
    );
    let result = state
        .db(move |c| audit::record(c, Event::new(actions::CSRF_REFUSED).detail(detail).ip(ip)))
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not audit a refused CSRF check");
    }
}
