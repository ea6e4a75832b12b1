//! Sign-in: right, wrong, unknown, disabled, throttled, malformed; local-only redirects.

use crate::common::{PASSWORD, TestApp};
use liaison::services::signin::{THROTTLED, WRONG_CREDENTIALS};
use liaison::services::users;

#[test]
fn right_password_signs_in_and_shows_the_dashboard() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let client = app.client();
    let res = client.sign_in("Ada@Example.com", PASSWORD);
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), "/");
    let dashboard = client.get("/");
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.body.contains("<h1>Dashboard</h1>"));
    assert!(dashboard.body.contains("Signed in as ada@example.com."));
    assert!(
        app.audit_actions()
            .contains(&"signin.succeeded".to_string())
    );
}

#[test]
fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let wrong = app.client().sign_in("ada@example.com", "not the password");
    let unknown = app
        .client()
        .sign_in("nobody@example.com", "not the password");
    assert_eq!(wrong.status, 422);
    assert_eq!(unknown.status, wrong.status);
    assert!(wrong.body.contains(WRONG_CREDENTIALS));
    assert!(unknown.body.contains(WRONG_CREDENTIALS));
    // Same words, and the form keeps the email that was typed.
    assert!(unknown.body.contains("value=\"nobody@example.com\""));
    // Not signed in: the dashboard sends to the sign-in page.
    let client = app.client();
    client.sign_in("ada@example.com", "not the password");
    assert_eq!(client.get("/").location(), "/signin?next=%2F");
    let failures = app
        .audit_actions()
        .iter()
        .filter(|a| *a == "signin.failed")
        .count();
    assert_eq!(failures, 3);
}

#[test]
fn disabled_users_cannot_sign_in_and_lose_their_sessions() {
    let app = TestApp::start();
    let (client, user) = app.signed_in("ada@example.com", false);
    assert_eq!(client.get("/profile").status, 200);
    users::set_disabled(&mut app.conn(), &user.email, true, None).unwrap();
    // The open session ends on the next request.
    let res = client.get("/profile");
    assert_eq!(res.status, 303);
    assert!(res.location().starts_with("/signin"));
    let again = app.client().sign_in("ada@example.com", PASSWORD);
    assert_eq!(again.status, 403);
    assert!(again.body.contains("This account is disabled"));
    // A wrong password on a disabled account says nothing about the account.
    let wrong = app.client().sign_in("ada@example.com", "not the password");
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains(WRONG_CREDENTIALS));
}

#[test]
fn repeated_failures_throttle_the_account_even_with_the_right_password() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let client = app.client();
    for _ in 0..5 {
        assert_eq!(client.sign_in("ada@example.com", "guess").status, 422);
    }
    let res = client.sign_in("ada@example.com", PASSWORD);
    assert_eq!(res.status, 429);
    assert!(res.body.contains(THROTTLED));
    assert_eq!(client.get("/").status, 303, "still not signed in");
    // Another account from the same address is not locked by these five failures.
    app.create_user("bob@example.com", false);
    assert_eq!(
        app.client().sign_in("bob@example.com", PASSWORD).status,
        303
    );
    assert!(
        app.audit_actions()
            .contains(&"signin.throttled".to_string())
    );
}

#[test]
fn repeated_failures_throttle_the_peer_address() {
    let app = TestApp::start_with(crate::common::Options {
        customize: Box::new(|s| s.signin_throttle.per_address = 3),
        ..Default::default()
    });
    app.create_user("ada@example.com", false);
    for i in 0..3 {
        let res = app
            .client()
            .sign_in(&format!("nobody{i}@example.com"), "guess");
        assert_eq!(res.status, 422);
    }
    let res = app.client().sign_in("ada@example.com", PASSWORD);
    assert_eq!(res.status, 429, "the address is throttled across accounts");
}

#[test]
fn empty_oversized_and_malformed_sign_ins_get_a_clear_message() {
    let app = TestApp::start();
    let client = app.client();
    let empty_email = client.sign_in("", PASSWORD);
    assert_eq!(empty_email.status, 422);
    assert!(empty_email.body.contains("Enter your email address."));
    let empty_password = client.sign_in("ada@example.com", "");
    assert_eq!(empty_password.status, 422);
    assert!(empty_password.body.contains("Enter your password."));
    let huge = "x".repeat(5000);
    for res in [
        client.sign_in(&huge, PASSWORD),
        client.sign_in("ada@example.com", &huge),
        client.sign_in("not an email", PASSWORD),
    ] {
        assert_eq!(res.status, 422);
        assert!(res.body.contains(WRONG_CREDENTIALS));
    }
    assert_eq!(app.count("sessions WHERE user_id IS NOT NULL"), 0);
}

#[test]
fn after_sign_in_only_local_paths_are_followed() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let client = app.client();
    let page = client.get("/signin?next=/profile");
    assert!(page.body.contains("name=\"next\" value=\"/profile\""));
    let token = crate::common::csrf_in(&page.body).unwrap();
    let res = client.post_form(
        "/signin",
        &[
            ("csrf_token", &token),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("next", "/profile"),
        ],
    );
    assert_eq!(res.location(), "/profile");

    let other = app.client();
    let token = other.csrf("/signin");
    let res = other.post_form(
        "/signin",
        &[
            ("csrf_token", &token),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("next", "//evil.example/x"),
        ],
    );
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), "/");
}

#[test]
fn protected_pages_send_anonymous_users_to_sign_in_and_back() {
    let app = TestApp::start();
    let res = app.client().get("/profile");
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), "/signin?next=%2Fprofile");
    let htmx = app.client().get_with("/profile", &[("HX-Request", "true")]);
    assert_eq!(htmx.header("HX-Redirect"), Some("/signin?next=%2Fprofile"));
}
