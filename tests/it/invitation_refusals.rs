//! Invitations that cannot be answered any more, or not by this person, or not into this account:
//! each says what happened and grants nothing.

use crate::authz::emailed_token;
use crate::common::{TestApp, csrf_in};
use crate::invitations::{ALREADY_LINKED, invite, mails, partner, post, snapshot, tenant, url};
use diesel::prelude::*;
use liaison::db::schema::access_grants;
use liaison::services::links;

#[test]
fn expired_wrong_address_cancelled_and_replaced_invitations_grant_nothing() {
    let app = TestApp::start();
    let (betty, msp) = partner(&app, "Betty MSP", "betty@msp.example");
    let (bruce, _) = app.signed_in("bruce@wayne.example", false);

    // Expired: the page says so, offers no answer, and accepting is refused.
    let (id, token) = invite(&app, &betty, &msp, "bruce@wayne.example");
    let page = url(&token);
    let csrf = csrf_in(&bruce.get(&page).body).unwrap();
    diesel::update(access_grants::table.find(&id))
        .set(
            access_grants::invitation_expires_at
                .eq(liaison::services::now() - chrono::Duration::minutes(1)),
        )
        .execute(&mut app.conn())
        .unwrap();
    let shown = bruce.get(&page);
    assert!(shown.body.contains("This invitation has expired."));
    assert!(!shown.body.contains(">Accept</button>"));
    let before = snapshot(&app, &id);
    let res = bruce.post_form(
        &format!("{page}/accept"),
        &[
            ("csrf_token", &csrf),
            ("tenant", "new"),
            ("new_name", "Wayne"),
        ],
    );
    assert_eq!(res.status, 409);
    assert!(res.body.contains("This invitation has expired."));
    assert_eq!(snapshot(&app, &id), before);

    // Signed in with another address: explained, with both addresses, and refused.
    let (id, token) = invite(&app, &betty, &msp, "alfred@wayne.example");
    let page = url(&token);
    let shown = bruce.get(&page);
    assert!(shown.body.contains("This invitation was sent to <strong>alfred@wayne.example</strong>, but you are signed in as <strong>bruce@wayne.example</strong>"));
    assert!(shown.body.contains(">Sign out</button>"));
    assert!(!shown.body.contains(">Accept</button>"));
    let before = snapshot(&app, &id);
    let res = post(
        &bruce,
        &page,
        &format!("{page}/accept"),
        &[("tenant", "new"), ("new_name", "Wayne")],
    );
    assert_eq!(res.status, 409);
    assert!(res.body.contains("This invitation was sent to alfred@wayne.example, but you are signed in as bruce@wayne.example."));
    assert_eq!(snapshot(&app, &id), before);

    // Replaced by Resend: the old link is not valid, the new one works.
    let old = token;
    links::resend(&mut app.conn(), &app.settings, &betty, &msp.id, &id).unwrap();
    let new = emailed_token(&app, "alfred@wayne.example");
    assert_ne!(old, new);
    let res = app.client().get(&url(&old));
    assert_eq!(res.status, 404);
    assert!(res.body.contains("This invitation link is not valid"));
    assert_eq!(app.client().get(&url(&new)).status, 200);

    // Cancelled by the partner: says so, and cannot be accepted.
    let (id, token) = invite(&app, &betty, &msp, "lucius@wayne.example");
    let (lucius, _) = app.signed_in("lucius@wayne.example", false);
    let csrf = csrf_in(&lucius.get(&url(&token)).body).unwrap();
    links::delete(&mut app.conn(), &app.settings, &betty, &msp.id, &id).unwrap();
    let shown = lucius.get(&url(&token));
    assert!(
        shown
            .body
            .contains("This invitation was cancelled by the partner.")
    );
    assert!(!shown.body.contains(">Accept</button>"));
    let before = snapshot(&app, &id);
    let res = lucius.post_form(
        &format!("{}/accept", url(&token)),
        &[
            ("csrf_token", &csrf),
            ("tenant", "new"),
            ("new_name", "Wayne"),
        ],
    );
    assert_eq!(res.status, 409);
    assert!(
        res.body
            .contains("This invitation was cancelled by the partner.")
    );
    assert_eq!(snapshot(&app, &id), before);
}

#[test]
fn a_customer_with_a_partner_cannot_accept_a_second_one() {
    let app = TestApp::start();
    let (betty, msp) = partner(&app, "Betty MSP", "betty@msp.example");
    let (carl, other) = partner(&app, "Carl MSP", "carl@msp.example");
    let (bruce, _) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let (_, first) = invite(&app, &betty, &msp, "bruce@wayne.example");
    let res = post(
        &bruce,
        &url(&first),
        &format!("{}/accept", url(&first)),
        &[("tenant", &wayne.id)],
    );
    assert_eq!(res.status, 200);

    let (id, second) = invite(&app, &carl, &other, "bruce@wayne.example");
    let before = snapshot(&app, &id);
    let res = post(
        &bruce,
        &url(&second),
        &format!("{}/accept", url(&second)),
        &[("tenant", &wayne.id)],
    );
    assert_eq!(res.status, 409);
    assert!(
        res.body
            .contains(&format!("<strong>Error:</strong> {ALREADY_LINKED}"))
    );
    assert!(
        res.body
            .contains(&format!("href=\"/accounts/{}/partner-access\"", wayne.id))
    );
    assert_eq!(snapshot(&app, &id), before);
    assert_eq!(
        mails(&app, "carl@msp.example", "partner_invitation_answered"),
        0
    );
}
