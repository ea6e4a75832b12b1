//! The JSON API over HTTP. Every response any of these tests receives is checked against the
//! OpenAPI document (see `openapi::check`): its status must be documented for the operation
//! and its body must match the documented schema.

mod access;
mod accounts;
mod activity;
mod apps;
mod auth;
mod body;
mod datasources;
mod invitations;
mod links;
mod openapi;
mod periods;
mod roles;
mod shares;
mod tokens;

use crate::common::{Resp, TestApp};
use base64::Engine;
use liaison::services::api_tokens;
use liaison::services::users::User;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::time::Duration;

/// An API client: no cookies, optional credentials and Liaison-Tenant.
pub struct Api {
    agent: ureq::Agent,
    base: String,
    auth: Option<String>,
    tenant: Option<String>,
    /// The documented operations whose responses were checked: (method, path template).
    pub checked: RefCell<BTreeSet<(String, String)>>,
}

impl Api {
    pub fn anonymous(app: &TestApp) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Self {
            agent,
            base: app.base.clone(),
            auth: None,
            tenant: None,
            checked: RefCell::default(),
        }
    }

    pub fn bearer(app: &TestApp, secret: &str) -> Self {
        let mut api = Self::anonymous(app);
        api.auth = Some(format!("Bearer {secret}"));
        api
    }

    pub fn basic(app: &TestApp, email: &str, password: &str) -> Self {
        let mut api = Self::anonymous(app);
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("{email}:{password}"));
        api.auth = Some(format!("Basic {pair}"));
        api
    }

    pub fn in_tenant(mut self, tenant_id: &str) -> Self {
        self.tenant = Some(tenant_id.to_string());
        self
    }

    pub fn raw_auth(mut self, value: &str) -> Self {
        self.auth = Some(value.to_string());
        self
    }

    /// Sends a request and checks the answer against the OpenAPI document.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, String)>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(auth) = &self.auth {
            req = req.header("Authorization", auth);
        }
        if let Some(tenant) = &self.tenant {
            req = req.header("Liaison-Tenant", tenant);
        }
        for (n, v) in headers {
            req = req.header(*n, *v);
        }
        let (content_type, body) = body.unwrap_or(("", String::new()));
        if !content_type.is_empty() {
            req = req.header("Content-Type", content_type);
        }
        let res = self
            .agent
            .run(req.body(body).unwrap())
            .expect("HTTP request failed");
        let resp = finish(res);
        if let Some(op) = openapi::check(method, path, &resp) {
            self.checked.borrow_mut().insert(op);
        }
        resp
    }

    pub fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None, &[])
    }

    pub fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(
            "POST",
            path,
            Some(("application/json", body.to_string())),
            &[],
        )
    }

    pub fn delete(&self, path: &str) -> Resp {
        self.send("DELETE", path, None, &[])
    }
}

fn finish(mut res: ureq::http::Response<ureq::Body>) -> Resp {
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = res.body_mut().read_to_string().unwrap_or_default();
    Resp {
        status,
        body,
        headers,
    }
}

pub fn json(resp: &Resp) -> Value {
    serde_json::from_str(&resp.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", resp.status, resp.body))
}

/// The error code of an error answer.
pub fn code(resp: &Resp) -> String {
    json(resp)["error"]["code"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// The fields named in a 422 answer.
pub fn fields(resp: &Resp) -> Vec<String> {
    json(resp)["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A token for `user` in `tenant_id`, through the service.
pub fn token(app: &TestApp, user: &User, tenant_id: &str) -> String {
    api_tokens::create(&mut app.conn(), user, tenant_id, "test script")
        .unwrap()
        .1
}

pub fn assert_no_cookie(resp: &Resp) {
    assert!(
        resp.header("set-cookie").is_none(),
        "an API response set a cookie: {:?}",
        resp.headers
    );
}
