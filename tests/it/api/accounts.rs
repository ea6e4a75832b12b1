//! Accounts over the API: a 1,000-level chain made through it with roles flowing down by scope,
//! the name race, bad input, other tenants' ids and refusals.

use super::{Api, code, fields, json, token};
use crate::common::{PASSWORD, TestApp};
use crate::customers::member;
use crate::subaccounts::{owner, snapshot, sub};
use diesel::prelude::*;
use liaison::authz;
use liaison::db::schema::{memberships, tenants as t};
use liaison::domain::permission::Permission;
use liaison::services::roles::{self, NewRole};
use liaison::services::users::User;
use serde_json::{Value, json};
use std::sync::Barrier;
use std::time::Instant;

const ACCOUNTS: &str = "/api/v1/accounts";
const DEPTH: usize = 1000;

/// A JSON body as a request body.
fn body(v: &Value) -> Option<(&'static str, String)> {
    Some(("application/json", v.to_string()))
}

/// A custom role at `tenant_id` with `permission`, applying to `applies_to`, with `user` in it.
fn custom_role(app: &TestApp, by: &User, tenant_id: &str, applies_to: &str, user: &User) {
    let input = NewRole {
        name: format!("Scope {applies_to}"),
        description: String::new(),
        permissions: vec!["datasources.use".into()],
        applies_to: applies_to.into(),
    };
    let role = roles::create(&mut app.conn(), by, tenant_id, &input).unwrap();
    diesel::insert_into(memberships::table)
        .values((
            memberships::id.eq(liaison::services::new_id()),
            memberships::user_id.eq(&user.id),
            memberships::role_id.eq(&role.id),
            memberships::tenant_id.eq(tenant_id),
            memberships::created_at.eq(liaison::services::now()),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

fn may_use(app: &TestApp, user: &User, tenant_id: &str) -> bool {
    authz::access(&mut app.conn(), &user.id, tenant_id)
        .unwrap()
        .allows(Permission::DatasourcesUse)
}

/// The permission's line in an explainer answer.
fn line<'a>(access: &'a Value, permission: &str) -> &'a Value {
    access["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["permission"] == permission)
        .unwrap()
}

#[test]
fn a_chain_of_a_thousand_sub_accounts_made_through_the_api() {
    let app = TestApp::start();
    let (_, bruce, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    // Basic authentication; each call acts in the account the previous call made.
    let api = Api::basic(&app, "bruce@wayne.example", PASSWORD);
    let started = Instant::now();
    let mut parent = top.id.clone();
    for level in 1..=DEPTH {
        let res = api.send(
            "POST",
            ACCOUNTS,
            body(&json!({"name": format!("Level {level}")})),
            &[("Liaison-Tenant", &parent)],
        );
        assert_eq!(res.status, 201, "level {level}: {}", res.body);
        let account = json(&res);
        assert_eq!(account["parentId"], parent.as_str());
        parent = account["id"].as_str().unwrap().to_string();
    }
    let bottom = parent;
    eprintln!(
        "{DEPTH} nested sub-accounts through the API (Basic auth): {:?}",
        started.elapsed()
    );

    // From the top: the bottom is 1,000 levels down, and the list pages through the chain.
    let as_top = Api::basic(&app, "bruce@wayne.example", PASSWORD).in_tenant(&top.id);
    let res = as_top.get(&format!("{ACCOUNTS}/{bottom}"));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["depth"], DEPTH);
    assert_eq!(json(&res)["name"], format!("Level {DEPTH}"));
    let page = json(&as_top.get(&format!("{ACCOUNTS}?limit=100")));
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 100);
    assert_eq!(items[0]["name"], "Level 1");
    assert_eq!(items[99]["depth"], 100);
    let next = page["nextCursor"].as_str().unwrap();
    let page = json(&as_top.get(&format!("{ACCOUNTS}?limit=100&cursor={next}")));
    assert_eq!(page["items"][0]["name"], "Level 101");
    let found = json(&as_top.get(&format!("{ACCOUNTS}?q=level%2099")));
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Level 99",
            "Level 990",
            "Level 991",
            "Level 992",
            "Level 993",
            "Level 994",
            "Level 995",
            "Level 996",
            "Level 997",
            "Level 998",
            "Level 999"
        ]
    );

    // Custom roles at the top, by scope.
    let both = app.create_user("both@wayne.example", false);
    let this = app.create_user("this@wayne.example", false);
    let below = app.create_user("below@wayne.example", false);
    custom_role(&app, &bruce, &top.id, "this_and_sub", &both);
    custom_role(&app, &bruce, &top.id, "this", &this);
    custom_role(&app, &bruce, &top.id, "sub_only", &below);
    let started = Instant::now();
    assert!(may_use(&app, &both, &bottom), "this and sub-accounts");
    assert!(may_use(&app, &both, &top.id));
    assert!(!may_use(&app, &this, &bottom), "this account only");
    assert!(may_use(&app, &this, &top.id));
    assert!(may_use(&app, &below, &bottom), "only sub-accounts");
    assert!(
        !may_use(&app, &below, &top.id),
        "only sub-accounts, not the top"
    );
    eprintln!(
        "six authorizations at depth 0 and {DEPTH}: {:?}",
        started.elapsed()
    );

    // The same through the explainer, asked by the owner acting at the top.
    let explain = |user: &str, at: &str| {
        let res = as_top.get(&format!("{ACCOUNTS}/{at}/access?user={user}"));
        assert_eq!(res.status, 200, "{}", res.body);
        json(&res)
    };
    let access = explain("both@wayne.example", &bottom);
    let uses = line(&access, "datasources.use");
    assert_eq!(uses["allowed"], true);
    let path = &uses["paths"][0];
    assert_eq!(path["kind"], "role");
    assert_eq!(path["role"], "Scope this_and_sub");
    assert_eq!(path["appliesTo"], "this_and_sub");
    assert_eq!(path["definedIn"]["id"], top.id.as_str());
    assert_eq!(
        path["explanation"],
        "Scope this_and_sub in Wayne Enterprises, which applies to its sub-accounts"
    );
    assert_eq!(access["account"]["id"], bottom.as_str());
    let access = explain("this@wayne.example", &bottom);
    assert_eq!(line(&access, "datasources.use")["allowed"], false);
    assert_eq!(line(&access, "tenant.view")["allowed"], false);
    let access = explain("below@wayne.example", &top.id);
    assert_eq!(line(&access, "datasources.use")["allowed"], false);
    let access = explain("below@wayne.example", &bottom);
    assert_eq!(line(&access, "datasources.use")["allowed"], true);
}

