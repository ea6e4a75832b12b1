//! Who may not share, bad input, and other tenants' ids: a clear answer and nothing stored.

use super::{World, entitled, grants, share, world};
use crate::authz::emailed_token;
use crate::common::TestApp;
use crate::customers::{level, member, partner};
use diesel::prelude::*;
use liaison::db::schema::users;
use liaison::services::links::{self, AcceptInto, InvitationKey, Invite};

fn page(w: &World) -> String {
    format!("/accounts/{}/shares", w.hq.id)
}

/// The Share form's fields, filled in for a good share of HQ with Target Co.
fn good(w: &World, app: &TestApp) -> Vec<(&'static str, String)> {
    vec![
        ("account_id", w.hq.id.clone()),
        ("target_tenant_id", w.target.id.clone()),
        ("limiting_role_id", level(app, &w.hq.id, "Operator")),
        ("ends_at", String::new()),
    ]
}

fn with(
    mut fields: Vec<(&'static str, String)>,
    name: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for f in &mut fields {
        if f.0 == name {
            f.1 = value.to_string();
        }
    }
    fields
}

fn post(
    client: &crate::common::Client,
    path: &str,
    fields: &[(&'static str, String)],
) -> crate::common::Resp {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    client.submit("/", path, &pairs)
}

#[test]
fn sharing_needs_the_entitlement_a_core_or_full_user_and_grants_manage_of_ones_own() {
    let app = TestApp::start();
    let (mia_client, mia, hq) = crate::subaccounts::owner(&app, "HQ", "mia@hq.example");
    let (_, _, target) = crate::subaccounts::owner(&app, "Target Co", "tom@target.example");
    let w_page = format!("/accounts/{}/shares", hq.id);
    let fields = vec![
        ("account_id", hq.id.clone()),
        ("target_tenant_id", target.id.clone()),
        ("limiting_role_id", level(&app, &hq.id, "Operator")),
        ("ends_at", String::new()),
    ];
    // No entitlement: the page says why, a post is refused.
    let shown = mia_client.get(&w_page);
    assert_eq!(shown.status, 200);
    assert!(
        shown
            .body
            .contains("does not have the multi-tenancy entitlement")
    );
    assert!(
        !shown
            .body
            .contains("<button type=\"submit\">Share</button>")
    );
    assert_eq!(post(&mia_client, &w_page, &fields).status, 403);
    assert!(grants(&app).is_empty());

    // Staff give the entitlement on the Tenants page; audited.
    let (staff, _) = app.signed_in("staff@liaison.example", true);
    assert!(
        staff
            .get("/staff/tenants")
            .body
            .contains("Give multi-tenancy")
    );
    let res = staff.submit(
        "/staff/tenants",
        &format!("/staff/tenants/{}/multi-tenancy", hq.id),
        &[("multi_tenancy", "true")],
    );
    assert_eq!(res.status, 303);
    assert!(
        app.audit_actions()
            .contains(&"tenant.multi_tenancy_changed".to_string())
    );
    // Not staff: refused.
    let res = mia_client.submit(
        "/",
        &format!("/staff/tenants/{}/multi-tenancy", hq.id),
        &[("multi_tenancy", "false")],
    );
    assert_eq!(res.status, 403);

    // A basic user, even an Administrator: read-only with the reason.
    let (basic, basic_user) = member(&app, &hq, "Administrator", "bob@hq.example");
    diesel::update(users::table.find(&basic_user.id))
        .set(users::user_type.eq("basic"))
        .execute(&mut app.conn())
        .unwrap();
    let shown = basic.get(&w_page);
    assert_eq!(shown.status, 200);
    assert!(
        shown.body.contains("Your user type is basic"),
        "{}",
        shown.body
    );
    assert_eq!(post(&basic, &w_page, &fields).status, 403);
    assert!(grants(&app).is_empty());

    // grants.manage only through a partner link: refused.
    let (betty_client, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let admin = level(&app, &msp.id, "Administrator");
    let invite = Invite {
        email: "mia@hq.example",
        access_level: &admin,
        message: "",
    };
    links::invite(&mut app.conn(), &app.settings, &betty, &msp.id, invite).unwrap();
    let token = emailed_token(&app, "mia@hq.example");
    links::accept(
        &mut app.conn(),
        &app.settings,
        &mia,
        InvitationKey::Token(&token),
        AcceptInto::Existing(&hq.id),
    )
    .unwrap();
    let before = grants(&app);
    let shown = betty_client.get(&w_page);
    assert_eq!(shown.status, 200);
    assert!(
        shown
            .body
            .contains("a partner link or share does not give it")
    );
    assert_eq!(post(&betty_client, &w_page, &fields).status, 403);
    assert_eq!(grants(&app), before);

    // Mia, a full owner with the entitlement now, shares through the form.
    let res = post(&mia_client, &w_page, &fields);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(grants(&app).len(), before.len() + 1);
    let listed = mia_client.get(&w_page);
    assert!(listed.body.contains("Target Co") && listed.body.contains("No end date"));
}

#[test]
fn bad_input_is_answered_clearly_and_stores_nothing() {
    let app = TestApp::start();
    let w = world(&app);
    let (_, _, elsewhere) = crate::subaccounts::owner(&app, "Elsewhere", "eve@else.example");
    let page = page(&w);
    let client = &w.mia.0;
    let today = liaison::services::now().date();
    let far = (today + chrono::Duration::days(800)).to_string();
    let base = good(&w, &app);
    let foreign_role = level(&app, &elsewhere.id, "Operator");
    let cases: Vec<(Vec<(&'static str, String)>, &str)> = vec![
        (
            with(base.clone(), "target_tenant_id", ""),
            "Enter the tenant ID",
        ),
        (
            with(base.clone(), "target_tenant_id", "no-such-tenant"),
            "There is no account with the tenant ID",
        ),
        (
            with(base.clone(), "target_tenant_id", &"x".repeat(300)),
            "There is no account with the tenant ID",
        ),
        (
            with(base.clone(), "target_tenant_id", &w.hq.id),
            "HQ cannot be shared with itself.",
        ),
        (
            with(base.clone(), "target_tenant_id", &w.branch.id),
            "HQ Branch is a sub-account of HQ",
        ),
        (
            with(
                with(base.clone(), "account_id", &w.branch.id),
                "target_tenant_id",
                &w.hq.id,
            ),
            "HQ lies above HQ Branch",
        ),
        (
            with(base.clone(), "limiting_role_id", ""),
            "Choose one of the roles of HQ",
        ),
        (
            with(base.clone(), "limiting_role_id", "no-such-role"),
            "Choose one of the roles of HQ",
        ),
        (
            with(base.clone(), "limiting_role_id", &foreign_role),
            "Choose one of the roles of HQ",
        ),
        (
            with(base.clone(), "account_id", &elsewhere.id),
            "Choose HQ or one of its sub-accounts",
        ),
        (
            with(base.clone(), "ends_at", &today.to_string()),
            "The end date must be at least 1 day from now",
        ),
        (
            with(base.clone(), "ends_at", &far),
            "The end date must be at most 2 years from now",
        ),
        (with(base.clone(), "ends_at", "next week"), "YYYY-MM-DD"),
    ];
    for (fields, message) in &cases {
        let res = post(client, &page, fields);
        assert_eq!(res.status, 422, "{message}: {}", res.body);
        assert!(res.body.contains(message), "{message}: {}", res.body);
        assert!(res.body.contains("Nothing was shared."));
        assert!(grants(&app).is_empty(), "{message}");
    }
    // A good share with an end date, then the same again: refused as a duplicate.
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    let ok = with(base.clone(), "ends_at", &tomorrow);
    assert_eq!(post(client, &page, &ok).status, 303);
    let stored = grants(&app);
    assert_eq!(stored.len(), 1);
    let dup = post(client, &page, &base);
    assert_eq!(dup.status, 422);
    assert!(dup.body.contains("HQ is already shared with Target Co."));
    assert_eq!(grants(&app), stored);
    // A limiting role that is not HQ's, on a change: refused, unchanged.
    let id = &stored[0].0;
    let res = client.submit(
        "/",
        &format!("{page}/{id}/role"),
        &[("limiting_role_id", &foreign_role)],
    );
    assert_eq!(res.status, 422);
    assert!(
        res.body
            .contains("Nothing was changed. Choose one of the roles of HQ")
    );
    assert_eq!(grants(&app), stored);
}

#[test]
fn other_tenants_ids_are_not_found_on_every_route_and_change_nothing() {
    let app = TestApp::start();
    let w = world(&app);
    let mine = share(&app, &w.mia.1, &w.hq, &w.hq, &w.target, "Operator");
    // Another managing tenant with a share of its own.
    let (eve_client, eve, other) = crate::subaccounts::owner(&app, "Other", "eve@other.example");
    entitled(&app, &other);
    let theirs = share(&app, &eve, &other, &other, &w.target, "Read-only");
    let before = grants(&app);
    let hq = page(&w);
    // Eve on HQ's routes.
    assert_eq!(eve_client.get(&hq).status, 404);
    assert_eq!(post(&eve_client, &hq, &good(&w, &app)).status, 404);
    let lvl = level(&app, &other.id, "Operator");
    assert_eq!(
        eve_client
            .submit(
                "/",
                &format!("{hq}/{mine}/role"),
                &[("limiting_role_id", &lvl)]
            )
            .status,
        404
    );
    assert_eq!(eve_client.get(&format!("{hq}/{mine}/revoke")).status, 404);
    assert_eq!(
        eve_client
            .submit("/", &format!("{hq}/{mine}/revoke"), &[])
            .status,
        404
    );
    assert_eq!(
        eve_client
            .get(&format!("/accounts/{}/shared-with-us", w.target.id))
            .status,
        404
    );
    // Mia with Other's share id on her own page.
    let op = level(&app, &w.hq.id, "Read-only");
    assert_eq!(
        w.mia
            .0
            .submit(
                "/",
                &format!("{hq}/{theirs}/role"),
                &[("limiting_role_id", &op)]
            )
            .status,
        404
    );
    assert_eq!(w.mia.0.get(&format!("{hq}/{theirs}/revoke")).status, 404);
    assert_eq!(
        w.mia
            .0
            .submit("/", &format!("{hq}/{theirs}/revoke"), &[])
            .status,
        404
    );
    assert_eq!(grants(&app), before);
    // Target members see the shares into their tenant, not HQ's list of shares.
    let listed = w
        .tom
        .0
        .get(&format!("/accounts/{}/shared-with-us", w.target.id));
    assert!(listed.body.contains("HQ") && listed.body.contains("Other"));
    let seen = w.tom.0.get(&hq);
    assert_eq!(seen.status, 200);
    assert!(seen.body.contains("shown to its own members only"));
    assert!(!seen.body.contains("<td>Target Co"));
    assert!(!seen.body.contains("<button type=\"submit\">Share</button>"));
}
