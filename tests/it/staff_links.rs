//! Staff → Linked accounts and Staff → Tenants: only staff, search, status tabs, deleting a link
//! with a reason, and the partner entitlement.

use crate::common::TestApp;
use crate::invitations::{invite, link, mails, partner, post, tenant, url};
use liaison::services::tenants;

#[test]
fn only_staff_reach_links_and_tenants() {
    let app = TestApp::start();
    let (betty, msp) = partner(&app, "Betty MSP", "betty@msp.example");
    let (id, _) = invite(&app, &betty, &msp, "bruce@wayne.example");
    let (user, _) = app.signed_in("ada@example.com", false);
    for path in [
        "/staff/links",
        "/staff/tenants",
        &format!("/staff/links/{id}/delete"),
    ] {
        assert_eq!(user.get(path).status, 403, "{path}");
        assert_eq!(app.client().get(path).status, 303, "{path} anonymous");
    }
    let res = post(
        &user,
        "/profile",
        &format!("/staff/links/{id}/delete"),
        &[("reason", "x")],
    );
    assert_eq!(res.status, 403);
    let res = post(
        &user,
        "/profile",
        &format!("/staff/tenants/{}/partner", msp.id),
        &[("partner", "false")],
    );
    assert_eq!(res.status, 403);
    assert_eq!(link(&app, &id).status, "pending");
    assert!(
        tenants::find(&mut app.conn(), &msp.id)
            .unwrap()
            .unwrap()
            .is_partner
    );
    let (staff, _) = app.signed_in("sam@example.com", true);
    let console = staff.get("/staff");
    assert!(console.body.contains("href=\"/staff/links\""));
    assert!(console.body.contains("href=\"/staff/tenants\""));
}

#[test]
fn staff_search_filter_and_delete_links_with_a_reason() {
    let app = TestApp::start();
    let (betty, msp) = partner(&app, "Betty MSP", "betty@msp.example");
    let (carl, other) = partner(&app, "Carl MSP", "carl@msp.example");
    let (bruce, _) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let (connected, token) = invite(&app, &betty, &msp, "bruce@wayne.example");
    let res = post(
        &bruce,
        &url(&token),
        &format!("{}/accept", url(&token)),
        &[("tenant", &wayne.id)],
    );
    assert_eq!(res.status, 200);
    let (pending, _) = invite(&app, &carl, &other, "lex@luthor.example");
    let (staff, _) = app.signed_in("sam@example.com", true);

    let all = staff.get("/staff/links");
    assert_eq!(all.status, 200);
    for text in [
        "Betty MSP",
        "bruce@wayne.example",
        "Wayne Enterprises",
        &wayne.account_number,
        "Operator",
        "Connected",
        "Carl MSP",
        "Pending",
    ] {
        assert!(all.body.contains(text), "{text}");
    }
    for (query, shown, hidden) in [
        ("?q=carl", "lex@luthor.example", "bruce@wayne.example"),
        ("?q=WAYNE", "bruce@wayne.example", "lex@luthor.example"),
        ("?q=lex@", "lex@luthor.example", "bruce@wayne.example"),
        (
            "?status=connected",
            "bruce@wayne.example",
            "lex@luthor.example",
        ),
        (
            "?status=pending",
            "lex@luthor.example",
            "bruce@wayne.example",
        ),
    ] {
        let page = staff.get(&format!("/staff/links{query}"));
        assert!(page.body.contains(shown), "{query}");
        assert!(!page.body.contains(hidden), "{query}");
    }
    let none = staff.get("/staff/links?q=%25&status=declined");
    assert!(none.body.contains("No link matches."));

    let delete = format!("/staff/links/{connected}/delete");
    let confirm = staff.get(&delete);
    assert_eq!(confirm.status, 200);
    assert!(
        confirm
            .body
            .contains("Delete the link between Betty MSP and Wayne Enterprises?")
    );
    let outbox = app.count("outbox");
    for reason in ["", &"r".repeat(1001)] {
        let res = post(&staff, &delete, &delete, &[("reason", reason)]);
        assert_eq!(res.status, 422);
        assert!(res.body.contains("Enter a reason.") || res.body.contains("at most 1000"));
        assert_eq!(link(&app, &connected).status, "connected");
        assert_eq!(app.count("outbox"), outbox);
    }
    let res = post(
        &staff,
        &delete,
        &delete,
        &[("reason", "Customer asked support")],
    );
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), "/staff/links");
    let after = staff.get("/staff/links");
    assert!(
        after
            .body
            .contains("The link between Betty MSP and Wayne Enterprises was deleted.")
    );
    let l = link(&app, &connected);
    assert_eq!(l.status, "removed");
    assert!(l.end_reason.unwrap().contains("Customer asked support"));
    assert_eq!(mails(&app, "bruce@wayne.example", "partner_link_ended"), 1);
    assert_eq!(mails(&app, "betty@msp.example", "partner_link_ended"), 1);
    assert_eq!(app.audit_actions()[0], "link.removed");
    let audit = staff.get("/staff/audit?action=link.removed");
    assert!(
        audit
            .body
            .contains("by support staff: Customer asked support")
    );
    assert!(audit.body.contains("sam@example.com"));
    // Removed links have their own tab, and deleting again says so.
    assert!(
        staff
            .get("/staff/links?status=removed")
            .body
            .contains("bruce@wayne.example")
    );
    let again = post(&staff, "/staff/links", &delete, &[("reason", "again")]);
    assert_eq!(again.status, 303);
    assert!(
        staff
            .get("/staff/links")
            .body
            .contains("This link was already deleted.")
    );
    assert_eq!(mails(&app, "bruce@wayne.example", "partner_link_ended"), 1);
    // A pending invitation deleted by staff is cancelled; unknown ids are not found.
    let res = post(
        &staff,
        "/staff/links",
        &format!("/staff/links/{pending}/delete"),
        &[("reason", "Spam")],
    );
    assert_eq!(res.status, 303);
    assert_eq!(link(&app, &pending).status, "removed");
    assert_eq!(staff.get("/staff/links/nope/delete").status, 404);
}

