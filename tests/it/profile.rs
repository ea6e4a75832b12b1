//! The profile page: name and password, with every kind of bad input.

use crate::common::{PASSWORD, TestApp};

#[test]
fn a_user_changes_their_name() {
    let app = TestApp::start();
    let (client, user) = app.signed_in("ada@example.com", false);
    let res = client.submit("/profile", "/profile", &[("name", "  Ada Lovelace  ")]);
    assert_eq!(res.status, 303);
    let page = client.get("/profile");
    assert!(page.body.contains("Your name was saved."));
    assert!(page.body.contains("value=\"Ada Lovelace\""));
    assert_eq!(app.user(&user.email).unwrap().name, "Ada Lovelace");
}

#[test]
fn bad_names_are_refused_and_nothing_changes() {
    let app = TestApp::start();
    let (client, user) = app.signed_in("ada@example.com", false);
    let long = "x".repeat(101);
    for (name, message) in [
        ("", "Enter a name."),
        ("   ", "Enter a name."),
        (long.as_str(), "The name must be at most 100 characters."),
        ("a\u{1}b", "cannot contain control characters"),
    ] {
        let res = client.submit("/profile", "/profile", &[("name", name)]);
        assert_eq!(res.status, 422, "{name:?}");
        assert!(res.body.contains(message), "{message}: {}", res.body);
        assert!(res.body.contains("aria-invalid=\"true\""));
    }
    let missing = client.submit("/profile", "/profile", &[]);
    assert_eq!(missing.status, 422);
    let oversized_body = "y".repeat(70 * 1024);
    let too_large = client.submit("/profile", "/profile", &[("name", &oversized_body)]);
    assert_eq!(too_large.status, 413);
    assert!(too_large.body.contains("too large"));
    assert_eq!(app.user(&user.email).unwrap().name, "Test User");
}

#[test]
fn changing_the_password_ends_other_sessions_and_sends_a_notice() {
    let app = TestApp::start();
    let (client, user) = app.signed_in("ada@example.com", false);
    let other = app.client();
    assert_eq!(other.sign_in("ada@example.com", PASSWORD).status, 303);
    let res = client.submit(
        "/profile",
        "/profile/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "a brand new password"),
            ("confirm_password", "a brand new password"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(
        client
            .get("/profile")
            .body
            .contains("Your password was changed."),
        "this session continues"
    );
    assert_eq!(other.get("/profile").status, 303, "the other session ended");
    assert_eq!(
        app.client().sign_in("ada@example.com", PASSWORD).status,
        422
    );
    assert_eq!(
        app.client()
            .sign_in("ada@example.com", "a brand new password")
            .status,
        303
    );
    let mail = liaison::services::outbox::list(&mut app.conn(), None, None, 10)
        .unwrap()
        .rows;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to_address, user.email);
    assert!(mail[0].body_text.contains(&format!("{}/profile", app.base)));
}

#[test]
fn bad_password_changes_are_refused_and_nothing_changes() {
    let app = TestApp::start();
    let (client, user) = app.signed_in("ada@example.com", false);
    let huge = "p".repeat(300);
    let cases: [([(&str, &str); 3], &str); 5] = [
        (
            [
                ("current_password", "wrong password"),
                ("new_password", "a brand new password"),
                ("confirm_password", "a brand new password"),
            ],
            "Your current password is not correct.",
        ),
        (
            [
                ("current_password", ""),
                ("new_password", "a brand new password"),
                ("confirm_password", "a brand new password"),
            ],
            "Enter your current password.",
        ),
        (
            [
                ("current_password", PASSWORD),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
            "at least 10 characters",
        ),
        (
            [
                ("current_password", PASSWORD),
                ("new_password", "a brand new password"),
                ("confirm_password", "a different password"),
            ],
            "The two new passwords do not match.",
        ),
        (
            [
                ("current_password", PASSWORD),
                ("new_password", &huge),
                ("confirm_password", &huge),
            ],
            "at most 256 characters",
        ),
    ];
    for (form, message) in cases {
        let res = client.submit("/profile", "/profile/password", &form);
        assert_eq!(res.status, 422, "{message}");
        assert!(res.body.contains(message), "{message}: {}", res.body);
    }
    assert_eq!(
        app.user(&user.email).unwrap().password_hash,
        user.password_hash
    );
    assert_eq!(app.count("outbox"), 0);
}
