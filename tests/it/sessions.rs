//! Server-side sessions: sign-out ends them, they survive a restart, a new id at sign-in.

use crate::common::{Client, PASSWORD, TestApp};
use diesel::prelude::*;
use liaison::db::schema::sessions;
use liaison::services::now;

#[test]
fn sign_out_ends_the_session_on_the_server() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let client = app.client();
    let token = client.csrf("/signin");
    let res = client.post_form(
        "/signin",
        &[
            ("csrf_token", &token),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ],
    );
    let cookie = res.session_cookie().expect("a session cookie at sign-in");
    // The stolen cookie works while the session lives…
    let thief = Client::new(&app.base).with_header("Cookie", &cookie);
    assert_eq!(thief.get("/profile").status, 200);
    let signout = client.submit("/profile", "/signout", &[]);
    assert_eq!(signout.status, 303);
    assert_eq!(signout.location(), "/signin?signed_out=1");
    assert!(
        client
            .get(signout.location())
            .body
            .contains("You have signed out.")
    );
    // …and not after sign-out.
    let res = thief.get("/profile");
    assert_eq!(res.status, 303);
    assert!(res.location().starts_with("/signin"));
    assert_eq!(app.count("sessions WHERE user_id IS NOT NULL"), 0);
    assert!(app.audit_actions().contains(&"signout".to_string()));
}

#[test]
fn sign_in_renews_the_session_id() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let client = app.client();
    let page = client.get("/signin");
    let anonymous = page
        .session_cookie()
        .expect("the sign-in form starts a session for its CSRF token");
    let token = crate::common::csrf_in(&page.body).unwrap();
    let res = client.post_form(
        "/signin",
        &[
            ("csrf_token", &token),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ],
    );
    let signed_in = res.session_cookie().unwrap();
    assert_ne!(anonymous, signed_in);
    // The pre-sign-in id (fixation) gives no access.
    let fixated = Client::new(&app.base).with_header("Cookie", &anonymous);
    assert_eq!(fixated.get("/profile").status, 303);
}

#[test]
fn sessions_survive_a_restart() {
    let mut app = TestApp::start();
    let (client, _) = app.signed_in("ada@example.com", false);
    app.restart();
    let res = client.get("/profile");
    assert_eq!(res.status, 200);
    assert!(res.body.contains("ada@example.com"));
}

#[test]
fn sessions_end_after_the_absolute_limit() {
    let app = TestApp::start_with(crate::common::Options {
        customize: Box::new(|s| s.session_max = std::time::Duration::from_secs(0)),
        ..Default::default()
    });
    app.create_user("ada@example.com", false);
    let client = app.client();
    client.sign_in("ada@example.com", PASSWORD);
    crate::common::wait_until(
        "the session is older than its limit",
        std::time::Duration::from_secs(5),
        || client.get("/profile").status == 303,
    );
}

/// Moves the idle deadline of every session of a user, as if time had passed.
fn set_deadline(app: &TestApp, user_id: &str, at: chrono::NaiveDateTime) {
    diesel::update(sessions::table.filter(sessions::user_id.eq(user_id)))
        .set(sessions::expires_at.eq(at))
        .execute(&mut app.conn())
        .unwrap();
}

#[test]
fn idle_sessions_end() {
    let app = TestApp::start();
    let (client, user) = app.signed_in("ada@example.com", false);
    assert_eq!(client.get("/profile").status, 200);
    set_deadline(&app, &user.id, now() - chrono::Duration::minutes(1));
    let res = client.get("/profile");
    assert_eq!(res.status, 303);
    assert!(res.location().starts_with("/signin"));
}

#[test]
fn active_sessions_push_their_idle_deadline_forward() {
    let app = TestApp::start();
    let (client, user) = app.signed_in("ada@example.com", false);
    let soon = now() + chrono::Duration::minutes(2);
    set_deadline(&app, &user.id, soon);
    assert_eq!(client.get("/profile").status, 200);
    let deadline: chrono::NaiveDateTime = sessions::table
        .filter(sessions::user_id.eq(&user.id))
        .select(sessions::expires_at)
        .first(&mut app.conn())
        .unwrap();
    assert!(
        deadline > soon + chrono::Duration::minutes(20),
        "a request extends the 30-minute idle deadline: {deadline}"
    );
}

#[test]
fn instances_on_one_database_share_sessions() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let (other_base, _other) = app.second_instance();
    let client = app.client();
    let token = client.csrf("/signin");
    let res = client.post_form(
        "/signin",
        &[
            ("csrf_token", &token),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ],
    );
    let cookie = res.session_cookie().unwrap();
    let on_other = Client::new(&other_base).with_header("Cookie", &cookie);
    let page = on_other.get("/profile");
    assert_eq!(page.status, 200, "signed in on the second instance too");
    // Signing out on the second instance ends the session on the first.
    let token = crate::common::csrf_in(&page.body).unwrap();
    assert_eq!(
        on_other
            .post_form("/signout", &[("csrf_token", &token)])
            .status,
        303
    );
    assert_eq!(client.get("/profile").status, 303);
}
