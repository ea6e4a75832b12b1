//! The shared activity timeline: what a partner user did inside a customer, seen from both
//! sides; filters, pages and the htmx region; the CSV export; other tenants and refusals.

use crate::common::{Client, TestApp};
use crate::customers::{connected, member, partner, post};
use diesel::prelude::*;
use liaison::db::schema::memberships;
use liaison::services::activity;
use liaison::services::audit::{self, Actor, Event, actions};
use liaison::services::roles::{self, NewRole};
use liaison::services::tenants::Tenant;
use liaison::services::users::User;

pub struct World {
    pub app: TestApp,
    pub betty_client: Client,
    pub betty: User,
    pub msp: Tenant,
    pub bruce: User,
    pub wayne: Tenant,
    pub link: String,
}

/// Betty's partner Acme MSP connected to Wayne Corp; Betty logged in to Wayne and back.
pub fn world() -> World {
    let app = TestApp::start();
    let (betty_client, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let (bruce, wayne, link) = connected(&app, &betty, &msp, "bruce@wayne.example", "Wayne Corp");
    let login = format!("/accounts/{}/customers/{link}/login", msp.id);
    assert_eq!(post(&betty_client, &login, &[]).status, 303);
    assert_eq!(post(&betty_client, "/acting/leave", &[]).status, 303);
    World {
        app,
        betty_client,
        betty,
        msp,
        bruce,
        wayne,
        link,
    }
}

/// An event filed under `tenant` by `email`.
pub fn record(app: &TestApp, action: &'static str, tenant: &str, email: &str, subject: &str) {
    let actor = Actor {
        user_id: "u".into(),
        email: email.into(),
    };
    let event = Event::new(action)
        .actor(Some(actor))
        .tenant(tenant)
        .subject(subject)
        .detail("filler");
    audit::record(&mut app.conn(), event).unwrap();
}

/// A signed-in member of `tenant` whose only role gives tenant.view, not audit.view.
pub fn viewer_without_audit(app: &TestApp, owner: &User, tenant: &Tenant) -> (Client, User) {
    let input = NewRole {
        name: "Looker".into(),
        description: String::new(),
        permissions: vec!["tenant.view".into(), "api.access".into()],
        applies_to: "this".into(),
    };
    let role = roles::create(&mut app.conn(), owner, &tenant.id, &input).unwrap();
    let (client, user) = member(app, tenant, "Read-only", "nosy@wayne.example");
    diesel::update(memberships::table.filter(memberships::user_id.eq(&user.id)))
        .set(memberships::role_id.eq(&role.id))
        .execute(&mut app.conn())
        .unwrap();
    (client, user)
}

fn bruce_client(w: &World) -> Client {
    let c = w.app.client();
    assert_eq!(
        c.sign_in("bruce@wayne.example", crate::common::PASSWORD)
            .status,
        303
    );
    c
}

#[test]
fn both_sides_see_what_the_partner_user_did_inside() {
    let w = world();
    let bruce = bruce_client(&w);
    let page = bruce.get(&format!("/accounts/{}/activity", w.wayne.id));
    assert_eq!(page.status, 200);
    let b = &page.body;
    assert!(b.contains("<td>betty@msp.example</td>"), "who");
    assert!(b.contains("<td>Acme MSP</td>"), "from which tenant");
    let through = format!(
        "<a href=\"/accounts/{}/partner-access\">Partner link · Operator</a>",
        w.wayne.id
    );
    assert!(b.contains(&through), "through which grant");
    assert!(b.contains("<td title=\"tenant.entered\">Entered the account</td>"));
    assert!(b.contains("<td title=\"link.accepted\">Partner link accepted</td>"));
    assert!(b.contains("<label for=\"actor\">") && b.contains("<label for=\"tenant\">"));
    assert!(b.contains("Download CSV"));

    // The partner's side: the same event, with the customer named.
    let theirs = w
        .betty_client
        .get(&format!("/accounts/{}/activity", w.msp.id));
    assert_eq!(theirs.status, 200);
    let t = &theirs.body;
    assert!(t.contains("<td title=\"tenant.entered\">Entered the account</td>"));
    assert!(t.contains("this account <span class=\"muted\">in Wayne Corp</span>"));
    let link = format!(
        "<a href=\"/accounts/{}/customers\">Partner link · Operator</a>",
        w.msp.id
    );
    assert!(t.contains(&link));
    // Wayne's own events (its creation) are not the partner's.
    assert_eq!(
        t.matches("title=\"tenant.created\"").count(),
        1,
        "its own creation only"
    );
    assert_eq!(b.matches("title=\"tenant.created\"").count(), 1);
    let _ = (&w.bruce, &w.betty, &w.link);
}

#[test]
fn filters_pages_and_the_htmx_region() {
    let w = world();
    let bruce = bruce_client(&w);
    for i in 0..60 {
        let subject = format!("filler {i}");
        record(
            &w.app,
            actions::PROFILE_UPDATED,
            &w.wayne.id,
            "robin@wayne.example",
            &subject,
        );
    }
    let base = format!("/accounts/{}/activity", w.wayne.id);
    let first = bruce.get(&base);
    assert_eq!(
        first.body.matches("<tr>").count(),
        50 + 1,
        "50 rows and the header"
    );
    assert!(first.body.contains("filler 59") && !first.body.contains("filler 9<"));
    let start = first.body.find("?before=").expect("a next page");
    let cursor = &first.body[start + 8..];
    let cursor = &cursor[..cursor.find('"').unwrap()];
    let second = bruce.get(&format!("{base}?before={cursor}"));
    assert!(second.body.contains("filler 0") && second.body.contains("tenant.entered"));
    assert!(!second.body.contains("filler 59") && !second.body.contains("Older events"));

    // By actor (any case), by action, by tenant.
    let robin = bruce.get(&format!("{base}?actor=ROBIN@"));
    assert_eq!(
        robin.body.matches("<td>robin@wayne.example</td>").count(),
        50
    );
    assert!(!robin.body.contains("betty@msp.example</td>"));
    let entered = bruce.get(&format!("{base}?action=tenant.entered"));
    assert_eq!(entered.body.matches("<tr>").count(), 2);
    let from_msp = bruce.get(&format!("{base}?tenant={}", w.msp.id));
    assert!(from_msp.body.contains("tenant.entered") && from_msp.body.contains("link.accepted"));
    assert!(!from_msp.body.contains("filler"));
    assert!(
        from_msp
            .body
            .contains(&format!("<option value=\"{}\" selected>Acme MSP", w.msp.id))
    );
    let here = bruce.get(&format!("{base}?tenant={}", w.wayne.id));
    assert!(here.body.contains("filler 59") && !here.body.contains("title=\"tenant.entered\""));
    let none = bruce.get(&format!("{base}?actor=nobody"));
    assert!(none.body.contains("No events match these filters."));
    // A tenant that holds no grant here, or an unknown action, is said, not ignored.
    let bad = bruce.get(&format!("{base}?tenant=someone-else&action=nope"));
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("No such action."));

    // htmx: the region alone, from the same block, with the filters in the links.
    let hx = bruce.get_with(&format!("{base}?actor=robin"), &[("HX-Request", "true")]);
    assert_eq!(hx.status, 200);
    assert!(!hx.body.contains("<html") && !hx.body.contains("<form"));
    assert!(hx.body.contains("<table class=\"activity\">"));
    assert!(hx.body.contains("activity.csv?actor=robin"));
    assert!(hx.body.contains("hx-get=\"/accounts/"), "{}", hx.body);
    assert!(hx.body.contains("actor=robin&#38;before="), "{}", hx.body);
}

