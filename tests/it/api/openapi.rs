//! The OpenAPI document against the code: every registered route is documented, and real
//! answers match the documented schemas.
//!
//! The schemas are checked by a small validator for the subset of JSON Schema that utoipa emits
//! (`$ref`, `type` with `null`, `properties`, `required`, `items`, `oneOf`/`anyOf`/`allOf`,
//! `enum`), rather than the `jsonschema` crate: that crate brings dozens of dependencies (regex
//! engines, URI and format libraries) to a 2-core build for a handful of keywords. The
//! validator refuses any keyword it does not know, so a schema it cannot judge fails the test
//! instead of passing unchecked, and it treats documented objects as closed: a response field
//! missing from the document is an error.

use super::{Api, json, token};
use crate::common::{Resp, TestApp};
use crate::customers::{connected, invite, partner};
use liaison::api::{PREFIX, ROUTES};
use serde_json::{Value, json};
use std::sync::OnceLock;

fn doc() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(liaison::api::doc::document()).unwrap())
}

/// Keywords that describe without constraining (or constraints the API's answers do not rely
/// on the validator for).
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "format",
    "example",
    "examples",
    "default",
    "deprecated",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "readOnly",
    "writeOnly",
];

fn resolve<'a>(reference: &str) -> &'a Value {
    let name = reference
        .strip_prefix("#/components/schemas/")
        .unwrap_or_else(|| panic!("unsupported $ref {reference}"));
    doc()["components"]["schemas"]
        .get(name)
        .unwrap_or_else(|| panic!("$ref to a missing schema {name}"))
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        other => panic!("unknown type {other}"),
    }
}

