//! The Apps pages: register (the secret shown once), an app's overview with its Tenants section,
//! the tenant listing with Request Authorization, the emailed confirmation page, Edit and
//! Remove, a tenant's Authorizations, and other partners' ids.

use crate::app_authorizations::{emailed_token, mails_to, new_app};
use crate::common::{Client, TestApp};
use crate::customers::{partner, post, tenant};
use diesel::prelude::*;
use liaison::db::schema::app_authorizations as auth;

fn status_of(app: &TestApp, id: &str) -> String {
    auth::table
        .find(id)
        .select(auth::status)
        .first(&mut app.conn())
        .unwrap()
}

fn only_authorization(app: &TestApp) -> String {
    auth::table.select(auth::id).first(&mut app.conn()).unwrap()
}

fn secret_in(body: &str) -> String {
    let marker = "<code id=\"app-secret\">";
    let start = body.find(marker).expect("the secret is shown") + marker.len();
    body[start..start + body[start..].find('<').unwrap()].to_string()
}

#[test]
fn register_an_app_see_its_secret_once_and_rotate_it() {
    let app = TestApp::start();
    let (betty, _, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let apps = format!("/accounts/{}/apps", msp.id);
    let page = betty.get(&apps);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("You have no apps yet"));
    // Bad input: a clear message, nothing stored.
    let res = post(
        &betty,
        &apps,
        &[("name", " "), ("description", &"d".repeat(1001))],
    );
    assert_eq!(res.status, 422);
    assert!(res.body.contains("Enter a name.") && res.body.contains("at most 1000 characters"));
    assert_eq!(app.count("apps"), 0);

    let res = post(
        &betty,
        &apps,
        &[("name", "Sync"), ("description", "Nightly sync")],
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let secret = secret_in(&res.body);
    assert!(res.body.contains("shown only this once"));
    let app_id: String = liaison::db::schema::apps::table
        .select(liaison::db::schema::apps::id)
        .first(&mut app.conn())
        .unwrap();
    let show = betty.get(&format!("{apps}/{app_id}"));
    assert_eq!(show.status, 200);
    assert!(!show.body.contains(&secret), "never shown again");
    for env in ["sandbox", "stage", "production"] {
        assert!(
            show.body
                .contains(&format!("{apps}/{app_id}/tenants?environment={env}"))
        );
    }
    assert!(show.body.contains("0 tenants"));
    let list = betty.get(&apps);
    assert!(list.body.contains("Sync") && list.body.contains(&app_id));
    let taken = post(&betty, &apps, &[("name", "SYNC")]);
    assert_eq!(taken.status, 422);
    assert!(taken.body.contains("already have an app with this name"));

    let rotated = post(&betty, &format!("{apps}/{app_id}/secret"), &[]);
    assert_eq!(rotated.status, 200);
    assert_ne!(secret_in(&rotated.body), secret);
    assert!(rotated.body.contains("previous secret no longer works"));
}

/// Requests an authorization through the page's form.
pub fn request(client: &Client, partner_id: &str, fields: &[(&str, &str)]) -> crate::common::Resp {
    post(
        client,
        &format!("/accounts/{partner_id}/app-tenants/request"),
        fields,
    )
}

#[test]
fn request_from_the_listing_approve_from_the_email_and_see_it_everywhere() {
    let app = TestApp::start();
    let (betty, betty_user, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let sync = new_app(&app, &betty_user, &msp, "Sync").app.id;
    let listing = format!("/accounts/{}/app-tenants?environment=production", msp.id);
    let page = betty.get(&listing);
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("No tenant has authorized your apps in Production yet")
    );

    // Bad input on every field: 422, each message, nothing stored or sent.
    let res = request(
        &betty,
        &msp.id,
        &[
            ("environment", "moon"),
            ("app", ""),
            ("contact_email", "nope"),
        ],
    );
    assert_eq!(res.status, 422);
    for m in [
        "Choose an application.",
        "Choose one of the environments",
        "Enter the customer name.",
        "Enter the Cust ID.",
        "valid email",
    ] {
        assert!(res.body.contains(m), "{m}: {}", res.body);
    }
    assert_eq!(app.count("app_authorizations"), 0);
    assert_eq!(app.count("outbox"), 0);

    let (bruce_client, bruce) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let fields = [
        ("environment", "production"),
        ("app", sync.as_str()),
        ("customer_name", "wayne enterprises"),
        ("account_number", wayne.account_number.as_str()),
        ("contact_email", "bruce@wayne.example"),
        ("info", "Nightly sync of orders"),
    ];
    let res = request(&betty, &msp.id, &fields);
    assert_eq!(res.status, 303, "{}", res.body);
    let listed = betty.get(&listing);
    assert!(listed.body.contains("Pending") && listed.body.contains("wayne enterprises"));
    assert_eq!(
        mails_to(&app, "bruce@wayne.example", "app_authorization_requested"),
        1
    );

    // The contact opens the link: nothing changes until they approve.
    let token = emailed_token(&app, "bruce@wayne.example");
    let confirm = format!("/app-authorizations/{token}");
    let page = bruce_client.get(&confirm);
    assert_eq!(page.status, 200);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(page.body.contains("Approve") && page.body.contains("Nightly sync of orders"));
    let id = only_authorization(&app);
    assert_eq!(status_of(&app, &id), "pending");
    let res = post(&bruce_client, &format!("{confirm}/approve"), &[]);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("Approved"));
    assert_eq!(status_of(&app, &id), "active");
    // The link works once.
    let again = post(&bruce_client, &format!("{confirm}/approve"), &[]);
    assert_eq!(again.status, 409);
    assert!(again.body.contains("already been approved"));
    assert_eq!(betty.get("/app-authorizations/not-a-token").status, 404);

    // The app's page counts it; the listing opened from it shows only that app and says so.
    let show = betty.get(&format!("/accounts/{}/apps/{sync}", msp.id));
    assert!(show.body.contains("1 tenant<"), "{}", show.body);
    let of_app = betty.get(&format!(
        "/accounts/{}/apps/{sync}/tenants?environment=production",
        msp.id
    ));
    assert_eq!(of_app.status, 200);
    assert!(
        of_app
            .body
            .contains("Only the tenants of <strong>Sync</strong> are shown")
    );
    assert!(of_app.body.contains("Wayne Enterprises") && of_app.body.contains(&wayne.id));
    let sandbox = betty.get(&format!(
        "/accounts/{}/apps/{sync}/tenants?environment=sandbox",
        msp.id
    ));
    assert!(!sandbox.body.contains(&wayne.id));
    let searched = betty.get(&format!("{listing}&q=zzz"));
    assert!(searched.body.contains("No tenant matches"));

    // The tenant's Authorizations page.
    let tab = bruce_client.get(&format!("/accounts/{}/authorizations", wayne.id));
    assert_eq!(tab.status, 200);
    for text in [
        "Sync",
        "Production",
        "Active",
        "Test User",
        "Never",
        "No end date",
    ] {
        assert!(tab.body.contains(text), "{text}");
    }
    let _ = bruce;
    // Another tenant's Authorizations are not shown to Betty.
    assert!(matches!(
        betty
            .get(&format!("/accounts/{}/authorizations", wayne.id))
            .status,
        403 | 404
    ));
}

