//! The apps story in Chromium: a partner opens its app, clicks an environment's count, requests
//! an authorization for a customer, the customer approves it from the email in a second browser,
//! and the partner, working inside the customer's account, finds it on the Authorizations tab.

use super::{Driver, browser, click, fill, submit_sign_in, wait_for_heading, wait_for_text};
use crate::common::{PASSWORD, TestApp};
use fantoccini::Locator;
use liaison::services::links::{self, AcceptInto, InvitationKey, Invite};
use liaison::services::tenants::{self, NewTenant, Tenant};

fn tenant(app: &TestApp, name: &str, partner: bool, owner: &str) -> Tenant {
    let input = NewTenant {
        name,
        is_partner: partner,
        parent_id: None,
        owner_email: owner,
    };
    tenants::create(&mut app.conn(), input, None).unwrap()
}

/// The newest mail of a template to an address, as text.
fn mail(app: &TestApp, to: &str, template: &str) -> String {
    use diesel::prelude::*;
    use liaison::db::schema::outbox;
    outbox::table
        .filter(outbox::to_address.eq(to))
        .filter(outbox::template.eq(template))
        .order(outbox::id.desc())
        .select(outbox::body_text)
        .first(&mut app.conn())
        .unwrap()
}

/// The first link in a mail that starts with `prefix`.
fn link_in(body: &str, prefix: &str) -> String {
    let start = body.find(prefix).expect("the mail has the link");
    body[start..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn a_partner_requests_an_app_authorization_that_the_customer_approves_by_email() {
    let app = TestApp::start();
    let betty = app.create_user("betty@msp.example", false);
    let bruce = app.create_user("bruce@wayne.example", false);
    let msp = tenant(&app, "Betty's MSP", true, "betty@msp.example");
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    // Betty's MSP is Wayne's connected partner, so Betty may open Wayne's account.
    let admin = links::access_levels(&mut app.conn(), &msp.id).unwrap()[1]
        .role_id
        .clone();
    let invite = Invite {
        email: "bruce@wayne.example",
        access_level: &admin,
        message: "",
    };
    links::invite(&mut app.conn(), &app.settings, &betty, &msp.id, invite).unwrap();
    let body = mail(&app, "bruce@wayne.example", "partner_invitation");
    let token = link_in(&body, &format!("{}/invitations/", app.base));
    let token = token.rsplit('/').next().unwrap().to_string();
    let into = AcceptInto::Existing(&wayne.id);
    links::accept(
        &mut app.conn(),
        &app.settings,
        &bruce,
        InvitationKey::Token(&token),
        into,
    )
    .unwrap();
    liaison::services::apps::create(&mut app.conn(), &betty, &msp.id, "Batcomputer", "Analytics")
        .unwrap();

    let driver = Driver::start();
    let (partner, _p1) = browser(&driver, 1280).await;
    let (customer, _p2) = browser(&driver, 360).await;

    // The partner opens the app and clicks the Production count.
    partner.goto(&format!("{}/signin", app.base)).await.unwrap();
    submit_sign_in(&partner, "betty@msp.example", PASSWORD).await;
    wait_for_heading(&partner, "Dashboard").await;
    partner
        .goto(&format!("{}/accounts/{}/apps", app.base, msp.id))
        .await
        .unwrap();
    click(&partner, "main a[href*='/apps/']").await;
    wait_for_text(&partner, "Tenants that authorized Batcomputer").await;
    click(&partner, "main a[href$='environment=production']").await;
    wait_for_text(&partner, "Only the tenants of").await;

    // Request Authorization for Wayne Enterprises in Production.
    fill(&partner, "customer_name", "Wayne Enterprises").await;
    fill(&partner, "account_number", &wayne.account_number).await;
    fill(&partner, "contact_email", "bruce@wayne.example").await;
    click(
        &partner,
        "form[action$='/app-tenants/request'] button[type=submit]",
    )
    .await;
    wait_for_text(&partner, "Pending").await;

    // The customer approves from the email in a second browser.
    let body = mail(&app, "bruce@wayne.example", "app_authorization_requested");
    let approve = link_in(&body, &format!("{}/app-authorizations/", app.base));
    customer
        .goto(&format!("{}/signin", app.base))
        .await
        .unwrap();
    submit_sign_in(&customer, "bruce@wayne.example", PASSWORD).await;
    wait_for_heading(&customer, "Dashboard").await;
    customer.goto(&approve).await.unwrap();
    wait_for_text(&customer, "Batcomputer").await;
    click(&customer, "form[action$='/approve'] button").await;
    wait_for_text(
        &customer,
        "Approved: Batcomputer may now use Wayne Enterprises in Production.",
    )
    .await;

    // The partner opens the customer's account and switches to the Authorizations tab.
    partner
        .goto(&format!("{}/accounts/{}", app.base, wayne.id))
        .await
        .unwrap();
    wait_for_heading(&partner, "Wayne Enterprises").await;
    click(&partner, "#tenant-tabs a[href$='/authorizations']").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let panel = match partner.find(Locator::Id("tab-panel")).await {
            Ok(p) => p.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if panel.contains("Batcomputer") && panel.contains("Production") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not on the tab: {panel}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let url = partner.current_url().await.unwrap();
    assert!(url.path().ends_with("/authorizations"), "{url}");
    partner.close().await.unwrap();
    customer.close().await.unwrap();
}
