//! First run: the setup page creates the first staff account once, then no longer exists.

use crate::common::{Client, TestApp};
use liaison::services::setup;

fn issue(app: &TestApp) -> String {
    setup::issue_if_needed(&mut app.conn())
        .unwrap()
        .expect("an empty portal issues a setup token")
}

fn fields<'a>(email: &'a str, password: &'a str, confirm: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Sam Support"),
        ("email", email),
        ("password", password),
        ("confirm_password", confirm),
    ]
}

#[test]
fn setup_works_once_only() {
    let app = TestApp::start();
    let token = issue(&app);
    let client = app.client();
    let path = format!("/setup/{token}");
    let page = client.get(&path);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Create the first support staff account"));
    assert_eq!(page.header("Referrer-Policy"), Some("no-referrer"));
    let res = client.submit(
        &path,
        &path,
        &fields(
            "sam@example.com",
            "a long staff password",
            "a long staff password",
        ),
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location(), "/signin");
    let staff = app.user("sam@example.com").unwrap();
    assert!(staff.is_staff);
    assert!(
        client
            .get("/signin")
            .body
            .contains("The support staff account sam@example.com was created.")
    );
    // Gone: for the same link, for a new token, and for a second submission.
    assert_eq!(client.get(&path).status, 404);
    let again = Client::new(&app.base);
    let token_again = again.csrf("/signin");
    let res = again.post_form(
        &path,
        &[
            ("csrf_token", &token_again),
            ("name", "Eve"),
            ("email", "eve@example.com"),
            ("password", "a long staff password"),
            ("confirm_password", "a long staff password"),
        ],
    );
    assert_eq!(res.status, 404);
    assert!(setup::issue_if_needed(&mut app.conn()).unwrap().is_none());
    assert_eq!(app.count("users"), 1);
    assert!(app.audit_actions().contains(&"setup.completed".to_string()));
    // The new staff member can sign in.
    assert_eq!(
        app.client()
            .sign_in("sam@example.com", "a long staff password")
            .status,
        303
    );
}

#[test]
fn unknown_setup_tokens_are_not_found() {
    let app = TestApp::start();
    issue(&app);
    assert_eq!(app.client().get("/setup/not-the-token").status, 404);
}

#[test]
fn bad_setup_input_gets_clear_messages_and_creates_nothing() {
    let app = TestApp::start();
    let token = issue(&app);
    let client = app.client();
    let path = format!("/setup/{token}");
    let long_email = format!("{}@example.com", "a".repeat(300));
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            fields("", "a long staff password", "a long staff password"),
            "Enter an email address.",
        ),
        (
            fields(
                "not-an-email",
                "a long staff password",
                "a long staff password",
            ),
            "Enter a valid email address",
        ),
        (
            fields(
                &long_email,
                "a long staff password",
                "a long staff password",
            ),
            "at most 254 characters",
        ),
        (
            fields("sam@example.com", "short", "short"),
            "at least 10 characters",
        ),
        (
            fields(
                "sam@example.com",
                "a long staff password",
                "another password!",
            ),
            "The two passwords do not match.",
        ),
    ];
    for (form, message) in cases {
        let res = client.submit(&path, &path, &form);
        assert_eq!(res.status, 422, "{message}");
        assert!(
            res.body.contains(message),
            "expected {message:?} in {}",
            res.body
        );
    }
    let huge_name = "n".repeat(500);
    let res = client.submit(
        &path,
        &path,
        &[
            ("name", &huge_name),
            ("email", "sam@example.com"),
            ("password", "a long staff password"),
            ("confirm_password", "a long staff password"),
        ],
    );
    assert_eq!(res.status, 422);
    assert!(res.body.contains("at most 100 characters"));
    let res = client.submit(&path, &path, &[]);
    assert_eq!(res.status, 422);
    assert!(res.body.contains("Enter a name."));
    assert_eq!(app.count("users"), 0);
    // The link still works after the mistakes.
    assert_eq!(client.get(&path).status, 200);
}

#[test]
fn simultaneous_setups_create_one_staff_account() {
    let app = TestApp::start();
    let token = issue(&app);
    let hasher = liaison::domain::password::Hasher::new(2);
    let results: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = ["one@example.com", "two@example.com"]
            .into_iter()
            .map(|email| {
                let (pool, token, hasher) = (app.pool.clone(), token.clone(), &hasher);
                s.spawn(move || {
                    let input = setup::FirstStaff {
                        email,
                        name: "Racer",
                        password: "a long staff password",
                        confirm: "a long staff password",
                    };
                    setup::complete(&mut pool.get().unwrap(), hasher, &token, input, None).is_ok()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|ok| **ok).count(), 1, "{results:?}");
    assert_eq!(app.count("users"), 1);
}
