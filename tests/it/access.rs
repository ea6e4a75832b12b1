//! The explainer page: "Why can … ?" for oneself and, for admins, for another user.

use crate::authz::emailed_token;
use crate::common::TestApp;
use liaison::services::links::{self, AcceptInto, InvitationKey, Invite};
use liaison::services::tenants::{self, NewTenant, Tenant};

fn tenant(app: &TestApp, name: &str, partner: bool, owner: &str) -> Tenant {
    tenants::create(
        &mut app.conn(),
        NewTenant {
            name,
            is_partner: partner,
            parent_id: None,
            owner_email: owner,
        },
        None,
    )
    .unwrap()
}

/// Betty's MSP connected to Wayne Enterprises at the Operator level.
fn linked(app: &TestApp) -> (Tenant, Tenant) {
    let betty = app.create_user("betty@msp.example", false);
    let bruce = app.create_user("bruce@wayne.example", false);
    let msp = tenant(app, "Betty's MSP", true, "betty@msp.example");
    let wayne = tenant(app, "Wayne Enterprises", false, "bruce@wayne.example");
    let operator = links::access_levels(&mut app.conn(), &msp.id)
        .unwrap()
        .into_iter()
        .find(|l| l.name == "Operator")
        .unwrap();
    let mut conn = app.conn();
    let invite = Invite {
        email: "bruce@wayne.example",
        access_level: &operator.role_id,
        message: "",
    };
    links::invite(&mut conn, &app.settings, &betty, &msp.id, invite).unwrap();
    let token = emailed_token(app, "bruce@wayne.example");
    let key = InvitationKey::Token(&token);
    links::accept(
        &mut conn,
        &app.settings,
        &bruce,
        key,
        AcceptInto::Existing(&wayne.id),
    )
    .unwrap();
    (msp, wayne)
}

fn sign_in(app: &TestApp, email: &str) -> crate::common::Client {
    let client = app.client();
    assert_eq!(client.sign_in(email, crate::common::PASSWORD).status, 303);
    client
}

#[test]
fn an_owner_sees_why_and_why_not_for_themselves_and_for_the_partner() {
    let app = TestApp::start();
    let (_, wayne) = linked(&app);
    let bruce = sign_in(&app, "bruce@wayne.example");
    let own = bruce.get(&format!("/accounts/{}/access", wayne.id));
    assert_eq!(own.status, 200);
    assert!(own.body.contains("Why can you … in Wayne Enterprises?"));
    assert!(own.body.contains(
        "Account owner in Wayne Enterprises (applied to: this account and sub-accounts)"
    ));

    let partner = bruce.get(&format!(
        "/accounts/{}/access?user=betty%40msp.example",
        wayne.id
    ));
    assert_eq!(partner.status, 200);
    assert!(
        partner
            .body
            .contains("Why can betty@msp.example … in Wayne Enterprises?")
    );
    assert!(partner.body.contains(
        "Account owner in Betty&#39;s MSP → partner link to Wayne Enterprises, limited to Operator"
    ));
    // Operator does not allow changing the account's settings: a "No" row says so.
    let manage = partner.body.find("tenant.manage").unwrap();
    let row_end = partner.body[manage..].find("</tr>").unwrap();
    assert!(partner.body[manage..manage + row_end].contains("No role or grant gives it."));
}

#[test]
fn explaining_others_needs_the_right_to_invite_and_reveals_no_accounts() {
    let app = TestApp::start();
    let (_, wayne) = linked(&app);
    let url = |q: &str| format!("/accounts/{}/access{q}", wayne.id);
    // Betty works through the Operator link: she may see her own access, not Bruce's.
    let betty = sign_in(&app, "betty@msp.example");
    assert_eq!(betty.get(&url("")).status, 200);
    assert_eq!(betty.get(&url("?user=bruce%40wayne.example")).status, 403);
    // Unknown and known-without-access addresses get the same answer.
    let bruce = sign_in(&app, "bruce@wayne.example");
    app.create_user("stranger@example.com", false);
    for who in ["stranger%40example.com", "nobody%40example.com"] {
        let page = bruce.get(&url(&format!("?user={who}")));
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("has no access to Wayne Enterprises"),
            "{who}"
        );
    }
    let bad = bruce.get(&url("?user=not-an-email"));
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Enter a valid email address"));
    // Someone with no access to the tenant learns nothing about it.
    let stranger = sign_in(&app, "stranger@example.com");
    assert_eq!(stranger.get(&url("")).status, 404);
}