pub fn validate(schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let Some(schema) = schema.as_object() else {
        return Err(format!("{at}: schema is not an object"));
    };
    for key in schema.keys() {
        let known = [
            "$ref",
            "type",
            "properties",
            "required",
            "items",
            "oneOf",
            "anyOf",
            "allOf",
            "enum",
            "additionalProperties",
        ];
        if !known.contains(&key.as_str()) && !ANNOTATIONS.contains(&key.as_str()) {
            panic!("{at}: the validator does not know the keyword {key}");
        }
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        validate(resolve(r), v, at)?;
    }
    match schema.get("type") {
        Some(Value::String(t)) if !type_matches(t, v) => {
            return Err(format!("{at}: expected {t}, got {v}"));
        }
        Some(Value::Array(ts)) if !ts.iter().any(|t| type_matches(t.as_str().unwrap(), v)) => {
            return Err(format!("{at}: expected one of {ts:?}, got {v}"));
        }
        _ => {}
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.contains(v)
    {
        return Err(format!("{at}: {v} is not one of {options:?}"));
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for s in all {
            validate(s, v, at)?;
        }
    }
    for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(Value::Array(options)) = schema.get(key) {
            let ok = options
                .iter()
                .filter(|s| validate(s, v, at).is_ok())
                .count();
            if ok == 0 || (exactly_one && ok > 1) {
                return Err(format!("{at}: {v} matches {ok} of the {key} schemas"));
            }
        }
    }
    if let (Some(obj), Some(Value::Object(props))) = (v.as_object(), schema.get("properties")) {
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let req = req.as_str().unwrap();
            if !obj.contains_key(req) {
                return Err(format!("{at}: missing required field {req}"));
            }
        }
        let closed = !schema
            .get("additionalProperties")
            .is_some_and(|a| *a != Value::Bool(false));
        for (key, value) in obj {
            match props.get(key) {
                Some(s) => validate(s, value, &format!("{at}.{key}"))?,
                None if closed => return Err(format!("{at}: undocumented field {key}")),
                None => {}
            }
        }
    }
    if let (Some(items), Some(Value::Array(values))) = (schema.get("items"), Some(v)) {
        for (i, item) in values.iter().enumerate() {
            validate(items, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// The documented path template matching a concrete path, e.g. `/api/v1/partner/links/{id}`.
fn template_of(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    doc()["paths"].as_object().unwrap().keys().find_map(|t| {
        let ts: Vec<&str> = t.split('/').collect();
        let same = ts.len() == segments.len()
            && ts
                .iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()));
        same.then(|| t.clone())
    })
}

/// Checks an answer against the document; answers the operation checked, None for a path the
/// document does not have (an unknown endpoint).
pub fn check(method: &str, path: &str, resp: &Resp) -> Option<(String, String)> {
    let template = template_of(path)?;
    let m = method.to_lowercase();
    let Some(op) = doc()["paths"][&template].get(&m) else {
        // A known path with another method: the API's 405, in the error shape.
        assert_eq!(resp.status, 405, "{method} {path}: {}", resp.body);
        validate(
            &json!({"$ref": "#/components/schemas/ErrorBody"}),
            &json(resp),
            "405",
        )
        .unwrap();
        return None;
    };
    let status = resp.status.to_string();
    let documented = op["responses"].get(&status).unwrap_or_else(|| {
        panic!(
            "{method} {template}: status {status} is not documented ({})",
            resp.body
        )
    });
    if let Some(schema) = documented["content"]["application/json"].get("schema") {
        let body = json(resp);
        if let Err(e) = validate(schema, &body, "body") {
            panic!("{method} {template} {status}: {e}\n{}", resp.body);
        }
    }
    Some((method.to_string(), template))
}

#[test]
fn every_registered_route_is_documented_and_the_document_lists_no_other() {
    let paths = doc()["paths"].as_object().unwrap();
    let mut documented = 0;
    for (method, path) in ROUTES {
        let full = format!("{PREFIX}{path}");
        let op = paths
            .get(&full)
            .and_then(|p| p.get(method.to_lowercase()))
            .unwrap_or_else(|| panic!("{method} {full} is not in the OpenAPI document"));
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()));
        documented += 1;
    }
    let in_doc: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        in_doc, documented,
        "the document has operations no route serves"
    );
    let d = doc();
    assert_eq!(d["openapi"].as_str().unwrap().get(..3), Some("3.1"));
    assert_eq!(
        d["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(
        d["components"]["securitySchemes"]["basic"]["scheme"],
        "basic"
    );
    let list = &paths["/api/v1/partner/links"]["get"];
    assert!(
        list["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Liaison-Tenant" && p["in"] == "header")
    );
    assert!(list["security"].as_array().is_some_and(|s| s.len() == 2));
}

#[test]
fn the_document_is_served_without_authentication_and_without_cookies() {
    let app = TestApp::start();
    let res = Api::anonymous(&app).get("/api/v1/openapi.json");
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(json(&res)["info"]["title"], "Liaison API");
    super::assert_no_cookie(&res);
}

#[test]
fn the_validator_catches_what_it_should() {
    let schema = json!({"$ref": "#/components/schemas/LinkList"});
    assert!(validate(&schema, &json!({"items": [], "nextCursor": null}), "x").is_ok());
    assert!(
        validate(&schema, &json!({"items": []}), "x").is_err(),
        "required field"
    );
    assert!(validate(&schema, &json!({"items": [], "nextCursor": 5}), "x").is_err());
    assert!(
        validate(
            &schema,
            &json!({"items": [], "nextCursor": null, "x": 1}),
            "x"
        )
        .is_err()
    );
    assert!(
        validate(
            &schema,
            &json!({"items": [{"id": 1}], "nextCursor": null}),
            "x"
        )
        .is_err()
    );
}