#[test]
fn concurrent_creates_of_one_name_make_one_account() {
    let app = TestApp::start();
    let (_, bruce, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let secret = token(&app, &bruce, &top.id);
    let barrier = Barrier::new(20);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..20)
            .map(|_| {
                s.spawn(|| {
                    let api = Api::bearer(&app, &secret);
                    barrier.wait();
                    api.post(ACCOUNTS, &json!({"name": "Gotham"})).status
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );
    let rows: i64 = t::table
        .filter(t::name_key.eq("gotham"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(rows, 1);
}

#[test]
fn bad_names_are_refused_with_the_field_and_nothing_is_stored() {
    let app = TestApp::start();
    let (_, bruce, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let gotham = sub(&app, &bruce, &top, "Gotham");
    let api = Api::bearer(&app, &token(&app, &bruce, &top.id));
    let before = snapshot(&app);
    let renamed = format!("{ACCOUNTS}/{}", gotham.id);
    for bad in [
        json!({"name": ""}),
        json!({"name": "   "}),
        json!({"name": "x".repeat(101)}),
        json!({"name": "Bad\u{7}name"}),
        json!({"name": "Two\nlines"}),
        json!({"name": 42}),
        json!({"name": ["Gotham"]}),
        json!({"name": {"first": "Gotham"}}),
        json!({"name": true}),
        json!({"name": null}),
        json!({}),
        json!({"other": "Gotham"}),
    ] {
        for (method, path) in [("POST", ACCOUNTS), ("PATCH", renamed.as_str())] {
            let res = api.send(method, path, body(&bad), &[]);
            assert_eq!(res.status, 422, "{method} {bad}: {}", res.body);
            assert_eq!(code(&res), "invalid");
            assert_eq!(fields(&res), ["name"], "{method} {bad}");
        }
    }
    // 100 characters is the limit, not past it.
    let res = api.post(ACCOUNTS, &json!({"name": "y".repeat(100)}));
    assert_eq!(res.status, 201, "{}", res.body);
    let res = api.delete(&format!(
        "{ACCOUNTS}/{}",
        json(&res)["id"].as_str().unwrap()
    ));
    assert_eq!(res.status, 200, "{}", res.body);
    for (method, path) in [("POST", ACCOUNTS), ("PATCH", renamed.as_str())] {
        for content_type in ["text/plain", "application/x-www-form-urlencoded", ""] {
            let res = api.send(
                method,
                path,
                Some((content_type, "{\"name\": \"Ok\"}".into())),
                &[],
            );
            assert_eq!(res.status, 415, "{method} {content_type}: {}", res.body);
            assert_eq!(code(&res), "unsupported_media_type");
        }
    }
    assert_eq!(snapshot(&app), before, "nothing stored");
    let long = "q".repeat(101);
    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "cursor=%%%",
        "cursor=bm8gaWQh",
    ] {
        let res = api.get(&format!("{ACCOUNTS}?{query}"));
        assert_eq!(res.status, 422, "{query}: {}", res.body);
    }
    let res = api.get(&format!("{ACCOUNTS}?q={long}"));
    assert_eq!(fields(&res), ["q"]);
}

#[test]
fn another_tenants_accounts_are_not_found_and_refusals_change_nothing() {
    let app = TestApp::start();
    let (_, bruce, wayne) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let (_, lex, lexcorp) = owner(&app, "LexCorp", "lex@lexcorp.example");
    let gotham = sub(&app, &bruce, &wayne, "Gotham");
    let metropolis = sub(&app, &lex, &lexcorp, "Metropolis");
    let as_lex = Api::bearer(&app, &token(&app, &lex, &lexcorp.id));
    // Bruce acting in Gotham: Wayne, above it, is outside its subtree too.
    let as_gotham = Api::bearer(&app, &token(&app, &bruce, &gotham.id));
    let before = snapshot(&app);
    for (api, id) in [
        (&as_lex, &wayne.id),
        (&as_lex, &gotham.id),
        (&as_gotham, &wayne.id),
        (&as_gotham, &metropolis.id),
        (&as_lex, &"no-such-account".to_string()),
        (&as_lex, &"x".repeat(200)),
    ] {
        let one = format!("{ACCOUNTS}/{id}");
        let answers = [
            api.get(&one),
            api.send("PATCH", &one, body(&json!({"name": "Taken over"})), &[]),
            api.delete(&one),
            api.get(&format!("{one}/access")),
            api.get(&format!("{one}/access?user=bruce@wayne.example")),
        ];
        for res in answers {
            assert_eq!(res.status, 404, "{id}: {}", res.body);
            assert_eq!(code(&res), "not_found");
        }
    }
    let listed = json(&as_lex.get(ACCOUNTS));
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [metropolis.id.as_str()]);
    assert_eq!(snapshot(&app), before, "nothing changed");

    // Read-only has no api.access; an Operator has it but may not create sub-accounts.
    member(&app, &wayne, "Read-only", "reader@wayne.example");
    let as_reader = Api::basic(&app, "reader@wayne.example", PASSWORD).in_tenant(&wayne.id);
    let res = as_reader.post(ACCOUNTS, &json!({"name": "Sneaky"}));
    assert_eq!(res.status, 403, "{}", res.body);
    let (_, operator) = member(&app, &wayne, "Operator", "op@wayne.example");
    let as_operator = Api::bearer(&app, &token(&app, &operator, &wayne.id));
    let res = as_operator.post(ACCOUNTS, &json!({"name": "Sneaky"}));
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(code(&res), "forbidden");
    let res = as_operator.send(
        "PATCH",
        &format!("{ACCOUNTS}/{}", gotham.id),
        body(&json!({"name": "Mine"})),
        &[],
    );
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(
        as_operator.get(&format!("{ACCOUNTS}/{}", gotham.id)).status,
        200
    );

    // A non-empty account is not deleted; an empty one is.
    let as_bruce = Api::bearer(&app, &token(&app, &bruce, &wayne.id));
    let narrows = json(&as_bruce.send("POST", ACCOUNTS, body(&json!({"name": "Narrows"})), &[]));
    let res = as_gotham.post(ACCOUNTS, &json!({"name": "Arkham"}));
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(json(&res)["depth"], 1);
    assert_eq!(json(&res)["parentId"], gotham.id.as_str());
    let res = as_bruce.delete(&format!("{ACCOUNTS}/{}", gotham.id));
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(code(&res), "conflict");
    assert_eq!(
        as_bruce.get(&format!("{ACCOUNTS}/{}", gotham.id)).status,
        200
    );
    let res = as_bruce.delete(&format!("{ACCOUNTS}/{}", wayne.id));
    assert_eq!(res.status, 409, "a top-level account: {}", res.body);
    let narrows = format!("{ACCOUNTS}/{}", narrows["id"].as_str().unwrap());
    let res = as_bruce.send(
        "PATCH",
        &narrows,
        body(&json!({"name": " The Narrows "})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["name"], "The Narrows");
    let res = as_bruce.send("PATCH", &narrows, body(&json!({"name": "GOTHAM"})), &[]);
    assert_eq!(res.status, 409, "a taken name, in any case: {}", res.body);
    assert_eq!(as_bruce.delete(&narrows).status, 200);
    assert_eq!(as_bruce.get(&narrows).status, 404);
    assert_eq!(as_bruce.delete(&narrows).status, 404);
}