#[test]
fn other_tenants_are_not_found_and_no_audit_view_is_forbidden() {
    let w = world();
    let (eve, _) = w.app.signed_in("eve@evil.example", false);
    let events = w.app.count("audit_events");
    for t in [w.wayne.id.as_str(), w.msp.id.as_str(), "no-such-tenant"] {
        assert_eq!(eve.get(&format!("/accounts/{t}/activity")).status, 404);
        assert_eq!(eve.get(&format!("/accounts/{t}/activity.csv")).status, 404);
    }
    let (nosy, _) = viewer_without_audit(&w.app, &w.bruce, &w.wayne);
    assert_eq!(
        nosy.get(&format!("/accounts/{}/activity", w.wayne.id))
            .status,
        403
    );
    let csv = nosy.get(&format!("/accounts/{}/activity.csv", w.wayne.id));
    assert_eq!(csv.status, 403);
    assert!(!csv.body.contains("Event id"));
    assert!(w.app.count("audit_events") >= events);
    assert_eq!(w.app.client().get("/accounts/x/activity.csv").status, 303);
}

/// Every event of the tenant's timeline matching `filter`, through the service, newest first.
fn all_ids(app: &TestApp, tenant: &str, filter: &activity::Filter) -> Vec<String> {
    let (mut ids, mut before) = (vec![], None);
    loop {
        let page = activity::list(&mut app.conn(), tenant, filter, before.as_deref(), 7).unwrap();
        ids.extend(page.events.into_iter().map(|e| e.id));
        match page.next {
            Some(n) => before = Some(n),
            None => return ids,
        }
    }
}

