//! A customer's Partner access and Activity pages: who has access, answering invitations from
//! there, removing access with a reason, and nothing reachable for another tenant.

use crate::common::{Client, TestApp};
use crate::invitations::{invite, link, mails, partner, post, tenant, url};
use liaison::authz;
use liaison::services::tenants::Tenant;

/// Betty's MSP connected to Bruce's Wayne Enterprises; answers Bruce's client and the link id.
fn connected(app: &TestApp) -> (Client, Tenant, String) {
    let (betty, msp) = partner(app, "Betty MSP", "betty@msp.example");
    let (bruce, _) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(app, "Wayne Enterprises", false, "bruce@wayne.example");
    let (id, token) = invite(app, &betty, &msp, "bruce@wayne.example");
    let res = post(
        &bruce,
        &url(&token),
        &format!("{}/accept", url(&token)),
        &[("tenant", &wayne.id)],
    );
    assert_eq!(res.status, 200, "{}", res.body);
    (bruce, wayne, id)
}

#[test]
fn the_customer_sees_the_partner_and_removes_its_access() {
    let app = TestApp::start();
    let (bruce, wayne, id) = connected(&app);
    let page = format!("/accounts/{}/partner-access", wayne.id);
    let shown = bruce.get(&page);
    assert_eq!(shown.status, 200);
    for text in [
        "Betty MSP",
        "Connected",
        "Operator",
        "Since",
        "Remove access",
    ] {
        assert!(shown.body.contains(text), "{text}");
    }
    let remove = format!("{page}/{id}/remove");
    let confirm = bruce.get(&remove);
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Remove access of Betty MSP?"));
    assert!(confirm.body.contains("data-confirm="));

    for reason in ["", "   ", &"r".repeat(1001)] {
        let res = post(&bruce, &remove, &remove, &[("reason", reason)]);
        assert_eq!(res.status, 422);
        assert!(res.body.contains("Enter a reason.") || res.body.contains("at most 1000"));
        assert_eq!(link(&app, &id).status, "connected");
    }
    assert_eq!(mails(&app, "betty@msp.example", "partner_link_ended"), 0);

    let res = post(&bruce, &remove, &remove, &[("reason", "Contract ended")]);
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), page);
    let after = bruce.get(&page);
    assert!(
        after
            .body
            .contains("Betty MSP no longer has access to Wayne Enterprises.")
    );
    assert!(
        after
            .body
            .contains("No partner has access to Wayne Enterprises.")
    );
    let l = link(&app, &id);
    assert_eq!(l.status, "removed");
    assert!(l.end_reason.unwrap().contains("Contract ended"));
    assert_eq!(mails(&app, "betty@msp.example", "partner_link_ended"), 1);
    let betty = app.user("betty@msp.example").unwrap();
    assert!(
        authz::access(&mut app.conn(), &betty.id, &wayne.id)
            .unwrap()
            .is_empty(),
        "the partner has no way in any more"
    );
    // Removing again (a double submission) says so and changes nothing.
    let again = post(&bruce, &page, &remove, &[("reason", "Again")]);
    assert_eq!(again.status, 303);
    assert!(
        bruce
            .get(&page)
            .body
            .contains("This partner is no longer connected.")
    );
    assert_eq!(mails(&app, "betty@msp.example", "partner_link_ended"), 1);
}

#[test]
fn invitations_waiting_for_the_admin_are_answered_from_the_page() {
    let app = TestApp::start();
    let (betty, msp) = partner(&app, "Betty MSP", "betty@msp.example");
    let (carl, other) = partner(&app, "Carl MSP", "carl@msp.example");
    let (bruce, _) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let page = format!("/accounts/{}/partner-access", wayne.id);
    assert!(
        bruce
            .get(&page)
            .body
            .contains("No invitation addressed to you is waiting")
    );
    let (first, _) = invite(&app, &betty, &msp, "bruce@wayne.example");
    let (second, _) = invite(&app, &carl, &other, "bruce@wayne.example");
    let (foreign, _) = invite(&app, &carl, &other, "alfred@wayne.example");
    let shown = bruce.get(&page);
    assert!(
        shown
            .body
            .contains("Betty MSP</strong> asks for <strong>Operator")
    );
    assert!(shown.body.contains("Carl MSP</strong> asks for"));

    // Someone else's invitation is not found, and stays pending.
    let res = post(
        &bruce,
        &page,
        &format!("{page}/invitations/{foreign}/accept"),
        &[],
    );
    assert_eq!(res.status, 404);
    assert!(!res.body.contains("alfred@wayne.example"));
    assert_eq!(link(&app, &foreign).status, "pending");

    let res = post(
        &bruce,
        &page,
        &format!("{page}/invitations/{second}/decline"),
        &[],
    );
    assert_eq!(res.status, 303);
    assert!(
        bruce
            .get(&page)
            .body
            .contains("You have declined the request from Carl MSP.")
    );
    assert_eq!(link(&app, &second).status, "declined");

    let res = post(
        &bruce,
        &page,
        &format!("{page}/invitations/{first}/accept"),
        &[],
    );
    assert_eq!(res.status, 303);
    let after = bruce.get(&page);
    assert!(
        after
            .body
            .contains("You have accepted the request from Betty MSP")
    );
    let l = link(&app, &first);
    assert_eq!(l.status, "connected");
    assert_eq!(l.owner_tenant_id.as_deref(), Some(wayne.id.as_str()));
    // Accepting twice says what happened.
    let res = post(
        &bruce,
        &page,
        &format!("{page}/invitations/{first}/accept"),
        &[],
    );
    assert_eq!(res.status, 303);
    assert!(
        bruce
            .get(&page)
            .body
            .contains("This invitation has already been accepted.")
    );
}

#[test]
fn another_tenants_ids_are_not_found_and_change_nothing() {
    let app = TestApp::start();
    let (_, wayne, id) = connected(&app);
    let (eve, _) = app.signed_in("eve@evil.example", false);
    tenant(&app, "Evil Corp", false, "eve@evil.example");
    let (carl, other) = partner(&app, "Carl MSP", "carl@msp.example");
    let (pending, _) = invite(&app, &carl, &other, "eve@evil.example");
    let events = app.count("audit_events");
    for t in [wayne.id.as_str(), "no-such-tenant"] {
        let base = format!("/accounts/{t}/partner-access");
        assert_eq!(eve.get(&base).status, 404, "{base}");
        assert_eq!(eve.get(&format!("{base}/{id}/remove")).status, 404);
        assert_eq!(eve.get(&format!("/accounts/{t}/activity")).status, 404);
        for action in [
            format!("{base}/{id}/remove"),
            format!("{base}/invitations/{pending}/accept"),
            format!("{base}/invitations/{pending}/decline"),
        ] {
            let res = post(&eve, "/profile", &action, &[("reason", "mine now")]);
            assert_eq!(res.status, 404, "{action}");
        }
    }
    assert_eq!(link(&app, &id).status, "connected");
    assert_eq!(link(&app, &pending).status, "pending");
    assert_eq!(app.count("audit_events"), events);
    assert_eq!(app.client().get("/accounts/x/activity").status, 303);
}
