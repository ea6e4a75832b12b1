//! Data sources over the API: CRUD, rights from exact share permission sets (nothing from the
//! user's own roles in the shared-with tenant), the sharing rule, whole-or-nothing share writes,
//! the secret kept out of every answer but an explicit reveal, and other tenants' ids.

use super::{Api, fields, json, token};
use crate::common::{Resp, TestApp};
use crate::customers::tenant;
use crate::roles::{add_member, role_id};
use diesel::prelude::*;
use liaison::db::schema::{datasource_shares, datasources, memberships};
use liaison::domain::permission::Permission;
use liaison::services::datasources::{self as ds_service, ShareEntry};
use liaison::services::tenants::Tenant;
use liaison::services::users::User;
use liaison::services::{ServiceError, new_id, now};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const SECRET: &str = "pw-Zq81-hunter2";

fn send(api: &Api, method: &str, path: &str, body: &Value) -> Resp {
    api.send(
        method,
        path,
        Some(("application/json", body.to_string())),
        &[],
    )
}

fn create(api: &Api, name: &str) -> Value {
    let res = api.post(
        "/api/v1/datasources",
        &json!({"name": name, "kind": "postgresql", "host": "db.example", "port": 5432,
                "database": "sales", "username": "report", "password": SECRET,
                "description": "Sales replica"}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    assert!(!res.body.contains(SECRET));
    json(&res)
}

/// Gives `user` a built-in role of `tenant`.
fn join(app: &TestApp, user: &User, tenant: &Tenant, role: &str) {
    diesel::insert_into(memberships::table)
        .values((
            memberships::id.eq(new_id()),
            memberships::user_id.eq(&user.id),
            memberships::role_id.eq(role_id(app, &tenant.id, role)),
            memberships::tenant_id.eq(&tenant.id),
            memberships::created_at.eq(now()),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

fn stored_shares(app: &TestApp, id: &str) -> Vec<(String, String)> {
    datasource_shares::table
        .filter(datasource_shares::datasource_id.eq(id))
        .select((datasource_shares::tenant_id, datasource_shares::permissions))
        .order(datasource_shares::tenant_id.asc())
        .load(&mut app.conn())
        .unwrap()
}

fn entry(tenant_id: &str, permissions: &[&str]) -> ShareEntry {
    ShareEntry {
        tenant_id: tenant_id.to_string(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
    }
}

struct Owner {
    api: Api,
    user: User,
    tenant: Tenant,
}

fn owner(app: &TestApp, name: &str, email: &str) -> Owner {
    let user = app.create_user(email, false);
    let tenant = tenant(app, name, false, email);
    let api = Api::bearer(app, &token(app, &user, &tenant.id));
    Owner { api, user, tenant }
}

#[test]
fn crud_keeps_the_secret_out_of_every_answer_but_reveal() {
    let app = TestApp::start();
    let o = owner(&app, "Data Co", "alice@data.example");
    let created = create(&o.api, "Sales");
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["hasPassword"], true);
    assert_eq!(created["ownerUserId"], o.user.id.as_str());
    // Stored encrypted.
    let stored: String = datasources::table
        .find(id)
        .select(datasources::password_ciphertext)
        .first(&mut app.conn())
        .unwrap();
    assert!(!stored.is_empty() && !stored.contains(SECRET));
    let list = o.api.get("/api/v1/datasources");
    assert_eq!(list.status, 200);
    assert_eq!(json(&list)["items"].as_array().unwrap().len(), 1);
    assert!(!list.body.contains(SECRET));
    let url = format!("/api/v1/datasources/{id}");
    let got = o.api.get(&url);
    assert_eq!(got.status, 200);
    assert!(!got.body.contains(SECRET));
    // Patch without a password keeps it.
    let res = send(
        &o.api,
        "PATCH",
        &url,
        &json!({"host": "db2.example", "password": ""}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["host"], "db2.example");
    let revealed = o.api.post(&format!("{url}/reveal"), &json!({}));
    assert_eq!(revealed.status, 200);
    assert_eq!(json(&revealed)["password"], SECRET);
    // Bad input.
    let bad = o.api.post(
        "/api/v1/datasources",
        &json!({"name": "", "kind": "excel", "port": 70000, "host": "h".repeat(256)}),
    );
    assert_eq!(bad.status, 422);
    let f = fields(&bad);
    for field in ["name", "kind", "port", "host"] {
        assert!(f.contains(&field.to_string()), "{f:?}");
    }
    let taken = o.api.post(
        "/api/v1/datasources",
        &json!({"name": "SALES", "kind": "rest"}),
    );
    assert_eq!(taken.status, 422);
    // The audit log has the reveal.
    let actions: Vec<String> = liaison::db::schema::audit_events::table
        .select(liaison::db::schema::audit_events::action)
        .load(&mut app.conn())
        .unwrap();
    for a in [
        "datasource.created",
        "datasource.updated",
        "datasource.revealed",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}");
    }
    assert!(!actions.iter().any(|x| x.contains(SECRET)));
    assert_eq!(o.api.delete(&url).status, 204);
    assert_eq!(o.api.get(&url).status, 404);
}

#[test]
fn exact_share_permission_sets_decide_every_operation() {
    let app = TestApp::start();
    let staff = app.create_user("staff@liaison.example", true);
    let o = owner(&app, "Data Co", "alice@data.example");
    let sets: &[&[&str]] = &[
        &[],
        &["datasources.view"],
        &["datasources.view", "datasources.use"],
        &["datasources.view", "datasources.modify"],
        &["datasources.view", "datasources.delete"],
        &[
            "datasources.view",
            "datasources.use",
            "datasources.modify",
            "datasources.delete",
            "datasources.share",
        ],
    ];
    for (i, set) in sets.iter().enumerate() {
        let ds = create(&o.api, &format!("Source {i}"));
        let id = ds["id"].as_str().unwrap().to_string();
        // R: its Account owner (every permission of their own) and a Read-only member.
        let r = owner(&app, &format!("Reader {i}"), &format!("bob{i}@r.example"));
        let read_only = add_member(&app, &r.tenant, "Read-only", &format!("ro{i}@r.example"));
        if !set.is_empty() {
            let entries = [entry(&r.tenant.id, set)];
            ds_service::write_shares(&mut app.conn(), &staff, &id, &entries, true)
                .unwrap()
                .unwrap();
        }
        let has = |p: &str| set.contains(&p);
        // The Read-only member (no api.access): the one rights function decides.
        for (perm, name) in [
            (Permission::DatasourcesView, "datasources.view"),
            (Permission::DatasourcesUse, "datasources.use"),
            (Permission::DatasourcesModify, "datasources.modify"),
            (Permission::DatasourcesDelete, "datasources.delete"),
        ] {
            let ok = ds_service::require(&mut app.conn(), &read_only, &id, perm).is_ok();
            assert_eq!(ok, has(name), "read-only, set {set:?}, {name}");
        }
        // The Account owner of R, through the API.
        let url = format!("/api/v1/datasources/{id}");
        let refused = |res: &Resp| if set.is_empty() { 404 } else { 403 }.eq(&res.status);
        let got = r.api.get(&url);
        if has("datasources.view") {
            assert_eq!(got.status, 200, "set {set:?}");
            assert!(!got.body.contains(SECRET));
        } else {
            assert!(refused(&got), "set {set:?}: {}", got.status);
        }
        let revealed = r.api.post(&format!("{url}/reveal"), &json!({}));
        if has("datasources.use") {
            assert_eq!(revealed.status, 200);
            assert_eq!(json(&revealed)["password"], SECRET);
        } else {
            assert!(refused(&revealed), "set {set:?}: {}", revealed.status);
            assert!(!revealed.body.contains(SECRET));
        }
        let patched = send(&r.api, "PATCH", &url, &json!({"description": "changed"}));
        if has("datasources.modify") {
            assert_eq!(patched.status, 200);
        } else {
            assert!(refused(&patched), "set {set:?}: {}", patched.status);
            assert!(!patched.body.contains(SECRET));
        }
        let description: String = datasources::table
            .find(&id)
            .select(datasources::description)
            .first(&mut app.conn())
            .unwrap();
        assert_eq!(description == "changed", has("datasources.modify"));
        // R's own list never contains another tenant's data source.
        let list = r.api.get("/api/v1/datasources");
        assert_eq!(json(&list)["items"].as_array().unwrap().len(), 0);
        let deleted = r.api.delete(&url);
        if has("datasources.delete") {
            assert_eq!(deleted.status, 204);
        } else {
            assert!(refused(&deleted), "set {set:?}: {}", deleted.status);
        }
        let exists = datasources::table
            .find(&id)
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap();
        assert_eq!(exists == 0, has("datasources.delete"));
    }
}

#[test]
fn sharing_needs_the_owner_with_modify_and_tenant_manage_on_the_target() {
    let app = TestApp::start();
    let o = owner(&app, "Data Co", "alice@data.example");
    let ds = create(&o.api, "Sales");
    let id = ds["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/datasources/{id}/shared-tenants");
    let t1 = owner(&app, "Target One", "t1@t.example");
    let t2 = owner(&app, "Target Two", "t2@t.example");
    let t3 = owner(&app, "Target Three", "t3@t.example");
    let body =
        json!({"sharedTenants": [{"tenantId": t1.tenant.id, "permissions": ["datasources.view"]}]});
    // No tenant.manage on the target.
    assert_eq!(o.api.post(&url, &body).status, 403);
    assert!(stored_shares(&app, &id).is_empty());
    for t in [&t1, &t2, &t3] {
        join(&app, &o.user, &t.tenant, "Administrator");
    }
    // Not the owner: another Account owner of Data Co who manages the target too.
    let other = app.create_user("carl@data.example", false);
    join(&app, &other, &o.tenant, "Account owner");
    join(&app, &other, &t1.tenant, "Account owner");
    let other_api = Api::bearer(&app, &token(&app, &other, &o.tenant.id));
    assert_eq!(other_api.post(&url, &body).status, 403);
    // No api.access: a Read-only member.
    let ro = add_member(&app, &o.tenant, "Read-only", "ro@data.example");
    let ro_api = Api::basic(&app, &ro.email, crate::common::PASSWORD).in_tenant(&o.tenant.id);
    assert_eq!(ro_api.post(&url, &body).status, 403);
    assert!(stored_shares(&app, &id).is_empty());
    // No datasources.modify: the owner demoted to Read-only in Data Co (service level, as the
    // API would refuse them earlier for lacking api.access).
    let dave = add_member(&app, &o.tenant, "Administrator", "dave@data.example");
    join(&app, &dave, &t1.tenant, "Account owner");
    let dave_ds = ds_service::create(
        &mut app.conn(),
        &app.settings.datasource_key,
        &dave,
        &o.tenant.id,
        &ds_service::Input {
            name: Some("Dave's".into()),
            kind: Some("rest".into()),
            ..Default::default()
        },
    )
    .unwrap();
    diesel::update(
        memberships::table
            .filter(memberships::user_id.eq(&dave.id))
            .filter(memberships::tenant_id.eq(&o.tenant.id)),
    )
    .set(memberships::role_id.eq(role_id(&app, &o.tenant.id, "Read-only")))
    .execute(&mut app.conn())
    .unwrap();
    let refused = ds_service::write_shares(
        &mut app.conn(),
        &dave,
        &dave_ds.id,
        &[entry(&t1.tenant.id, &["datasources.view"])],
        true,
    );
    assert!(matches!(refused, Err(ServiceError::Forbidden)));
    assert!(stored_shares(&app, &dave_ds.id).is_empty());

    // The owner with both: 201 with the list as stored.
    let body = json!({"sharedTenants": [
        {"tenantId": t1.tenant.id, "permissions": ["datasources.view", "datasources.use"]},
        {"tenantId": t2.tenant.id, "permissions": ["datasources.view"]},
    ]});
    let res = o.api.post(&url, &body);
    assert_eq!(res.status, 201, "{}", res.body);
    let got = o.api.get(&url);
    assert_eq!(got.status, 200);
    assert_eq!(json(&res), json(&got));
    let mut sent: Vec<(String, BTreeSet<String>)> = json(&res)["sharedTenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let p = s["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_string())
                .collect();
            (s["tenantId"].as_str().unwrap().to_string(), p)
        })
        .collect();
    sent.sort();
    let stored: Vec<(String, BTreeSet<String>)> = stored_shares(&app, &id)
        .into_iter()
        .map(|(t, p)| (t, p.split(',').map(str::to_string).collect()))
        .collect();
    assert_eq!(sent, stored);
    assert_eq!(stored.len(), 2);

    // PUT replaces.
    let put = send(
        &o.api,
        "PUT",
        &url,
        &json!({"sharedTenants": [{"tenantId": t3.tenant.id, "permissions": ["datasources.delete"]},
                                   {"tenantId": t2.tenant.id, "permissions": ["datasources.view"]}]}),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let tenants: Vec<String> = stored_shares(&app, &id).into_iter().map(|s| s.0).collect();
    let mut want = vec![t2.tenant.id.clone(), t3.tenant.id.clone()];
    want.sort();
    assert_eq!(tenants, want);
    // DELETE one leaves the others.
    assert_eq!(o.api.delete(&format!("{url}/{}", t3.tenant.id)).status, 204);
    let left: Vec<String> = stored_shares(&app, &id).into_iter().map(|s| s.0).collect();
    assert_eq!(left, vec![t2.tenant.id.clone()]);
    assert_eq!(o.api.delete(&format!("{url}/{}", t3.tenant.id)).status, 404);

    // Each invalid request: 422 naming the entry, nothing stored.
    let before = stored_shares(&app, &id);
    let good = json!({"tenantId": t1.tenant.id, "permissions": ["datasources.view"]});
    let too_many: Vec<Value> = (0..101)
        .map(|_| json!({"tenantId": t1.tenant.id, "permissions": ["datasources.view"]}))
        .collect();
    let cases = [
        (
            json!([good, {"tenantId": "no-such-tenant", "permissions": ["datasources.view"]}]),
            "sharedTenants[1].tenantId",
        ),
        (json!([good, good]), "sharedTenants[1].tenantId"),
        (
            json!([good, {"tenantId": t3.tenant.id, "permissions": ["datasources.view", "tenant.manage"]}]),
            "sharedTenants[1].permissions[1]",
        ),
        (
            json!([good, {"tenantId": t3.tenant.id, "permissions": ["datasources.fly"]}]),
            "sharedTenants[1].permissions[0]",
        ),
        (
            json!([good, {"tenantId": t3.tenant.id, "permissions": []}]),
            "sharedTenants[1].permissions",
        ),
        (Value::Array(too_many), "sharedTenants"),
    ];
    for (list, field) in cases {
        for method in ["POST", "PUT"] {
            let res = send(&o.api, method, &url, &json!({"sharedTenants": list}));
            assert_eq!(res.status, 422, "{method} {field}: {}", res.body);
            assert_eq!(fields(&res), vec![field.to_string()], "{}", res.body);
            assert_eq!(stored_shares(&app, &id), before);
        }
    }
}

#[test]
fn another_tenants_data_source_ids_are_not_found() {
    let app = TestApp::start();
    let a = owner(&app, "Data Co", "alice@data.example");
    let b = owner(&app, "Other Co", "olga@other.example");
    let ds = create(&a.api, "Sales");
    let id = ds["id"].as_str().unwrap();
    let url = format!("/api/v1/datasources/{id}");
    assert_eq!(b.api.get(&url).status, 404);
    assert_eq!(
        send(&b.api, "PATCH", &url, &json!({"name": "x"})).status,
        404
    );
    let revealed = b.api.post(&format!("{url}/reveal"), &json!({}));
    assert_eq!(revealed.status, 404);
    assert!(!revealed.body.contains(SECRET));
    assert_eq!(b.api.get(&format!("{url}/shared-tenants")).status, 404);
    let share =
        json!({"sharedTenants": [{"tenantId": b.tenant.id, "permissions": ["datasources.view"]}]});
    assert_eq!(
        b.api.post(&format!("{url}/shared-tenants"), &share).status,
        404
    );
    assert_eq!(b.api.delete(&url).status, 404);
    assert_eq!(a.api.get(&url).status, 200);
}

/// Every data source endpoint once (for the coverage test).
pub fn exercise(app: &TestApp) -> BTreeSet<(String, String)> {
    let o = owner(app, "Exercise Data", "ex@data.example");
    let t = owner(app, "Exercise Target", "ext@data.example");
    join(app, &o.user, &t.tenant, "Administrator");
    let ds = create(&o.api, "Ex");
    let id = ds["id"].as_str().unwrap();
    let url = format!("/api/v1/datasources/{id}");
    assert_eq!(o.api.get("/api/v1/datasources").status, 200);
    assert_eq!(o.api.get(&url).status, 200);
    assert_eq!(send(&o.api, "PATCH", &url, &json!({"port": 0})).status, 422);
    assert_eq!(o.api.post(&format!("{url}/reveal"), &json!({})).status, 200);
    let shares = format!("{url}/shared-tenants");
    let body =
        json!({"sharedTenants": [{"tenantId": t.tenant.id, "permissions": ["datasources.view"]}]});
    assert_eq!(o.api.post(&shares, &body).status, 201);
    assert_eq!(send(&o.api, "PUT", &shares, &body).status, 200);
    assert_eq!(o.api.get(&shares).status, 200);
    assert_eq!(
        o.api.delete(&format!("{shares}/{}", t.tenant.id)).status,
        204
    );
    assert_eq!(o.api.delete(&url).status, 204);
    o.api.checked.take()
}

#[test]
fn the_list_pages_by_name_with_a_cursor() {
    let app = TestApp::start();
    let o = owner(&app, "Data Co", "alice@data.example");
    for name in ["Charlie", "alpha", "Bravo", "delta", "Echo"] {
        create(&o.api, name);
    }
    let mut names = Vec::new();
    let mut url = "/api/v1/datasources?limit=2".to_string();
    loop {
        let res = o.api.get(&url);
        assert_eq!(res.status, 200, "{url}: {}", res.body);
        let page = json(&res);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        names.extend(
            items
                .iter()
                .map(|d| d["name"].as_str().unwrap().to_string()),
        );
        match page["nextCursor"].as_str() {
            Some(c) => url = format!("/api/v1/datasources?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(names, ["alpha", "Bravo", "Charlie", "delta", "Echo"]);
    assert_eq!(o.api.get("/api/v1/datasources?cursor=nonsense").status, 422);
    assert_eq!(o.api.get("/api/v1/datasources?limit=0").status, 422);
}
