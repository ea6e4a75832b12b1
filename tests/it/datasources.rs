//! Data sources through the pages: the Data sources tab, create with validation, view without
//! the secret, Reveal, edit keeping the password, delete with confirmation, the sharing form
//! (exact permission sets, whole or nothing) and the rights of a shared-with tenant's members.

use crate::common::{PASSWORD, TestApp};
use crate::customers::tenant;
use crate::roles::{add_member, role_id};
use diesel::prelude::*;
use liaison::db::schema::{datasource_shares, datasources, memberships};
use liaison::services::{new_id, now};

const SECRET: &str = "pw-Page-7731-secret";

fn join(app: &TestApp, user_id: &str, tenant_id: &str, role: &str) {
    diesel::insert_into(memberships::table)
        .values((
            memberships::id.eq(new_id()),
            memberships::user_id.eq(user_id),
            memberships::role_id.eq(role_id(app, tenant_id, role)),
            memberships::tenant_id.eq(tenant_id),
            memberships::created_at.eq(now()),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

fn only_id(app: &TestApp) -> String {
    datasources::table
        .select(datasources::id)
        .order(datasources::created_at.desc())
        .first(&mut app.conn())
        .unwrap()
}

#[test]
fn the_tab_creates_shows_reveals_edits_and_deletes() {
    let app = TestApp::start();
    let (client, _alice) = app.signed_in("alice@data.example", false);
    let co = tenant(&app, "Data Co", false, "alice@data.example");
    let tab = format!("/accounts/{}/datasources", co.id);
    let page = client.get(&tab);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Shared with us"));
    assert!(
        client
            .get(&format!("/accounts/{}", co.id))
            .body
            .contains(&tab)
    );
    // Validation: every field labelled, messages next to them, nothing stored.
    let bad = client.submit(
        &tab,
        &tab,
        &[
            ("name", ""),
            ("kind", "excel"),
            ("port", "99999"),
            ("password", SECRET),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("name-error") && bad.body.contains("kind-error"));
    assert!(bad.body.contains("port-error"));
    assert!(!bad.body.contains(SECRET));
    assert_eq!(app.count("datasources"), 0);
    let made = client.submit(
        &tab,
        &tab,
        &[
            ("name", "Sales"),
            ("kind", "postgresql"),
            ("host", "db.example"),
            ("port", "5432"),
            ("database", "sales"),
            ("username", "report"),
            ("password", SECRET),
            ("description", "Replica"),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let id = only_id(&app);
    let show = format!("{tab}/{id}");
    assert_eq!(made.location(), show);
    let page = client.get(&show);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("db.example") && page.body.contains("Reveal password"));
    assert!(!page.body.contains(SECRET));
    assert!(!client.get(&tab).body.contains(SECRET));
    // Under another of Alice's tenants, the data source's pages do not exist.
    let other = tenant(&app, "Other Co", false, "alice@data.example");
    for suffix in ["", "/delete", "/sharing"] {
        let url = format!("/accounts/{}/datasources/{id}{suffix}", other.id);
        assert_eq!(client.get(&url).status, 404, "{url}");
    }
    let revealed = client.submit(&show, &format!("{show}/reveal"), &[]);
    assert_eq!(revealed.status, 200);
    assert!(revealed.body.contains(SECRET));
    assert!(
        app.audit_actions()
            .iter()
            .any(|a| a == "datasource.revealed")
    );
    // Edit with the password left empty keeps it.
    let edited = client.submit(
        &show,
        &show,
        &[
            ("name", "Sales EU"),
            ("kind", "mysql"),
            ("port", ""),
            ("password", ""),
        ],
    );
    assert_eq!(edited.status, 303, "{}", edited.body);
    let (name, cipher): (String, String) = datasources::table
        .find(&id)
        .select((datasources::name, datasources::password_ciphertext))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(name, "Sales EU");
    assert!(!cipher.is_empty() && !cipher.contains(SECRET));
    assert!(
        client
            .submit(&show, &format!("{show}/reveal"), &[])
            .body
            .contains(SECRET)
    );
    // Delete asks first.
    let confirm = client.get(&format!("{show}/delete"));
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("cannot be undone"));
    assert_eq!(app.count("datasources"), 1);
    let deleted = client.submit(&format!("{show}/delete"), &format!("{show}/delete"), &[]);
    assert_eq!(deleted.status, 303);
    assert_eq!(app.count("datasources"), 0);
}

#[test]
fn shared_tenant_members_get_exactly_the_listed_permissions_on_the_pages() {
    let app = TestApp::start();
    let (alice_client, alice) = app.signed_in("alice@data.example", false);
    let co = tenant(&app, "Data Co", false, "alice@data.example");
    let (bob_client, _bob) = app.signed_in("bob@reader.example", false);
    let reader = tenant(&app, "Reader", false, "bob@reader.example");
    let ro = add_member(&app, &reader, "Read-only", "ro@reader.example");
    let ro_client = app.client();
    assert_eq!(ro_client.sign_in(&ro.email, PASSWORD).status, 303);
    let tab = format!("/accounts/{}/datasources", co.id);
    let made = alice_client.submit(
        &tab,
        &tab,
        &[("name", "Sales"), ("kind", "rest"), ("password", SECRET)],
    );
    assert_eq!(made.status, 303);
    let id = only_id(&app);
    let sharing = format!("{tab}/{id}/sharing");
    // Without tenant.manage on Reader: refused, nothing stored.
    let refused = alice_client.submit(
        &sharing,
        &sharing,
        &[("tenant_0", &reader.id), ("perm_0", "datasources.view")],
    );
    assert_eq!(refused.status, 403);
    assert_eq!(app.count("datasource_shares"), 0);
    join(&app, &alice.id, &reader.id, "Administrator");
    // An unknown permission or tenant: nothing stored.
    let bad = alice_client.submit(
        &sharing,
        &sharing,
        &[
            ("tenant_0", &reader.id),
            ("perm_0", "datasources.view"),
            ("tenant_1", "nope"),
            ("perm_1", "datasources.view"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert_eq!(app.count("datasource_shares"), 0);
    let saved = alice_client.submit(
        &sharing,
        &sharing,
        &[("tenant_0", &reader.id), ("perm_0", "datasources.view")],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored: String = datasource_shares::table
        .select(datasource_shares::permissions)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(stored, "datasources.view");
    // View only: both Reader members see it under "Shared with us", without the secret, and
    // neither may reveal, edit or delete — Bob's Account owner role there adds nothing.
    let show = format!("/accounts/{}/datasources/{id}", reader.id);
    for client in [&bob_client, &ro_client] {
        let list = client.get(&format!("/accounts/{}/datasources", reader.id));
        assert_eq!(list.status, 200);
        assert!(list.body.contains("Sales"));
        let page = client.get(&show);
        assert_eq!(page.status, 200);
        assert!(!page.body.contains(SECRET) && !page.body.contains("Reveal password"));
        assert!(!page.body.contains("Save</button>"));
        let token = crate::common::csrf_in(
            &client
                .get(&format!("/accounts/{}/datasources", reader.id))
                .body,
        )
        .unwrap();
        let reveal = client.post_form(&format!("{show}/reveal"), &[("csrf_token", &token)]);
        assert_eq!(reveal.status, 403);
        assert!(!reveal.body.contains(SECRET));
        let del = client.post_form(&format!("{show}/delete"), &[("csrf_token", &token)]);
        assert_eq!(del.status, 403);
    }
    // View and use: now both may reveal.
    let saved = alice_client.submit(
        &sharing,
        &sharing,
        &[
            ("tenant_0", &reader.id),
            ("perm_0", "datasources.view"),
            ("perm_0", "datasources.use"),
        ],
    );
    assert_eq!(saved.status, 303);
    for client in [&bob_client, &ro_client] {
        let revealed = client.submit(&show, &format!("{show}/reveal"), &[]);
        assert_eq!(revealed.status, 200);
        assert!(revealed.body.contains(SECRET));
    }
    // Another tenant's member: 404.
    let (olga_client, _) = app.signed_in("olga@other.example", false);
    let other = tenant(&app, "Other", false, "olga@other.example");
    assert_eq!(
        olga_client
            .get(&format!("/accounts/{}/datasources/{id}", other.id))
            .status,
        404
    );
    assert_eq!(app.count("datasources"), 1);
}