/// Every endpoint, success and refusal, answered as documented; the coverage is asserted.
#[test]
fn every_endpoint_answers_as_documented() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let (bruce, wayne, link_id) = connected(
        &app,
        &betty,
        &msp,
        "bruce@wayne.example",
        "Wayne Enterprises",
    );
    invite(&app, &betty, &msp, "pending@acme.example");
    let as_betty = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let as_bruce = Api::bearer(&app, &token(&app, &bruce, &wayne.id));
    assert_eq!(as_betty.get("/api/v1/openapi.json").status, 200);
    assert_eq!(as_betty.get("/api/v1/users/self/authorization").status, 200);
    assert_eq!(as_betty.get("/api/v1/partner/links?limit=1").status, 200);
    assert_eq!(as_betty.get("/api/v1/partner/links?limit=0").status, 422);
    assert_eq!(as_betty.get("/api/v1/partner/access-levels").status, 200);
    let levels = json(&as_betty.get("/api/v1/partner/access-levels"));
    let level = levels["items"][0]["id"].as_str().unwrap().to_string();
    let body = json!({"email": "new@globex.example", "accessLevelId": level, "message": "Hi"});
    let created = as_betty.post("/api/v1/partner/links", &body);
    assert_eq!(created.status, 201, "{}", created.body);
    let new_id = json(&created)["id"].as_str().unwrap().to_string();
    assert_eq!(
        as_betty.post("/api/v1/partner/links", &json!({})).status,
        422
    );
    let resend = format!("/api/v1/partner/links/{new_id}/resend");
    assert_eq!(as_betty.post(&resend, &json!({})).status, 200);
    assert_eq!(
        as_betty
            .delete(&format!("/api/v1/partner/links/{new_id}"))
            .status,
        200
    );
    assert_eq!(as_betty.post(&resend, &json!({})).status, 409);
    assert_eq!(as_betty.delete("/api/v1/partner/links/nope").status, 404);
    assert_eq!(as_bruce.get("/api/v1/customer/partner-access").status, 200);
    let activity = format!("/api/v1/accounts/{}/activity", wayne.id);
    assert_eq!(as_bruce.get(&format!("{activity}?limit=2")).status, 200);
    assert_eq!(as_bruce.get(&format!("{activity}?action=nope")).status, 422);
    let remove = format!("/api/v1/customer/partner-access/{link_id}/remove");
    assert_eq!(as_bruce.post(&remove, &json!({"reason": ""})).status, 422);
    assert_eq!(
        as_bruce.post(&remove, &json!({"reason": "Done"})).status,
        200
    );
    assert_eq!(
        as_bruce.post(&remove, &json!({"reason": "Again"})).status,
        409
    );
    assert_eq!(
        Api::anonymous(&app).get("/api/v1/partner/links").status,
        401
    );
    let res = as_betty.post("/api/v1/accounts", &json!({"name": "Branch"}));
    assert_eq!(res.status, 201, "{}", res.body);
    let account = format!("/api/v1/accounts/{}", json(&res)["id"].as_str().unwrap());
    assert_eq!(
        as_betty
            .post("/api/v1/accounts", &json!({"name": "Branch"}))
            .status,
        409
    );
    assert_eq!(as_betty.get("/api/v1/accounts?limit=1").status, 200);
    assert_eq!(as_betty.get(&account).status, 200);
    assert_eq!(as_betty.get(&format!("{account}/access")).status, 200);
    let rename = Some(("application/json", json!({"name": ""}).to_string()));
    assert_eq!(as_betty.send("PATCH", &account, rename, &[]).status, 422);
    assert_eq!(as_betty.delete(&account).status, 200);
    assert_eq!(as_betty.get(&format!("{account}/access")).status, 404);
    let mut checked = as_betty.checked.borrow().clone();
    checked.extend(as_bruce.checked.borrow().iter().cloned());
    checked.extend(super::invitations::exercise(&app));
    checked.extend(super::periods::exercise(&app));
    checked.extend(super::shares::exercise(&app));
    checked.extend(super::apps::exercise(&app));
    checked.extend(super::datasources::exercise(&app));
    for (method, path) in ROUTES {
        let op = (method.to_string(), format!("{PREFIX}{path}"));
        assert!(checked.contains(&op), "{method} {path} was not exercised");
    }
}