#[test]
fn staff_list_tenants_and_give_or_take_the_partner_entitlement() {
    let app = TestApp::start();
    app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    for i in 0..55 {
        tenant(&app, &format!("Acme {i:02}"), false, "bruce@wayne.example");
    }
    let (staff, _) = app.signed_in("sam@example.com", true);
    let first = staff.get("/staff/tenants");
    assert_eq!(first.status, 200);
    assert_eq!(first.body.matches("<td>Acme ").count(), 50);
    let start = first
        .body
        .find("/staff/tenants?after=")
        .expect("a next page");
    let next = &first.body[start..];
    let next = next[..next.find('"').unwrap()].replace("&#38;", "&");
    let second = staff.get(&next);
    assert_eq!(second.body.matches("<td>Acme ").count(), 5);
    assert!(second.body.contains("Wayne Enterprises"));
    let found = staff.get("/staff/tenants?q=wayne");
    assert!(found.body.contains("Wayne Enterprises"));
    assert!(found.body.contains("Not a partner"));
    assert!(!found.body.contains("Acme"));
    assert!(
        staff
            .get("/staff/tenants?q=zzz")
            .body
            .contains("No tenant name starts with")
    );

    let action = format!("/staff/tenants/{}/partner", wayne.id);
    let res = post(&staff, "/staff/tenants", &action, &[("partner", "maybe")]);
    assert_eq!(res.status, 400);
    assert!(
        !tenants::find(&mut app.conn(), &wayne.id)
            .unwrap()
            .unwrap()
            .is_partner
    );
    let res = post(&staff, "/staff/tenants", &action, &[("partner", "true")]);
    assert_eq!(res.status, 303);
    let shown = staff.get(res.location());
    assert!(shown.body.contains("Wayne Enterprises is now a partner"));
    assert!(shown.body.contains("Take away partner"));
    assert!(
        tenants::find(&mut app.conn(), &wayne.id)
            .unwrap()
            .unwrap()
            .is_partner
    );
    assert_eq!(app.audit_actions()[0], "tenant.partner_changed");
    let res = post(&staff, "/staff/tenants", &action, &[("partner", "false")]);
    assert_eq!(res.status, 303);
    assert!(
        staff
            .get(res.location())
            .body
            .contains("Wayne Enterprises is no longer a partner.")
    );
    assert!(
        !tenants::find(&mut app.conn(), &wayne.id)
            .unwrap()
            .unwrap()
            .is_partner
    );
    assert_eq!(
        app.audit_actions()
            .iter()
            .filter(|a| *a == "tenant.partner_changed")
            .count(),
        2
    );
    let res = post(
        &staff,
        "/staff/tenants",
        "/staff/tenants/nope/partner",
        &[("partner", "true")],
    );
    assert_eq!(res.status, 404);
}
