//! Roles over HTTP and through the services: Account owners create, change and delete custom
//! roles; scopes decide where a role applies; nobody escalates; bad input changes nothing.

use crate::common::{PASSWORD, TestApp};
use crate::customers::{member, post};
use crate::subaccounts::{owner, snapshot, sub};
use diesel::prelude::*;
use liaison::authz;
use liaison::db::schema::{memberships, role_permissions, roles};
use liaison::domain::permission::Permission;
use liaison::services::ServiceError;
use liaison::services::roles::{self as role_service, NewRole};
use liaison::services::tenants::Tenant;
use liaison::services::users::User;

pub fn role_id(app: &TestApp, tenant_id: &str, name: &str) -> String {
    roles::table
        .filter(roles::tenant_id.eq(tenant_id))
        .filter(roles::name.eq(name))
        .select(roles::id)
        .first(&mut app.conn())
        .unwrap_or_else(|_| panic!("no role {name}"))
}

/// A custom role created through the service by an Account owner.
pub fn custom_role(
    app: &TestApp,
    by: &User,
    tenant: &Tenant,
    name: &str,
    permissions: &[&str],
    applies_to: &str,
) -> String {
    let input = NewRole {
        name: name.into(),
        description: String::new(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
        applies_to: applies_to.into(),
    };
    role_service::create(&mut app.conn(), by, &tenant.id, &input)
        .unwrap()
        .id
}

/// A new user holding the named role (built-in or custom) of a tenant.
pub fn add_member(app: &TestApp, tenant: &Tenant, role: &str, email: &str) -> User {
    let user = app.create_user(email, false);
    diesel::insert_into(memberships::table)
        .values((
            memberships::id.eq(liaison::services::new_id()),
            memberships::user_id.eq(&user.id),
            memberships::role_id.eq(role_id(app, &tenant.id, role)),
            memberships::tenant_id.eq(&tenant.id),
            memberships::created_at.eq(liaison::services::now()),
        ))
        .execute(&mut app.conn())
        .unwrap();
    user
}

fn permissions_of(app: &TestApp, role: &str) -> Vec<String> {
    role_permissions::table
        .filter(role_permissions::role_id.eq(role))
        .order(role_permissions::permission)
        .select(role_permissions::permission)
        .load(&mut app.conn())
        .unwrap()
}

#[test]
fn an_owner_creates_a_role_through_the_form() {
    let app = TestApp::start();
    let (client, _, wayne) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let base = format!("/accounts/{}/roles", wayne.id);
    let form = client.get(&format!("{base}/new"));
    assert_eq!(form.status, 200);
    for text in [
        "To what accounts should this role be applied?",
        "<label for=\"scope-this\">This account</label>",
        "<label for=\"scope-this_and_sub\">This account and sub-accounts</label>",
        "<label for=\"scope-sub_only\">Only sub-accounts</label>",
        "applies to all sub-accounts of the account",
        "<legend>Customers</legend>",
        "<label for=\"name\">",
    ] {
        assert!(form.body.contains(text), "{text}");
    }
    // tenant.view is always included.
    assert!(form.body.contains("value=\"tenant.view\" checked disabled"));
    let res = post(
        &client,
        &base,
        &[
            ("name", "Auditors"),
            ("description", "Read the activity log"),
            ("permissions", "audit.view"),
            ("permissions", "customers.view"),
            ("applies_to", "sub_only"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let list = client.get(&base);
    assert!(list.body.contains("Role Auditors created."));
    assert!(list.body.contains("<strong>Auditors</strong>"));
    assert!(list.body.contains("Only sub-accounts"));
    assert!(list.body.contains("Built-in, read-only"));
    // Built-in roles come first.
    let at = |name: &str| list.body.find(&format!("<strong>{name}</strong>")).unwrap();
    assert!(at("Account owner") < at("Read-only") && at("Read-only") < at("Auditors"));
    let id = role_id(&app, &wayne.id, "Auditors");
    assert_eq!(
        permissions_of(&app, &id),
        ["audit.view", "customers.view", "tenant.view"]
    );
    assert!(app.audit_actions().contains(&"role.created".to_string()));

    // Change it, then delete it after the confirmation.
    let edit = format!("{base}/{id}");
    assert!(client.get(&edit).body.contains("value=\"Auditors\""));
    let res = post(
        &client,
        &edit,
        &[
            ("name", "Log readers"),
            ("permissions", "audit.view"),
            ("applies_to", "this"),
        ],
    );
    assert_eq!(res.status, 303);
    assert_eq!(permissions_of(&app, &id), ["audit.view", "tenant.view"]);
    let confirm = client.get(&format!("{edit}/delete"));
    assert!(
        confirm
            .body
            .contains("Delete the role <strong>Log readers</strong>")
    );
    assert_eq!(post(&client, &format!("{edit}/delete"), &[]).status, 303);
    assert_eq!(app.count(&format!("roles WHERE id = '{id}'")), 0);
    assert_eq!(permissions_of(&app, &id).len(), 0);
}

#[test]
fn scopes_decide_where_a_role_applies() {
    let app = TestApp::start();
    let (_, bruce, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let middle = sub(&app, &bruce, &top, "Gotham");
    let bottom = sub(&app, &bruce, &middle, "Narrows");
    custom_role(
        &app,
        &bruce,
        &top,
        "Everywhere",
        &["audit.view"],
        "this_and_sub",
    );
    custom_role(&app, &bruce, &top, "Here", &["customers.view"], "this");
    custom_role(
        &app,
        &bruce,
        &top,
        "Below",
        &["datasources.view"],
        "sub_only",
    );
    let everywhere = add_member(&app, &top, "Everywhere", "e@wayne.example");
    let here = add_member(&app, &top, "Here", "h@wayne.example");
    let below = add_member(&app, &top, "Below", "b@wayne.example");
    let mut conn = app.conn();
    let mut at = |u: &User, t: &Tenant| authz::access(&mut conn, &u.id, &t.id).unwrap();
    assert!(at(&everywhere, &top).allows(Permission::AuditView));
    assert!(at(&everywhere, &bottom).allows(Permission::AuditView));
    assert!(at(&here, &top).allows(Permission::CustomersView));
    assert!(at(&here, &top).allows(Permission::TenantView));
    assert!(at(&here, &bottom).is_empty());
    assert!(at(&below, &top).is_empty());
    assert!(at(&below, &bottom).allows(Permission::DatasourcesView));
    assert!(at(&below, &middle).allows(Permission::TenantView));
    // Breadcrumbs show only what the user may see: "Below" does not see the top.
    let crumbs =
        liaison::services::subaccounts::breadcrumbs(&mut app.conn(), &below, &bottom.id).unwrap();
    assert_eq!(
        crumbs.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Gotham"]
    );
}

#[test]
fn only_account_owners_create_roles() {
    let app = TestApp::start();
    let (_, bruce, wayne) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let gotham = sub(&app, &bruce, &wayne, "Gotham");
    let (admin, _) = member(&app, &wayne, "Administrator", "alfred@wayne.example");
    let base = format!("/accounts/{}/roles", wayne.id);
    let fields = [
        ("name", "Mine"),
        ("permissions", "audit.view"),
        ("applies_to", "this"),
    ];
    let before = snapshot(&app);
    let list = admin.get(&base);
    assert_eq!(list.status, 200);
    assert!(!list.body.contains("+ New role"));
    assert_eq!(admin.get(&format!("{base}/new")).status, 403);
    assert_eq!(post(&admin, &base, &fields).status, 403);
    // The owner of a sub-account only cannot see the parent's roles at all.
    add_member(&app, &gotham, "Account owner", "gordon@gotham.example");
    let gordon = crate::common::Client::new(&app.base);
    assert_eq!(
        gordon.sign_in("gordon@gotham.example", PASSWORD).status,
        303
    );
    assert_eq!(gordon.get(&base).status, 404);
    assert_eq!(post(&gordon, &base, &fields).status, 404);
    let before_gordon = {
        let mut b = before.clone();
        b.3 += 1;
        b
    };
    assert_eq!(snapshot(&app), before_gordon);
    // In their own sub-account, they may; and the top owner's role reaches it too.
    let own = format!("/accounts/{}/roles", gotham.id);
    assert_eq!(post(&gordon, &own, &fields).status, 303);
    let bruce_client = crate::common::Client::new(&app.base);
    bruce_client.sign_in("bruce@wayne.example", PASSWORD);
    assert!(bruce_client.get(&own).body.contains("+ New role"));
}

#[test]
fn nobody_gives_a_role_permissions_they_lack() {
    let app = TestApp::start();
    let (client, bruce, wayne) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let keeps = custom_role(&app, &bruce, &wayne, "Keeps audit", &["audit.view"], "this");
    let plain = custom_role(&app, &bruce, &wayne, "Plain", &["customers.view"], "this");
    // As after a catalogue change: the owner role of this tenant lacks audit.view.
    diesel::delete(
        role_permissions::table
            .filter(role_permissions::role_id.eq(role_id(&app, &wayne.id, "Account owner")))
            .filter(role_permissions::permission.eq("audit.view")),
    )
    .execute(&mut app.conn())
    .unwrap();
    let base = format!("/accounts/{}/roles", wayne.id);
    let form = client.get(&format!("{base}/new"));
    assert!(form.body.contains("value=\"audit.view\" disabled"));
    assert!(
        form.body
            .contains("you do not hold this permission yourself")
    );
    let before = snapshot(&app);
    let res = post(
        &client,
        &base,
        &[
            ("name", "Sneaky"),
            ("permissions", "audit.view"),
            ("applies_to", "this"),
        ],
    );
    assert_eq!(res.status, 403);
    let res = post(
        &client,
        &format!("{base}/{plain}"),
        &[
            ("name", "Plain"),
            ("permissions", "audit.view"),
            ("applies_to", "this"),
        ],
    );
    assert_eq!(res.status, 403);
    assert_eq!(snapshot(&app), before);
    assert_eq!(
        permissions_of(&app, &plain),
        ["customers.view", "tenant.view"]
    );
    // A role that already has it may keep it.
    let res = post(
        &client,
        &format!("{base}/{keeps}"),
        &[
            ("name", "Keeps audit"),
            ("permissions", "audit.view"),
            ("applies_to", "sub_only"),
        ],
    );
    assert_eq!(res.status, 303);
    assert!(app.audit_actions().contains(&"authz.refused".to_string()));
}

#[test]
fn bad_input_is_refused_with_the_message_and_kept_in_the_form() {
    let app = TestApp::start();
    let (client, _, wayne) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let base = format!("/accounts/{}/roles", wayne.id);
    let long = "x".repeat(61);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("name", ""), ("applies_to", "this")], "Enter a name."),
        (
            vec![("name", &long), ("applies_to", "this")],
            "at most 60 characters",
        ),
        (
            vec![("name", "A\u{1}b"), ("applies_to", "this")],
            "cannot contain control characters",
        ),
        (
            vec![("name", "operator"), ("applies_to", "this")],
            "A role named “operator” already exists",
        ),
        (
            vec![
                ("name", "Ops"),
                ("permissions", "tenant.destroy"),
                ("applies_to", "this"),
            ],
            "Unknown permission “tenant.destroy”",
        ),
        (
            vec![("name", "Ops"), ("applies_to", "everywhere")],
            "Unknown scope “everywhere”",
        ),
        (
            vec![("name", "Ops")],
            "Choose to what accounts this role should be applied.",
        ),
    ];
    let before = snapshot(&app);
    for (fields, message) in cases {
        let mut all = fields.clone();
        all.push(("description", "Kept <text>"));
        all.push(("permissions", "customers.view"));
        let res = post(&client, &base, &all);
        assert_eq!(res.status, 422, "{fields:?}");
        assert!(res.body.contains(message), "{message}: {}", res.body);
        assert!(res.body.contains("Kept &#60;text&#62;") || res.body.contains("Kept &lt;text&gt;"));
        assert!(
            res.body.contains("value=\"customers.view\" checked"),
            "kept checked"
        );
    }
    assert_eq!(snapshot(&app), before);
    // Built-in roles are read-only.
    let operator = role_id(&app, &wayne.id, "Operator");
    assert_eq!(client.get(&format!("{base}/{operator}")).status, 409);
    let res = post(
        &client,
        &format!("{base}/{operator}"),
        &[("name", "Op"), ("applies_to", "this")],
    );
    assert_eq!(res.status, 409);
    assert!(res.body.contains("built-in role"));
    assert_eq!(
        post(&client, &format!("{base}/{operator}/delete"), &[]).status,
        409
    );
    assert_eq!(snapshot(&app), before);
}

#[test]
fn a_role_with_members_is_not_deleted_and_names_race_to_one() {
    let app = TestApp::start();
    let (client, bruce, wayne) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let held = custom_role(&app, &bruce, &wayne, "Held", &[], "this");
    add_member(&app, &wayne, "Held", "h@wayne.example");
    let res = post(
        &client,
        &format!("/accounts/{}/roles/{held}/delete", wayne.id),
        &[],
    );
    assert_eq!(res.status, 409);
    assert!(res.body.contains("Held still has members."));

    let pool = liaison::db::pool(&app.settings.database, 8).unwrap();
    let barrier = std::sync::Barrier::new(8);
    let results: Vec<Result<_, ServiceError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (pool, barrier, bruce, wayne) = (&pool, &barrier, &bruce, &wayne);
                s.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    let input = NewRole {
                        name: if i % 2 == 0 { "Twins" } else { "TWINS" }.into(),
                        applies_to: "this".into(),
                        ..NewRole::default()
                    };
                    barrier.wait();
                    role_service::create(&mut conn, bruce, &wayne.id, &input)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    for err in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(err, ServiceError::Invalid(e) if e[0].message.contains("already exists")),
            "{err:?}"
        );
    }
    assert_eq!(app.count("roles WHERE lower(name) = 'twins'"), 1);
}
