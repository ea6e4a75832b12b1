//! The JSON request body: `415` for another content type, `400` for malformed JSON, `422` for
//! JSON of the wrong shape, `413` past the size limit. Request types give every field a default
//! so that missing values reach the service and come back as field errors.

use super::error::{ApiError, FieldMessage};
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;

/// The largest JSON body accepted.
pub const JSON_LIMIT: usize = 64 * 1024;

pub struct ApiJson<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| {
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        })
}

/// The most top-level fields examined to name those of the wrong type.
const MAX_FIELDS_EXAMINED: usize = 50;

/// Parses a body already read; shared with tests of the mapping.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => {
                let mut err = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("The JSON body does not have the expected shape: {e}."),
                );
                err.fields = wrong_fields::<T>(body);
                err
            }
            _ => ApiError::bad_request(format!("The body is not valid JSON: {e}.")),
        }
    })
}

/// The top-level fields of a JSON object whose value has the wrong type. Request types give
/// every field a default, so `{"field": value}` alone fails only when that value is wrong.
fn wrong_fields<T: DeserializeOwned>(body: &[u8]) -> Vec<FieldMessage> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    object
        .into_iter()
        .take(MAX_FIELDS_EXAMINED)
        .filter_map(|(field, value)| {
            let alone = Value::Object(Map::from_iter([(field.clone(), value)]));
            let e = serde_json::from_value::<T>(alone).err()?;
            Some(FieldMessage {
                message: format!("`{field}` has the wrong type: {e}."),
                field,
            })
        })
        .collect()
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        // The scope sets `PayloadConfig` to JSON_LIMIT; the content type is checked first.
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "Send the body as JSON, with `Content-Type: application/json`.",
                ));
            }
            let body = body.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("The body must be at most {JSON_LIMIT} bytes."),
                    )
                } else {
                    ApiError::bad_request("The request body could not be read.")
                }
            })?;
            parse(&body).map(ApiJson)
        })
    }
}

/// A text field of a request body, read as any JSON value (declare it `serde_json::Value` with
/// `#[schema(value_type = String)]`) so that a number or an object where text belongs is a 422
/// naming the field, like any other rule it breaks. Missing or null is empty text, which the
/// service refuses as a missing value.
pub fn text(field: &str, value: &serde_json::Value) -> Result<String, ApiError> {
    match value {
        serde_json::Value::Null => Ok(String::new()),
        serde_json::Value::String(s) => Ok(s.clone()),
        _ => Err(ApiError::invalid(
            field,
            format!("The {field} must be a JSON string."),
        )),
    }
}
