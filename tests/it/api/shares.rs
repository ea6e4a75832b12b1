//! Account shares over the API: the whole lifecycle, bad input, refusals and other tenants' ids.

use super::{Api, code, fields, json, token};
use crate::common::{PASSWORD, TestApp};
use crate::customers::{level, member};
use crate::shares::{entitled, grants, permissions, share, world};
use diesel::prelude::*;
use liaison::db::schema::users;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn shares_of(id: &str) -> String {
    format!("/api/v1/accounts/{id}/shares")
}

fn patch(api: &Api, path: &str, body: &Value) -> crate::common::Resp {
    api.send(
        "PATCH",
        path,
        Some(("application/json", body.to_string())),
        &[],
    )
}

#[test]
fn share_list_change_and_revoke_through_the_api() {
    let app = TestApp::start();
    let w = world(&app);
    let api = Api::bearer(&app, &token(&app, &w.mia.1, &w.hq.id));
    let url = shares_of(&w.hq.id);
    let operator = level(&app, &w.hq.id, "Operator");
    let ends = (liaison::services::now().date() + chrono::Duration::days(30)).to_string();
    let body = json!({"targetTenantId": w.target.id, "limitingRoleId": operator, "endsAt": ends});
    let res = api.post(&url, &body);
    assert_eq!(res.status, 201, "{}", res.body);
    let created = json(&res);
    assert_eq!(created["status"], "connected");
    assert_eq!(created["accountId"], w.hq.id.as_str());
    assert_eq!(created["limitingRole"], "Operator");
    assert_eq!(created["createdBy"], "mia@hq.example");
    assert_eq!(created["endsAt"], format!("{ends}T00:00:00Z"));
    let id = created["id"].as_str().unwrap().to_string();
    assert!(permissions(&app, &w.tom.1, &w.hq).contains("datasources.use"));
    // A sub-account, by accountId, with no end date.
    let sub = json!({"targetTenantId": w.target.id, "limitingRoleId": operator, "accountId": w.branch.id});
    let res = api.post(&url, &sub);
    assert_eq!(res.status, 201, "{}", res.body);
    assert!(json(&res)["endsAt"].is_null());
    // Listed, newest first, paginated.
    let page = json(&api.get(&format!("{url}?limit=1")));
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["accountName"], "HQ Branch");
    let cursor = page["nextCursor"].as_str().unwrap();
    let next = json(&api.get(&format!("{url}?limit=1&cursor={cursor}")));
    assert_eq!(next["items"][0]["id"], id.as_str());
    assert!(next["nextCursor"].is_null());
    // Lower the limit: the target's next request has it.
    let read_only = level(&app, &w.hq.id, "Read-only");
    let res = patch(
        &api,
        &format!("{url}/{id}"),
        &json!({"limitingRoleId": read_only}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["limitingRole"], "Read-only");
    assert!(!permissions(&app, &w.tom.1, &w.hq).contains("datasources.use"));
    // Revoke: gone at once, for the page too.
    let res = api.delete(&format!("{url}/{id}"));
    assert_eq!(res.status, 200);
    assert_eq!(json(&res)["status"], "removed");
    assert!(permissions(&app, &w.tom.1, &w.hq).is_empty());
    assert_eq!(w.tom.0.get(&format!("/accounts/{}", w.hq.id)).status, 404);
    assert_eq!(api.delete(&format!("{url}/{id}")).status, 409);
    let again = patch(
        &api,
        &format!("{url}/{id}"),
        &json!({"limitingRoleId": operator}),
    );
    assert_eq!(again.status, 409);
    assert_eq!(json(&api.get(&url))["items"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_input_is_a_422_naming_the_field_and_stores_nothing() {
    let app = TestApp::start();
    let w = world(&app);
    let (_, _, elsewhere) = crate::subaccounts::owner(&app, "Elsewhere", "eve@else.example");
    let api = Api::bearer(&app, &token(&app, &w.mia.1, &w.hq.id));
    let url = shares_of(&w.hq.id);
    let op = level(&app, &w.hq.id, "Operator");
    let foreign = level(&app, &elsewhere.id, "Operator");
    let today = liaison::services::now().date().to_string();
    let cases = [
        (json!({}), vec!["targetTenantId", "limitingRoleId"]),
        (
            json!({"targetTenantId": "nope", "limitingRoleId": op}),
            vec!["targetTenantId"],
        ),
        (
            json!({"targetTenantId": w.hq.id, "limitingRoleId": op}),
            vec!["targetTenantId"],
        ),
        (
            json!({"targetTenantId": w.branch.id, "limitingRoleId": op}),
            vec!["targetTenantId"],
        ),
        (
            json!({"targetTenantId": w.target.id, "limitingRoleId": foreign}),
            vec!["limitingRoleId"],
        ),
        (
            json!({"targetTenantId": w.target.id, "limitingRoleId": op, "endsAt": today}),
            vec!["endsAt"],
        ),
        (
            json!({"targetTenantId": w.target.id, "limitingRoleId": op, "endsAt": "2999-01-01"}),
            vec!["endsAt"],
        ),
        (
            json!({"targetTenantId": w.target.id, "limitingRoleId": op, "accountId": elsewhere.id}),
            vec!["accountId"],
        ),
        (
            json!({"targetTenantId": 5, "limitingRoleId": op}),
            vec!["targetTenantId"],
        ),
        (
            json!({"targetTenantId": w.target.id, "limitingRoleId": op, "endsAt": true}),
            vec!["endsAt"],
        ),
    ];
    for (body, expected) in cases {
        let res = api.post(&url, &body);
        assert_eq!(res.status, 422, "{body}: {}", res.body);
        assert_eq!(code(&res), "invalid");
        let got: BTreeSet<String> = fields(&res).into_iter().collect();
        let want: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(got, want, "{body}: {}", res.body);
        assert!(grants(&app).is_empty(), "{body}");
    }
    let ok = json!({"targetTenantId": w.target.id, "limitingRoleId": op});
    assert_eq!(api.post(&url, &ok).status, 201);
    let stored = grants(&app);
    let dup = api.post(&url, &ok);
    assert_eq!(dup.status, 422);
    assert!(
        json(&dup)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already shared")
    );
    let id = &stored[0].0;
    let res = patch(
        &api,
        &format!("{url}/{id}"),
        &json!({"limitingRoleId": foreign}),
    );
    assert_eq!(res.status, 422);
    assert_eq!(fields(&res), vec!["limitingRoleId"]);
    assert_eq!(grants(&app), stored);
}

#[test]
fn refusals_and_other_tenants_ids() {
    let app = TestApp::start();
    let w = world(&app);
    let mine = share(&app, &w.mia.1, &w.hq, &w.hq, &w.target, "Operator");
    let (_, eve, other) = crate::subaccounts::owner(&app, "Other", "eve@other.example");
    entitled(&app, &other);
    let theirs = share(&app, &eve, &other, &other, &w.target, "Read-only");
    let before = grants(&app);
    let mia = Api::bearer(&app, &token(&app, &w.mia.1, &w.hq.id));
    let eve_api = Api::bearer(&app, &token(&app, &eve, &other.id));
    let op = level(&app, &w.hq.id, "Operator");
    let body = json!({"targetTenantId": w.target.id, "limitingRoleId": op});
    // An account outside the acting tenant's subtree: 404 on every route.
    let hq = shares_of(&w.hq.id);
    assert_eq!(eve_api.get(&hq).status, 404);
    assert_eq!(eve_api.post(&hq, &body).status, 404);
    assert_eq!(
        patch(
            &eve_api,
            &format!("{hq}/{mine}"),
            &json!({"limitingRoleId": op})
        )
        .status,
        404
    );
    assert_eq!(eve_api.delete(&format!("{hq}/{mine}")).status, 404);
    // Another account's share under one's own account: 404.
    assert_eq!(
        patch(
            &mia,
            &format!("{hq}/{theirs}"),
            &json!({"limitingRoleId": op})
        )
        .status,
        404
    );
    assert_eq!(mia.delete(&format!("{hq}/{theirs}")).status, 404);
    assert_eq!(mia.delete(&format!("{hq}/{}", "x".repeat(100))).status, 404);
    assert_eq!(grants(&app), before);

    // No entitlement: 403.
    let (tom, target) = (&w.tom.1, &w.target);
    let tom_api = Api::bearer(&app, &token(&app, tom, &target.id));
    let t_body =
        json!({"targetTenantId": other.id, "limitingRoleId": level(&app, &target.id, "Operator")});
    let res = tom_api.post(&shares_of(&target.id), &t_body);
    assert_eq!(res.status, 403, "{}", res.body);
    // A basic user: 403, though an Administrator.
    let (_, bob) = member(&app, &w.hq, "Administrator", "bob@hq.example");
    diesel::update(users::table.find(&bob.id))
        .set(users::user_type.eq("basic"))
        .execute(&mut app.conn())
        .unwrap();
    let bob_api = Api::basic(&app, "bob@hq.example", PASSWORD).in_tenant(&w.hq.id);
    assert_eq!(bob_api.get(&hq).status, 200);
    assert_eq!(bob_api.post(&hq, &body).status, 403);
    assert_eq!(bob_api.delete(&format!("{hq}/{mine}")).status, 403);
    assert_eq!(grants(&app), before);
}

/// Every share route, for the coverage test.
pub fn exercise(app: &TestApp) -> BTreeSet<(String, String)> {
    let (_, ann, acme) = crate::subaccounts::owner(app, "Acme Shares", "ann@acme.example");
    entitled(app, &acme);
    let (_, _, dest) = crate::subaccounts::owner(app, "Dest", "dan@dest.example");
    let api = Api::bearer(app, &token(app, &ann, &acme.id));
    let url = shares_of(&acme.id);
    let op = level(app, &acme.id, "Operator");
    let res = api.post(
        &url,
        &json!({"targetTenantId": dest.id, "limitingRoleId": op}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let one = format!("{url}/{}", json(&res)["id"].as_str().unwrap());
    assert_eq!(api.get(&url).status, 200);
    assert_eq!(
        patch(&api, &one, &json!({"limitingRoleId": op})).status,
        200
    );
    assert_eq!(api.delete(&one).status, 200);
    api.checked.take()
}
