//! The explainer over the API: own access through roles, a partner's access through a link,
//! refusals, and unknown users answered like users without access.

use super::{Api, code, fields, json, token};
use crate::common::{PASSWORD, TestApp};
use crate::customers::{connected, member, partner};
use crate::subaccounts::{owner, sub};
use serde_json::Value;

fn access(api: &Api, account: &str, user: Option<&str>) -> Value {
    let query = user.map(|u| format!("?user={u}")).unwrap_or_default();
    let res = api.get(&format!("/api/v1/accounts/{account}/access{query}"));
    assert_eq!(res.status, 200, "{}", res.body);
    json(&res)
}

fn line<'a>(access: &'a Value, permission: &str) -> &'a Value {
    access["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["permission"] == permission)
        .unwrap_or_else(|| panic!("no {permission} line"))
}

#[test]
fn own_access_is_explained_by_role_paths() {
    let app = TestApp::start();
    let (_, bruce, wayne) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let gotham = sub(&app, &bruce, &wayne, "Gotham");
    let api = Api::bearer(&app, &token(&app, &bruce, &wayne.id));

    let own = access(&api, &wayne.id, None);
    assert_eq!(own["user"], "bruce@wayne.example");
    assert_eq!(own["account"]["id"], wayne.id.as_str());
    assert_eq!(own["account"]["name"], "Wayne Enterprises");
    let lines = own["permissions"].as_array().unwrap();
    assert!(lines.len() > 10, "the whole catalogue");
    assert!(
        lines.iter().all(|l| l["allowed"] == true),
        "an owner may do everything"
    );
    let path = &line(&own, "roles.manage")["paths"][0];
    assert_eq!(path["kind"], "role");
    assert_eq!(path["role"], "Account owner");
    assert_eq!(path["explanation"], "Account owner in Wayne Enterprises");
    assert_eq!(path["definedIn"]["id"], wayne.id.as_str());
    assert_eq!(path["definedIn"]["name"], "Wayne Enterprises");
    assert_eq!(path["appliesTo"], "this_and_sub");
    assert!(path.get("grantId").is_none());
    // Asking about oneself by address is the same answer.
    assert_eq!(access(&api, &wayne.id, Some("BRUCE@wayne.example")), own);

    // In a sub-account, the role flows down from the top.
    let below = access(&api, &gotham.id, None);
    assert_eq!(below["account"]["name"], "Gotham");
    let path = &line(&below, "tenant.view")["paths"][0];
    assert_eq!(
        path["explanation"],
        "Account owner in Wayne Enterprises, which applies to its sub-accounts"
    );
    assert_eq!(path["definedIn"]["id"], wayne.id.as_str());

    // An Operator sees their own access, not anyone else's.
    let (_, op) = member(&app, &wayne, "Operator", "op@wayne.example");
    let as_op = Api::bearer(&app, &token(&app, &op, &wayne.id));
    let mine = access(&as_op, &wayne.id, None);
    assert_eq!(mine["user"], "op@wayne.example");
    assert_eq!(line(&mine, "tenant.view")["allowed"], true);
    let manage = line(&mine, "tenant.manage");
    assert_eq!(manage["allowed"], false);
    assert!(manage["paths"].as_array().unwrap().is_empty());
    for user in ["bruce@wayne.example", "nobody@nowhere.example"] {
        let res = as_op.get(&format!("/api/v1/accounts/{}/access?user={user}", wayne.id));
        assert_eq!(res.status, 403, "{user}: {}", res.body);
        assert_eq!(code(&res), "forbidden");
    }

    // A malformed address names the field.
    let res = api.get(&format!(
        "/api/v1/accounts/{}/access?user=not-an-address",
        wayne.id
    ));
    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(fields(&res), ["user"]);
}

#[test]
fn a_partners_access_is_explained_as_a_grant_with_its_limiting_role() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let (bruce, wayne, link_id) = connected(
        &app,
        &betty,
        &msp,
        "bruce@wayne.example",
        "Wayne Enterprises",
    );
    let as_bruce = Api::bearer(&app, &token(&app, &bruce, &wayne.id));
    let theirs = access(&as_bruce, &wayne.id, Some("betty@msp.example"));
    assert_eq!(theirs["user"], "betty@msp.example");
    let view = line(&theirs, "tenant.view");
    assert_eq!(view["allowed"], true);
    let path = &view["paths"][0];
    assert_eq!(path["kind"], "grant");
    assert_eq!(path["grantId"], link_id.as_str());
    assert_eq!(path["limitingRole"], "Operator");
    assert_eq!(path["role"], "Account owner");
    assert_eq!(path["partner"], "Betty's MSP");
    assert_eq!(
        path["explanation"],
        "Account owner in Betty's MSP → partner link to Wayne Enterprises, limited to Operator"
    );
    assert!(path.get("definedIn").is_none() && path.get("appliesTo").is_none());
    // The limiting role cuts what the partner's own role allows.
    assert_eq!(line(&theirs, "tenant.manage")["allowed"], false);
    assert_eq!(line(&theirs, "roles.manage")["allowed"], false);

    // The partner, acting in the customer account, sees the same about themselves.
    let as_betty = Api::basic(&app, "betty@msp.example", PASSWORD).in_tenant(&wayne.id);
    let own = access(&as_betty, &wayne.id, None);
    assert_eq!(own["permissions"], theirs["permissions"]);
    // … but may not ask about the customer's users: users.invite through a link does not count.
    let res = as_betty.get(&format!(
        "/api/v1/accounts/{}/access?user=bruce@wayne.example",
        wayne.id
    ));
    assert_eq!(res.status, 403, "{}", res.body);
}

#[test]
fn an_unknown_user_is_answered_like_a_user_without_access() {
    let app = TestApp::start();
    let (_, bruce, wayne) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    app.create_user("stranger@elsewhere.example", false);
    let api = Api::bearer(&app, &token(&app, &bruce, &wayne.id));
    let known = access(&api, &wayne.id, Some("stranger@elsewhere.example"));
    let unknown = access(&api, &wayne.id, Some("ghost@elsewhere.example"));
    assert_eq!(known["user"], "stranger@elsewhere.example");
    assert_eq!(unknown["user"], "ghost@elsewhere.example");
    assert_eq!(known["account"], unknown["account"]);
    assert_eq!(known["permissions"], unknown["permissions"]);
    let lines = unknown["permissions"].as_array().unwrap();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l["allowed"] == false && l["paths"].as_array().unwrap().is_empty())
    );
}