#[test]
fn decline_edit_and_remove_through_the_pages() {
    let app = TestApp::start();
    let (betty, betty_user, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let sync = new_app(&app, &betty_user, &msp, "Sync").app.id;
    let (bruce_client, _) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let fields = |env: &'static str| {
        vec![
            ("environment", env),
            ("app", sync.as_str()),
            ("customer_name", "Wayne Enterprises"),
            ("account_number", wayne.account_number.as_str()),
            ("contact_email", "bruce@wayne.example"),
        ]
    };
    assert_eq!(request(&betty, &msp.id, &fields("stage")).status, 303);
    let token = emailed_token(&app, "bruce@wayne.example");
    let res = post(
        &bruce_client,
        &format!("/app-authorizations/{token}/decline"),
        &[("reason", "Not now")],
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("Declined"));
    assert_eq!(
        mails_to(&app, "betty@msp.example", "app_authorization_answered"),
        1
    );

    assert_eq!(request(&betty, &msp.id, &fields("sandbox")).status, 303);
    let token = emailed_token(&app, "bruce@wayne.example");
    assert_eq!(
        post(
            &bruce_client,
            &format!("/app-authorizations/{token}/approve"),
            &[]
        )
        .status,
        200
    );
    let id: String = auth::table
        .filter(auth::status.eq("active"))
        .select(auth::id)
        .first(&mut app.conn())
        .unwrap();

    // Edit: bad input, then the changes by email, applied when approved.
    let edit = format!("/accounts/{}/app-authorizations/{id}/edit", msp.id);
    assert_eq!(betty.get(&edit).status, 200);
    let res = post(
        &betty,
        &edit,
        &[
            ("on_behalf_of", ""),
            ("contact_email", "x"),
            ("environment", "production"),
        ],
    );
    assert_eq!(res.status, 422);
    assert!(res.body.contains("Enter whom you submit this for."));
    let res = post(
        &betty,
        &edit,
        &[
            ("on_behalf_of", "Alfred"),
            ("contact_email", "bruce@wayne.example"),
            ("environment", "production"),
            ("info", "Go live"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let token = emailed_token(&app, "bruce@wayne.example");
    let page = bruce_client.get(&format!("/app-authorizations/{token}"));
    assert!(page.body.contains("Alfred") && page.body.contains("Production"));
    assert_eq!(
        post(
            &bruce_client,
            &format!("/app-authorizations/{token}/approve"),
            &[]
        )
        .status,
        200
    );
    let env: String = auth::table
        .find(&id)
        .select(auth::environment)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(env, "production");

    // Remove: both fields required, nothing changes; then it ends at once.
    let remove = format!("/accounts/{}/app-authorizations/{id}/remove", msp.id);
    assert_eq!(betty.get(&remove).status, 200);
    let outbox = app.count("outbox");
    let res = post(&betty, &remove, &[("contact_email", ""), ("reason", "")]);
    assert_eq!(res.status, 422);
    assert!(res.body.contains("Enter a reason.") && res.body.contains("Enter an email address."));
    assert_eq!(status_of(&app, &id), "active");
    assert_eq!(app.count("outbox"), outbox);
    let res = post(
        &betty,
        &remove,
        &[
            ("contact_email", "bruce@wayne.example"),
            ("reason", "Contract ended"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(status_of(&app, &id), "removed");
    assert_eq!(
        mails_to(&app, "bruce@wayne.example", "app_authorization_removed"),
        1
    );
    let again = post(
        &betty,
        &remove,
        &[
            ("contact_email", "bruce@wayne.example"),
            ("reason", "Again"),
        ],
    );
    assert_eq!(again.status, 422);
    assert!(again.body.contains("already Removed"));
}
