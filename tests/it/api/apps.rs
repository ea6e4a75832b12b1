//! Apps and app authorizations over the API: the partner's endpoints (a token with
//! apps.manage / authorizations.manage) and the app's own (HTTP Basic with client ID and secret).

use super::{Api, code, fields, json, token};
use crate::app_authorizations::emailed_token;
use crate::common::{Resp, TestApp};
use crate::customers::{partner, tenant};
use base64::Engine;
use liaison::services::app_authorizations as authz_apps;
use liaison::services::tenants::Tenant;
use liaison::services::users::User;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// An app client: HTTP Basic with the client ID and secret.
fn as_app(app: &TestApp, client_id: &str, secret: &str) -> Api {
    let pair = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
    Api::anonymous(app).raw_auth(&format!("Basic {pair}"))
}

/// Registers an app over the API: (app JSON, secret).
fn create_app(api: &Api, name: &str) -> (Value, String) {
    let res = api.post(
        "/api/v1/apps",
        &json!({"name": name, "description": "Syncs"}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let body = json(&res);
    (
        body["app"].clone(),
        body["clientSecret"].as_str().unwrap().to_string(),
    )
}

/// Requests an authorization over the API and approves it as the customer's admin.
fn authorize(
    app: &TestApp,
    api: &Api,
    app_id: &str,
    env: &str,
    admin: &User,
    customer: &Tenant,
) -> Value {
    let res = api.post(
        "/api/v1/app-authorizations",
        &json!({"appId": app_id, "environment": env, "customerName": customer.name,
                "accountNumber": customer.account_number, "contactEmail": admin.email}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(json(&res)["status"], "pending");
    let token = emailed_token(app, &admin.email);
    authz_apps::approve(&mut app.conn(), &app.settings, admin, &token).unwrap();
    json(&res)
}

fn self_get(api: &Api, tenant_id: &str, env: &str) -> Resp {
    api.get(&format!(
        "/api/v1/apps/self/authorizations/{tenant_id}?environment={env}"
    ))
}

/// Every app endpoint once (for the coverage test), with bad input.
pub fn exercise(app: &TestApp) -> BTreeSet<(String, String)> {
    let (_, betty, msp) = partner(app, "Apps MSP", "betty@apps.example");
    let api = Api::bearer(app, &token(app, &betty, &msp.id));
    let (sync, secret) = create_app(&api, "Sync");
    let app_id = sync["id"].as_str().unwrap();
    assert_eq!(api.post("/api/v1/apps", &json!({})).status, 422);
    assert_eq!(api.get("/api/v1/apps?limit=1").status, 200);
    assert_eq!(api.get("/api/v1/apps?cursor=!!").status, 422);
    let admin = app.create_user("ann@acme-apps.example", false);
    let acme = tenant(app, "Acme Apps", false, "ann@acme-apps.example");
    let auth = authorize(app, &api, app_id, "production", &admin, &acme);
    let id = auth["id"].as_str().unwrap();
    assert_eq!(
        api.post("/api/v1/app-authorizations", &json!({})).status,
        422
    );
    let list = format!("/api/v1/apps/{app_id}/authorizations");
    assert_eq!(
        api.get(&format!("{list}?environment=production")).status,
        200
    );
    assert_eq!(api.get(&format!("{list}?environment=moon")).status, 422);
    assert_eq!(api.get("/api/v1/apps/nope/authorizations").status, 404);
    let client = as_app(app, sync["clientId"].as_str().unwrap(), &secret);
    assert_eq!(
        client
            .get("/api/v1/apps/self/authorizations?environment=production")
            .status,
        200
    );
    assert_eq!(client.get("/api/v1/apps/self/authorizations").status, 422);
    assert_eq!(self_get(&client, &acme.id, "production").status, 200);
    assert_eq!(self_get(&client, &acme.id, "sandbox").status, 403);
    let edit = format!("/api/v1/app-authorizations/{id}/edit");
    let res = api.post(
        &edit,
        &json!({"onBehalfOf": "Ann", "contactEmail": admin.email, "environment": "stage"}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(api.post(&edit, &json!({})).status, 422);
    let remove = format!("/api/v1/app-authorizations/{id}/remove");
    assert_eq!(
        api.post(&remove, &json!({"contactEmail": admin.email}))
            .status,
        422
    );
    assert_eq!(
        api.post(
            &remove,
            &json!({"contactEmail": admin.email, "reason": "Done"})
        )
        .status,
        200
    );
    assert_eq!(
        api.post(
            &remove,
            &json!({"contactEmail": admin.email, "reason": "Again"})
        )
        .status,
        409
    );
    let rotate = format!("/api/v1/apps/{app_id}/secret");
    assert_eq!(api.post(&rotate, &json!({})).status, 200);
    assert_eq!(api.post("/api/v1/apps/nope/secret", &json!({})).status, 404);
    let mut checked = api.checked.take();
    checked.extend(client.checked.take());
    checked
}

#[test]
fn request_approve_then_the_app_sees_the_tenant_and_last_use_is_recorded() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let api = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let (sync, secret) = create_app(&api, "Sync");
    let app_id = sync["id"].as_str().unwrap();
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let auth = authorize(&app, &api, app_id, "production", &bruce, &wayne);
    let client = as_app(&app, sync["clientId"].as_str().unwrap(), &secret);

    let list = json(&client.get("/api/v1/apps/self/authorizations?environment=production"));
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["tenantId"], wayne.id.as_str());
    assert_eq!(items[0]["tenantName"], "Wayne Enterprises");
    let other_env = json(&client.get("/api/v1/apps/self/authorizations?environment=sandbox"));
    assert!(other_env["items"].as_array().unwrap().is_empty());
    assert_eq!(self_get(&client, &wayne.id, "production").status, 200);

    // The partner sees the last use and the active use, and the counts.
    let listed = json(&api.get(&format!(
        "/api/v1/apps/{app_id}/authorizations?environment=production"
    )));
    let row = &listed["items"][0];
    assert_eq!(row["id"], auth["id"]);
    assert!(row["lastUsedAt"].is_string(), "{listed}");
    assert_eq!(row["inActiveUse"], true);
    assert_eq!(row["authorizedBy"], "Test User");
    let production = listed["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"] == "production")
        .unwrap()
        .clone();
    assert_eq!(production["active"], 1);
}

#[test]
fn app_credentials_wrong_rotated_and_another_partners_app() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let (_, ozzy, rival) = partner(&app, "Ozzy's MSP", "ozzy@rival.example");
    let api = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let rival_api = Api::bearer(&app, &token(&app, &ozzy, &rival.id));
    let (sync, secret) = create_app(&api, "Sync");
    let (rival_app, rival_secret) = create_app(&rival_api, "Rival Sync");
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    authorize(
        &app,
        &api,
        sync["id"].as_str().unwrap(),
        "production",
        &bruce,
        &wayne,
    );
    let client_id = sync["clientId"].as_str().unwrap();

    // Wrong secret, unknown client, no credentials, a user's token: 401.
    let wrong = as_app(&app, client_id, "not-the-secret");
    let res = self_get(&wrong, &wayne.id, "production");
    assert_eq!((res.status, code(&res)), (401, "unauthorized".to_string()));
    assert_eq!(
        self_get(
            &as_app(&app, "app_unknown", &secret),
            &wayne.id,
            "production"
        )
        .status,
        401
    );
    assert_eq!(
        self_get(&Api::anonymous(&app), &wayne.id, "production").status,
        401
    );
    assert_eq!(self_get(&api, &wayne.id, "production").status, 401);
    assert!(app.audit_actions().contains(&"api.auth_failed".to_string()));

    // Another partner's app: the tenant did not authorize it.
    let rival_client = as_app(&app, rival_app["clientId"].as_str().unwrap(), &rival_secret);
    assert_eq!(self_get(&rival_client, &wayne.id, "production").status, 403);
    let none = json(&rival_client.get("/api/v1/apps/self/authorizations?environment=production"));
    assert!(none["items"].as_array().unwrap().is_empty());
    // Another partner's ids: 404.
    let app_id = sync["id"].as_str().unwrap();
    assert_eq!(
        rival_api
            .post(&format!("/api/v1/apps/{app_id}/secret"), &json!({}))
            .status,
        404
    );
    assert_eq!(
        rival_api
            .get(&format!("/api/v1/apps/{app_id}/authorizations"))
            .status,
        404
    );
    let res = rival_api.post("/api/v1/app-authorizations", &json!({"appId": app_id, "environment": "production",
        "customerName": "Wayne Enterprises", "accountNumber": wayne.account_number, "contactEmail": "a@b.example"}));
    assert_eq!(res.status, 404);

    // Rotated: the old secret is refused at once, the new one works.
    let res = api.post(&format!("/api/v1/apps/{app_id}/secret"), &json!({}));
    let new_secret = json(&res)["clientSecret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);
    assert_eq!(
        self_get(&as_app(&app, client_id, &secret), &wayne.id, "production").status,
        401
    );
    assert_eq!(
        self_get(
            &as_app(&app, client_id, &new_secret),
            &wayne.id,
            "production"
        )
        .status,
        200
    );
}

#[test]
fn removed_authorization_refuses_the_app_and_keeps_the_tenants_data() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let api = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let (sync, secret) = create_app(&api, "Sync");
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let auth = authorize(
        &app,
        &api,
        sync["id"].as_str().unwrap(),
        "production",
        &bruce,
        &wayne,
    );
    let client = as_app(&app, sync["clientId"].as_str().unwrap(), &secret);
    assert_eq!(self_get(&client, &wayne.id, "production").status, 200);
    let (tenants, memberships, roles) = (
        app.count("tenants"),
        app.count("memberships"),
        app.count("roles"),
    );

    let remove = format!(
        "/api/v1/app-authorizations/{}/remove",
        auth["id"].as_str().unwrap()
    );
    let res = api.post(&remove, &json!({"reason": "Contract ended"}));
    assert_eq!(res.status, 422);
    assert_eq!(fields(&res), ["contactEmail"]);
    let res = api.post(
        &remove,
        &json!({"contactEmail": "bruce@wayne.example", "reason": ""}),
    );
    assert_eq!(fields(&res), ["reason"]);
    assert_eq!(
        self_get(&client, &wayne.id, "production").status,
        200,
        "nothing changed"
    );
    let res = api.post(
        &remove,
        &json!({"contactEmail": "bruce@wayne.example", "reason": "Contract ended"}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["status"], "removed");

    let res = self_get(&client, &wayne.id, "production");
    assert_eq!((res.status, code(&res)), (403, "forbidden".to_string()));
    let list = json(&client.get("/api/v1/apps/self/authorizations?environment=production"));
    assert!(list["items"].as_array().unwrap().is_empty());
    assert_eq!(
        (
            app.count("tenants"),
            app.count("memberships"),
            app.count("roles")
        ),
        (tenants, memberships, roles)
    );
    assert_eq!(
        app.count("app_authorizations"),
        1,
        "the row stays, as history"
    );
}

#[test]
fn refused_app_credentials_are_throttled_per_address() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let api = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let (sync, secret) = create_app(&api, "Sync");
    let client_id = sync["clientId"].as_str().unwrap();
    // The tenant only has to exist: the credentials are refused before anything else.
    app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let guessing = as_app(&app, client_id, "a guess");
    for _ in 0..app.settings.signin_throttle.per_address {
        assert_eq!(self_get(&guessing, &wayne.id, "production").status, 401);
    }
    // Now even the right secret waits: guessing from this address has stopped paying.
    let res = self_get(&as_app(&app, client_id, &secret), &wayne.id, "production");
    assert_eq!(
        (res.status, code(&res)),
        (429, "too_many_requests".to_string())
    );
    assert!(res.header("Retry-After").is_some());
}
