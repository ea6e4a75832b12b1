//! Security headers on every response, and a request log that never prints secrets.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Logger, Next};

/// No inline script, no eval, no framing; htmx and our own files come from /static.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let is_static = req.path().starts_with("/static/");
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    if !is_static {
        // Pages may show private data: never keep them in a cache.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// Paths whose last segment is a secret token.
const SECRET_PREFIXES: &[&str] = &[
    "/setup/",
    "/invitations/",
    "/role-invitations/",
    "/app-authorizations/",
];

pub fn mask_path(path: &str) -> String {
    for prefix in SECRET_PREFIXES {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            return format!("{prefix}***{tail}");
        }
    }
    path.to_string()
}

/// One line per request: method, masked path, status, bytes, time, and the SQL statements it ran
/// (see `query_log`).
pub fn request_log() -> Logger {
    Logger::new("%{method}xi %{path}xi %s %b %Dms %{queries}xo")
        .custom_request_replace("method", |req| req.method().to_string())
        .custom_request_replace("path", |req| mask_path(req.path()))
        .custom_response_replace("queries", super::query_log::log_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_masked_in_logs() {
        assert_eq!(mask_path("/setup/abc123"), "/setup/***");
        assert_eq!(
            mask_path("/invitations/abc/accept"),
            "/invitations/***/accept"
        );
        assert_eq!(
            mask_path("/role-invitations/abc/accept"),
            "/role-invitations/***/accept"
        );
        assert_eq!(mask_path("/profile"), "/profile");
    }
}
