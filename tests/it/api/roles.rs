//! Roles over the API: Account owners create, change and delete custom roles; nobody escalates;
//! built-in roles are read-only; bad input and other tenants' ids change nothing.

use super::{Api, code, fields, json, token};
use crate::common::{Resp, TestApp};
use crate::customers::tenant;
use crate::roles::{add_member, custom_role, role_id};
use crate::subaccounts::snapshot;
use diesel::prelude::*;
use liaison::db::schema::role_permissions;
use liaison::services::tenants::Tenant;
use liaison::services::users::User;
use serde_json::{Value, json};

pub const ROLES: &str = "/api/v1/roles";

/// A top-level account and its Account owner.
pub fn owned(app: &TestApp, name: &str, email: &str) -> (User, Tenant) {
    let user = app.create_user(email, false);
    (user, tenant(app, name, false, email))
}

pub fn patch(api: &Api, path: &str, body: &Value) -> Resp {
    api.send(
        "PATCH",
        path,
        Some(("application/json", body.to_string())),
        &[],
    )
}

fn permissions(role: &Value) -> Vec<String> {
    let mut p: Vec<String> = role["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

#[test]
fn an_owner_creates_changes_and_deletes_a_custom_role() {
    let app = TestApp::start();
    let (bruce, wayne) = owned(&app, "Wayne Enterprises", "bruce@wayne.example");
    let api = Api::bearer(&app, &token(&app, &bruce, &wayne.id));
    let body = json!({
        "name": "Auditors",
        "description": "Read the activity log",
        "permissions": ["audit.view", "customers.view"],
        "appliesTo": "sub_only",
    });
    let res = api.post(ROLES, &body);
    assert_eq!(res.status, 201, "{}", res.body);
    let role = json(&res);
    assert_eq!(role["name"], "Auditors");
    assert_eq!(role["appliesTo"], "sub_only");
    assert_eq!(role["builtin"], false);
    assert_eq!(role["members"], 0);
    assert_eq!(
        permissions(&role),
        ["audit.view", "customers.view", "tenant.view"],
        "tenant.view is always added"
    );
    let id = role["id"].as_str().unwrap().to_string();

    let list = json(&api.get(ROLES));
    let items = list["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Account owner",
            "Administrator",
            "Operator",
            "Read-only",
            "Auditors"
        ]
    );
    assert_eq!(items[0]["builtin"], true);
    assert_eq!(items[0]["members"], 1);
    assert_eq!(items[0]["appliesTo"], "this_and_sub");
    let one = json(&api.get(&format!("{ROLES}/{id}")));
    assert_eq!(one, role);

    // A change keeps what it does not name.
    let res = patch(
        &api,
        &format!("{ROLES}/{id}"),
        &json!({"name": "Log readers", "permissions": ["audit.view"]}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let changed = json(&res);
    assert_eq!(changed["name"], "Log readers");
    assert_eq!(changed["description"], "Read the activity log");
    assert_eq!(changed["appliesTo"], "sub_only");
    assert_eq!(permissions(&changed), ["audit.view", "tenant.view"]);
    let res = patch(
        &api,
        &format!("{ROLES}/{id}"),
        &json!({"appliesTo": "this"}),
    );
    assert_eq!(json(&res)["appliesTo"], "this");
    assert_eq!(permissions(&json(&res)), ["audit.view", "tenant.view"]);

    let res = api.delete(&format!("{ROLES}/{id}"));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["name"], "Log readers");
    assert_eq!(api.get(&format!("{ROLES}/{id}")).status, 404);
    assert_eq!(api.delete(&format!("{ROLES}/{id}")).status, 404);
    assert_eq!(app.count(&format!("roles WHERE id = '{id}'")), 0);
    let actions = app.audit_actions();
    for action in ["role.created", "role.updated", "role.deleted"] {
        assert!(actions.contains(&action.to_string()), "{action}");
    }
}

#[test]
fn escalation_administrators_built_in_roles_and_other_tenants_are_refused() {
    let app = TestApp::start();
    let (bruce, wayne) = owned(&app, "Wayne Enterprises", "bruce@wayne.example");
    let plain = custom_role(&app, &bruce, &wayne, "Plain", &["customers.view"], "this");
    let api = Api::bearer(&app, &token(&app, &bruce, &wayne.id));
    // As after a catalogue change: the owner role of this tenant lacks audit.view.
    diesel::delete(
        role_permissions::table
            .filter(role_permissions::role_id.eq(role_id(&app, &wayne.id, "Account owner")))
            .filter(role_permissions::permission.eq("audit.view")),
    )
    .execute(&mut app.conn())
    .unwrap();
    let alfred = add_member(&app, &wayne, "Administrator", "alfred@wayne.example");
    let as_alfred = Api::bearer(&app, &token(&app, &alfred, &wayne.id));
    let (carl, acme) = owned(&app, "Acme", "carl@acme.example");
    let theirs = custom_role(&app, &carl, &acme, "Theirs", &["audit.view"], "this");
    let before = snapshot(&app);

    let sneaky = json!({"name": "Sneaky", "permissions": ["audit.view"], "appliesTo": "this"});
    let res = api.post(ROLES, &sneaky);
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(code(&res), "forbidden");
    let res = patch(
        &api,
        &format!("{ROLES}/{plain}"),
        &json!({"permissions": ["customers.view", "audit.view"]}),
    );
    assert_eq!(res.status, 403, "{}", res.body);
    assert!(app.audit_actions().contains(&"authz.refused".to_string()));

    // An Administrator is not an Account owner: no roles of their own making.
    let mine = json!({"name": "Mine", "permissions": [], "appliesTo": "this"});
    assert_eq!(as_alfred.post(ROLES, &mine).status, 403);
    let res = patch(
        &as_alfred,
        &format!("{ROLES}/{plain}"),
        &json!({"name": "X"}),
    );
    assert_eq!(res.status, 403);
    assert_eq!(as_alfred.delete(&format!("{ROLES}/{plain}")).status, 403);
    assert_eq!(as_alfred.get(ROLES).status, 200, "they may read them");

    // Built-in roles are read-only.
    let owner_role = role_id(&app, &wayne.id, "Account owner");
    let res = patch(
        &api,
        &format!("{ROLES}/{owner_role}"),
        &json!({"name": "Boss"}),
    );
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(code(&res), "conflict");
    let operator = role_id(&app, &wayne.id, "Operator");
    assert_eq!(api.delete(&format!("{ROLES}/{operator}")).status, 409);

    // Another tenant's role is not found, whatever the method.
    let theirs_url = format!("{ROLES}/{theirs}");
    assert_eq!(api.get(&theirs_url).status, 404);
    let res = patch(&api, &theirs_url, &json!({"name": "Mine now"}));
    assert_eq!(res.status, 404);
    assert_eq!(code(&res), "not_found");
    assert_eq!(api.delete(&theirs_url).status, 404);
    assert_eq!(api.get(&format!("{ROLES}/{}", "x".repeat(100))).status, 404);
    assert_eq!(snapshot(&app), before, "nothing changed");
}

#[test]
fn bad_input_answers_422_with_the_fields_and_stores_nothing() {
    let app = TestApp::start();
    let (bruce, wayne) = owned(&app, "Wayne Enterprises", "bruce@wayne.example");
    let plain = custom_role(&app, &bruce, &wayne, "Plain", &["customers.view"], "this");
    let api = Api::bearer(&app, &token(&app, &bruce, &wayne.id));
    let before = snapshot(&app);
    let ok = |name: &str| json!({"name": name, "permissions": [], "appliesTo": "this"});
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["name", "appliesTo"]),
        (ok("   "), vec!["name"]),
        (ok(&"x".repeat(61)), vec!["name"]),
        (ok("account OWNER"), vec!["name"]),
        (ok("plain"), vec!["name"]),
        (
            json!({"name": "X", "permissions": ["customers.view", "nope.nope"], "appliesTo": "this"}),
            vec!["permissions"],
        ),
        (
            json!({"name": "X", "appliesTo": "everywhere"}),
            vec!["appliesTo"],
        ),
        (
            json!({"name": "X", "description": "d".repeat(501), "appliesTo": "this"}),
            vec!["description"],
        ),
        (
            json!({"name": 5, "permissions": "audit.view", "appliesTo": "this"}),
            vec!["name", "permissions"],
        ),
        (
            json!({"name": "X", "permissions": [1], "appliesTo": ["this"]}),
            vec!["appliesTo", "permissions"],
        ),
    ];
    for (body, expected) in cases {
        let res = api.post(ROLES, &body);
        assert_eq!(res.status, 422, "{body}: {}", res.body);
        assert_eq!(code(&res), "invalid");
        assert_eq!(fields(&res), expected, "{body}");
    }
    let url = format!("{ROLES}/{plain}");
    for (body, expected) in [
        (json!({"name": ""}), vec!["name"]),
        (json!({"name": "Operator"}), vec!["name"]),
        (json!({"permissions": ["x"]}), vec!["permissions"]),
        (json!({"appliesTo": "up"}), vec!["appliesTo"]),
        (json!({"name": false}), vec!["name"]),
    ] {
        let res = patch(&api, &url, &body);
        assert_eq!(res.status, 422, "{body}: {}", res.body);
        assert_eq!(fields(&res), expected, "{body}");
    }
    assert_eq!(snapshot(&app), before, "nothing stored");
}