fn parse(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn the_csv_holds_exactly_the_filtered_events_quoted_and_defused() {
    let w = world();
    let bruce = bruce_client(&w);
    let nasty = [
        (
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "a, \"b\"\nc",
        ),
        ("+1", "-1"),
        ("@x", "\tsum"),
    ];
    for (subject, detail) in nasty {
        let event = Event::new(actions::PROFILE_UPDATED)
            .tenant(&w.wayne.id)
            .subject(subject)
            .detail(detail);
        audit::record(&mut w.app.conn(), event).unwrap();
    }
    for i in 0..30 {
        record(
            &w.app,
            actions::ROLE_CREATED,
            &w.wayne.id,
            "robin@wayne.example",
            &format!("r{i}"),
        );
    }
    let base = format!("/accounts/{}/activity.csv", w.wayne.id);
    let res = bruce.get(&format!("{base}?action=profile.updated"));
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
    let disposition = format!(
        "attachment; filename=\"activity-{}.csv\"",
        w.wayne.account_number
    );
    assert_eq!(
        res.header("content-disposition"),
        Some(disposition.as_str())
    );
    let rows = parse(&res.body);
    assert_eq!(rows[0][0], "Event id");
    assert_eq!(rows[0].len(), 11);
    let filter = activity::Filter {
        action: Some("profile.updated".into()),
        ..Default::default()
    };
    let ids: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids, all_ids(&w.app, &w.wayne.id, &filter));
    assert_eq!(ids.len(), 3);
    // Newest first: the last recorded is first. Formula cells defused, quoting round-trips.
    assert_eq!(rows[1][9], "'@x");
    assert_eq!(rows[1][10], "'\tsum");
    assert_eq!(rows[2][9], "'+1");
    assert_eq!(rows[2][10], "'-1");
    assert_eq!(rows[3][9], "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(rows[3][10], "a, \"b\"\nc");
    assert_eq!(rows[3][7], "Profile updated");
    assert!(res.body.contains("\"a, \"\"b\"\"\nc\""), "RFC 4180 quoting");

    // Without filters: every event of the timeline, all pages, the partner's included.
    let everything = parse(&bruce.get(&base).body);
    let ids: Vec<String> = everything[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        ids,
        all_ids(&w.app, &w.wayne.id, &activity::Filter::default())
    );
    assert!(ids.len() > 35);
    let entered = everything
        .iter()
        .find(|r| r[8] == "tenant.entered")
        .unwrap();
    assert_eq!(entered[2], "betty@msp.example");
    assert_eq!(entered[3], "Acme MSP");
    assert_eq!(
        (entered[4].as_str(), entered[5].as_str()),
        ("Partner link", "Operator")
    );
    // By actor, and the same filter on the page links to it.
    let robin = parse(&bruce.get(&format!("{base}?actor=robin")).body);
    assert_eq!(robin.len(), 31);
    let page = bruce.get(&format!("/accounts/{}/activity?actor=robin", w.wayne.id));
    assert!(page.body.contains(&format!("href=\"{base}?actor=robin\"")));
    // A bad filter is refused before any row is written.
    let bad = bruce.get(&format!("{base}?action=nope"));
    assert!(bad.status == 400 || bad.status == 422, "{}", bad.status);
    assert!(!bad.body.contains("Event id"));
}
