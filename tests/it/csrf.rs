//! CSRF: a missing, wrong or cross-site token is refused and changes nothing.

use crate::common::TestApp;

#[test]
fn missing_or_wrong_token_is_refused_and_nothing_changes() {
    let app = TestApp::start();
    let (client, user) = app.signed_in("ada@example.com", false);
    let missing = client.post_form("/profile", &[("name", "Mallory")]);
    assert_eq!(missing.status, 403);
    assert!(
        missing
            .body
            .contains("This form has expired or did not come from this portal.")
    );
    let wrong = client.post_form("/profile", &[("csrf_token", "forged"), ("name", "Mallory")]);
    assert_eq!(wrong.status, 403);
    let wrong_header = client.post_form_with(
        "/profile",
        &[("name", "Mallory")],
        &[("X-CSRF-Token", "forged")],
    );
    assert_eq!(wrong_header.status, 403);
    assert_eq!(app.user(&user.email).unwrap().name, "Test User");
    let refusals = app
        .audit_actions()
        .iter()
        .filter(|a| *a == "csrf.refused")
        .count();
    assert_eq!(refusals, 3);
    // The right token works.
    let ok = client.submit("/profile", "/profile", &[("name", "Ada Lovelace")]);
    assert_eq!(ok.status, 303);
    assert_eq!(app.user(&user.email).unwrap().name, "Ada Lovelace");
}

#[test]
fn the_htmx_header_carries_the_token() {
    let app = TestApp::start();
    let (client, user) = app.signed_in("ada@example.com", false);
    let page = client.get("/profile");
    let token = crate::common::csrf_in(&page.body).unwrap();
    assert!(
        page.body
            .contains(&format!("hx-headers='{{\"X-CSRF-Token\": \"{token}\"}}'"))
    );
    let res = client.post_form_with(
        "/profile",
        &[("name", "Ada via htmx")],
        &[("X-CSRF-Token", &token), ("HX-Request", "true")],
    );
    assert_eq!(res.status, 303);
    assert_eq!(app.user(&user.email).unwrap().name, "Ada via htmx");
}

#[test]
fn cross_site_requests_are_refused_even_with_a_token() {
    let app = TestApp::start();
    let (client, user) = app.signed_in("ada@example.com", false);
    let token = client.csrf("/profile");
    let res = client.post_form_with(
        "/profile",
        &[("csrf_token", &token), ("name", "Mallory")],
        &[("Sec-Fetch-Site", "cross-site")],
    );
    assert_eq!(res.status, 403);
    assert_eq!(app.user(&user.email).unwrap().name, "Test User");
}

#[test]
fn sign_in_and_sign_out_need_the_token_too() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let client = app.client();
    client.get("/signin");
    let res = client.post_form(
        "/signin",
        &[
            ("email", "ada@example.com"),
            ("password", crate::common::PASSWORD),
        ],
    );
    assert_eq!(res.status, 403);
    assert_eq!(client.get("/").status, 303, "not signed in");

    let (client, _) = app.signed_in("bob@example.com", false);
    assert_eq!(client.post_form("/signout", &[]).status, 403);
    assert_eq!(client.get("/").status, 200, "still signed in");
}

#[test]
fn a_token_from_before_sign_in_is_worthless_after_it() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let client = app.client();
    let before = client.csrf("/signin");
    client.post_form(
        "/signin",
        &[
            ("csrf_token", &before),
            ("email", "ada@example.com"),
            ("password", crate::common::PASSWORD),
        ],
    );
    let res = client.post_form("/profile", &[("csrf_token", &before), ("name", "Mallory")]);
    assert_eq!(res.status, 403);
}
