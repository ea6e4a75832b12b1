//! One error type for the web layer: it maps service errors to statuses, logs the cause, and
//! never shows internals. Error pages are rendered in one place (`render_error_page`): a full page,
//! or a fragment for htmx requests.

use crate::services::ServiceError;
use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{StatusCode, header};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use std::fmt;

#[derive(Debug)]
pub enum AppError {
    /// Not signed in: go to the sign-in page, then come back to `next`.
    SignInRequired {
        next: String,
    },
    Status {
        status: StatusCode,
        message: String,
    },
    Internal(anyhow::Error),
}

impl AppError {
    pub fn not_found() -> Self {
        Self::status(
            StatusCode::NOT_FOUND,
            "This page does not exist, or you may not see it.",
        )
    }
    pub fn forbidden() -> Self {
        Self::status(
            StatusCode::FORBIDDEN,
            "You do not have permission to do this.",
        )
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::status(StatusCode::BAD_REQUEST, message)
    }
    pub fn status(status: StatusCode, message: impl Into<String>) -> Self {
        Self::Status {
            status,
            message: message.into(),
        }
    }
    pub fn internal(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SignInRequired { .. } => f.write_str("sign-in required"),
            Self::Status { status, message } => write!(f, "{status}: {message}"),
            Self::Internal(e) => write!(f, "internal error: {e:#}"),
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => Self::not_found(),
            ServiceError::Forbidden => Self::forbidden(),
            ServiceError::Conflict(message) => Self::status(StatusCode::CONFLICT, message),
            ServiceError::Invalid(errors) => Self::bad_request(
                errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            ServiceError::Pool(e) => {
                tracing::error!(error = %e, "database pool unavailable");
                Self::status(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The portal is busy or its database is unavailable. Try again in a moment.",
                )
            }
            ServiceError::Database(e) => Self::Internal(e.into()),
            ServiceError::Other(e) => Self::Internal(e),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        Self::Internal(e.into())
    }
}

/// The words shown to the user, carried from the error to the page renderer.
#[derive(Clone)]
struct PublicMessage(String);

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignInRequired { .. } => StatusCode::SEE_OTHER,
            Self::Status { status, .. } => *status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::SignInRequired { next } => {
                let location = format!(
                    "/signin?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location.clone()))
                    .insert_header(("HX-Redirect", location))
                    .finish()
            }
            Self::Status { status, message } => {
                let mut res = HttpResponse::build(*status)
                    .content_type("text/plain; charset=utf-8")
                    .body(message.clone());
                res.extensions_mut().insert(PublicMessage(message.clone()));
                res
            }
            Self::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                HttpResponse::InternalServerError()
                    .content_type("text/plain; charset=utf-8")
                    .finish()
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    heading: &'static str,
    message: String,
    fragment: bool,
}

fn default_words(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "Something is wrong with this request",
            "Check what you entered and try again.",
        ),
        403 => ("Not allowed", "You do not have permission to do this."),
        404 => (
            "Page not found",
            "This page does not exist, or you may not see it.",
        ),
        405 => (
            "Not allowed",
            "This address does not accept this kind of request.",
        ),
        409 => (
            "Conflict",
            "This clashes with the current state. Reload the page and try again.",
        ),
        413 => ("Too large", "What you sent is too large."),
        415 => (
            "Unsupported content",
            "This address does not accept this content type.",
        ),
        429 => ("Too many requests", "Wait a moment and try again."),
        503 => (
            "Temporarily unavailable",
            "The portal is busy. Try again in a moment.",
        ),
        _ if status.is_client_error() => (
            "Something is wrong with this request",
            "Check what you entered and try again.",
        ),
        _ => (
            "Something went wrong",
            "The portal could not complete this request. It has been logged; try again later.",
        ),
    }
}

/// Replaces the body of every error response that is not already a rendered page.
pub fn render_error_page<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    let status = res.status();
    // The JSON API answers its own errors (api::json_errors); never an HTML page there.
    let api = res.request().path().starts_with("/api/");
    if already_html || api || status.is_redirection() {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let fragment = res.request().headers().contains_key("HX-Request");
    let (heading, default_message) = default_words(status);
    let message = res
        .response()
        .extensions()
        .get::<PublicMessage>()
        .map(|m| m.0.clone())
        .unwrap_or_else(|| default_message.to_string());
    let page = ErrorPage {
        status: status.as_u16(),
        heading,
        message,
        fragment,
    };
    let body = page.render().unwrap_or_else(|_| format!("{status}"));
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let new: HttpResponse<BoxBody> = new.content_type("text/html; charset=utf-8").body(body);
    let res: ServiceResponse<EitherBody<B>> = ServiceResponse::new(req, new).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
