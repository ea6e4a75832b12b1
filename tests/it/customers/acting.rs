//! Login into a connected customer tenant: the banner on every page, the way back, and the
//! context dropped on the next request once the link ends.

use super::*;

/// Logs in to the customer through the link; answers the redirect.
fn login(client: &Client, partner: &Tenant, link: &str) -> Resp {
    post(
        client,
        &format!("/accounts/{}/customers/{link}/login", partner.id),
        &[],
    )
}

#[test]
fn login_shows_the_banner_and_return_goes_back() {
    let app = TestApp::start();
    let (client, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let (_, wayne, link) = connected(&app, &betty, &msp, "bruce@wayne.example", "Wayne Corp");
    let old_token = client.csrf("/");
    assert!(!client.get("/").body.contains("You are working in"));

    let res = login(&client, &msp, &link);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location(), format!("/accounts/{}", wayne.id));
    assert!(res.session_cookie().is_some(), "the session id is renewed");
    let overview = client.get(&format!("/accounts/{}", wayne.id));
    assert_eq!(overview.status, 200);
    assert!(overview.body.contains("<h1>Wayne Corp</h1>"));
    assert!(overview.body.contains(&wayne.account_number));
    assert!(overview.body.contains(&wayne.id));
    assert!(overview.body.contains("You are working in"));
    assert!(
        overview
            .body
            .contains("as Test User (betty@msp.example) from Acme MSP — access level Operator")
    );
    assert!(overview.body.contains(">Return to Acme MSP</button>"));
    assert!(
        overview
            .body
            .contains("Connected partner</dt><dd>Acme MSP, access level Operator")
    );
    // Operator allows the activity log but not the account's settings.
    assert!(
        overview
            .body
            .contains(&format!("/accounts/{}/activity", wayne.id))
    );
    assert!(
        !overview
            .body
            .contains(&format!("/accounts/{}/partner-access", wayne.id))
    );
    // Every page shows it, with the way back.
    assert!(client.get("/profile").body.contains("You are working in"));
    // The CSRF token seen before Login is worthless after it.
    let stale = client.post_form("/acting/leave", &[("csrf_token", &old_token)]);
    assert_eq!(stale.status, 403);

    let back = post(&client, "/acting/leave", &[]);
    assert_eq!(back.status, 303);
    assert_eq!(back.location(), format!("/accounts/{}/customers", msp.id));
    assert!(back.session_cookie().is_some());
    let page = client.get(back.location());
    assert!(!page.body.contains("You are working in"));
    assert!(page.body.contains("You are back in Acme MSP."));
    let actions = app.audit_actions();
    assert!(actions.contains(&"tenant.entered".to_string()));
    assert!(actions.contains(&"tenant.left".to_string()));
}

#[test]
fn a_link_that_ends_drops_the_partner_user_out_at_once() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let (oscar, _) = member(&app, &msp, "Operator", "oscar@msp.example");
    let (bruce, wayne, link) = connected(&app, &betty, &msp, "bruce@wayne.example", "Wayne Corp");
    assert_eq!(login(&oscar, &msp, &link).status, 303);
    assert!(
        oscar
            .get(&format!("/accounts/{}", wayne.id))
            .body
            .contains("You are working in")
    );

    // The partner admin deletes the account.
    links::delete(&mut app.conn(), &app.settings, &betty, &msp.id, &link).unwrap();
    let gone = oscar.get(&format!("/accounts/{}", wayne.id));
    assert_eq!(gone.status, 404);
    assert!(!gone.body.contains("You are working in"));
    let home = oscar.get("/");
    assert!(!home.body.contains("You are working in"));
    assert!(home.body.contains("Your access to Wayne Corp has ended."));

    // Connected again, then removed by the customer: the same.
    let second = invite(&app, &betty, &msp, "bruce@wayne.example");
    let token = emailed_token(&app, "bruce@wayne.example");
    links::accept(
        &mut app.conn(),
        &app.settings,
        &bruce,
        InvitationKey::Token(&token),
        AcceptInto::Existing(&wayne.id),
    )
    .unwrap();
    assert_eq!(login(&oscar, &msp, &second).status, 303);
    assert!(oscar.get("/").body.contains("You are working in"));
    links::remove_partner(
        &mut app.conn(),
        &app.settings,
        &bruce,
        &wayne.id,
        &second,
        "No longer needed",
    )
    .unwrap();
    assert_eq!(oscar.get(&format!("/accounts/{}", wayne.id)).status, 404);
    let home = oscar.get("/profile");
    assert!(!home.body.contains("You are working in"));
    assert!(home.body.contains("Your access to Wayne Corp has ended."));
    // Return after the end is harmless.
    assert_eq!(post(&oscar, "/acting/leave", &[]).location(), "/");
}

#[test]
fn only_connected_accounts_can_be_entered() {
    let app = TestApp::start();
    let (client, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let pending = invite(&app, &betty, &msp, "bruce@wayne.example");
    let res = login(&client, &msp, &pending);
    assert_eq!(res.status, 409);
    assert!(res.body.contains("Only connected accounts can be entered."));
    assert!(!client.get("/").body.contains("You are working in"));
}

#[test]
fn navigation_and_overview_lead_to_account_management() {
    let app = TestApp::start();
    let (client, _, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let home = client.get("/");
    let base = format!("/accounts/{}/customers", msp.id);
    assert!(
        home.body
            .contains(&format!("<a href=\"{base}\" >Account Management</a>"))
    );
    assert!(
        home.body
            .contains(&format!("<a href=\"/accounts/{}\">Acme MSP</a>", msp.id))
    );
    let overview = client.get(&format!("/accounts/{}", msp.id));
    assert!(
        overview
            .body
            .contains(&format!("<a href=\"{base}\">Account Management</a>"))
    );
    assert!(overview.body.contains("This account has no sub-accounts."));
    // A user of no partner has no such item.
    let (other, _) = app.signed_in("bruce@wayne.example", false);
    assert!(!other.get("/").body.contains("Account Management"));
    // Sub-accounts are listed on the overview, linked.
    let child = tenants::create(
        &mut app.conn(),
        NewTenant {
            name: "Acme North",
            is_partner: false,
            parent_id: Some(&msp.id),
            owner_email: "betty@msp.example",
        },
        None,
    )
    .unwrap();
    let overview = client.get(&format!("/accounts/{}", msp.id));
    assert!(overview.body.contains(&format!(
        "<a href=\"/accounts/{}\">Acme North</a>",
        child.id
    )));
    let child_page = client.get(&format!("/accounts/{}", child.id));
    assert!(child_page.body.contains(&format!(
        "Part of</dt><dd><a href=\"/accounts/{}\">Acme MSP</a>",
        msp.id
    )));
}
