//! The API's one error type: `{"error": {"code", "message", "fields"?}}` with the right status.
//! Service errors map here the same way for every endpoint; internals are logged, never sent.

use crate::services::ServiceError;
use crate::web::AppError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `conflict`, `payload_too_large`, `unsupported_media_type`,
    /// `invalid`, `too_many_requests`, `unavailable`, `internal`.
    pub code: String,
    /// For people: what went wrong and what to do.
    pub message: String,
    /// With `invalid` (422): one entry per field that broke a rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldMessage>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldMessage {
    /// The request's field name, as sent (camelCase).
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldMessage>,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
    /// Logged with the 500 answer, never sent.
    internal: Option<anyhow::Error>,
}

/// The code of a status, for answers built from a bare status (405, 413, …).
pub fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "invalid",
        429 => "too_many_requests",
        503 => "unavailable",
        s if (400..500).contains(&s) => "bad_request",
        _ => "internal",
    }
}

/// `access_level` → `accessLevel`: service field names as the JSON API spells them.
pub fn camel_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code_of(status),
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
            internal: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "You do not have permission to do this.",
        )
    }
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "This resource does not exist, or you may not see it.",
        )
    }
    /// 422 with one field's message.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, message.clone());
        e.fields.push(FieldMessage {
            field: field.to_string(),
            message,
        });
        e
    }
    pub fn internal(e: anyhow::Error) -> Self {
        let mut err = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The portal could not complete this request. It has been logged; try again later.",
        );
        err.internal = Some(e);
        err
    }

    /// Renames a field in the field errors, where the JSON name is not the service's name in
    /// camelCase (e.g. `accessLevel` → `accessLevelId`).
    pub fn rename_field(mut self, from: &str, to: &str) -> Self {
        for f in &mut self.fields {
            if f.field == from {
                f.field = to.to_string();
            }
        }
        self
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                fields: self.fields.clone(),
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(errors) => {
                let message = errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut err = Self::new(StatusCode::UNPROCESSABLE_ENTITY, message);
                err.fields = errors
                    .into_iter()
                    .map(|e| FieldMessage {
                        field: camel_case(e.field),
                        message: e.message,
                    })
                    .collect();
                err
            }
            ServiceError::NotFound => Self::not_found(),
            ServiceError::Forbidden => Self::forbidden(),
            ServiceError::Conflict(message) => Self::new(StatusCode::CONFLICT, message),
            ServiceError::Pool(e) => {
                tracing::error!(error = %e, "database pool unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The portal is busy or its database is unavailable. Try again in a moment.",
                )
            }
            ServiceError::Database(e) => Self::internal(e.into()),
            ServiceError::Other(e) => Self::internal(e),
        }
    }
}

/// The shared helpers of the web layer (`AppState::try_db`) answer `AppError` when the blocking
/// pool fails.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Status { status, message } => Self::new(status, message),
            AppError::Internal(e) => Self::internal(e),
            AppError::SignInRequired { .. } => Self::unauthorized("Authentication is required."),
        }
    }
}

/// How the API asks for credentials on a 401.
pub const WWW_AUTHENTICATE: &str = "Bearer realm=\"liaison\", Basic realm=\"liaison\"";

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(e) = &self.internal {
            tracing::error!(error = ?e, "internal error in the API");
        }
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, WWW_AUTHENTICATE));
        }
        if let Some(seconds) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        res.json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_map_to_statuses_and_camel_case_fields() {
        let e = ApiError::from(ServiceError::invalid("access_level", "Choose one."));
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.fields[0].field, "accessLevel");
        let e = e.rename_field("accessLevel", "accessLevelId");
        assert_eq!(e.fields[0].field, "accessLevelId");
        assert_eq!(
            ApiError::from(ServiceError::Conflict("x".into())).status,
            StatusCode::CONFLICT
        );
        assert_eq!(ApiError::from(ServiceError::NotFound).code, "not_found");
        let internal = ApiError::from(ServiceError::Other(anyhow::anyhow!("secret detail")));
        assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!internal.message.contains("secret"));
    }
}
