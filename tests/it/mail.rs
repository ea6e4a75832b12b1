//! The outbox delivers to a real SMTP server and retries while it is down.

use crate::common::{Options, TestApp, free_port, start_smtp, wait_until};
use liaison::services::outbox;
use std::net::TcpListener;
use std::time::Duration;

fn change_password(app: &TestApp) {
    let (client, _) = app.signed_in("ada@example.com", false);
    let res = client.submit(
        "/profile",
        "/profile/password",
        &[
            ("current_password", crate::common::PASSWORD),
            ("new_password", "a brand new password"),
            ("confirm_password", "a brand new password"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
}

#[test]
fn outbox_mail_is_delivered_over_smtp() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = start_smtp(listener);
    let app = TestApp::start_with(Options {
        mail_worker: true,
        customize: Box::new(move |s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))),
    });
    change_password(&app);
    wait_until(
        "the SMTP server received the message",
        Duration::from_secs(20),
        || !received.lock().unwrap().is_empty(),
    );
    let message = received.lock().unwrap()[0].clone();
    assert!(
        message.contains("Subject: Your Liaison password was changed"),
        "{message}"
    );
    assert!(message.contains("To: ada@example.com"));
    assert!(
        message.contains("text/plain") && message.contains("text/html"),
        "both parts"
    );
    assert!(
        message.contains(&format!("{}/profile", app.base)),
        "links come from the base URL"
    );
    wait_until("the outbox marks it sent", Duration::from_secs(10), || {
        app.count("outbox WHERE status = 'sent' AND transport = 'smtp'") == 1
    });
}

#[test]
fn outbox_retries_while_the_smtp_server_is_down() {
    let port = free_port();
    let app = TestApp::start_with(Options {
        mail_worker: true,
        customize: Box::new(move |s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))),
    });
    change_password(&app);
    wait_until(
        "a failed attempt is recorded",
        Duration::from_secs(20),
        || {
            app.count(
                "outbox WHERE status = 'pending' AND attempts >= 1 AND last_error IS NOT NULL",
            ) == 1
        },
    );
    // The server comes up: the next attempt delivers.
    let received = start_smtp(TcpListener::bind(("127.0.0.1", port)).unwrap());
    wait_until(
        "the retry delivered the message",
        Duration::from_secs(30),
        || !received.lock().unwrap().is_empty(),
    );
    wait_until("the outbox marks it sent", Duration::from_secs(10), || {
        app.count("outbox WHERE status = 'sent'") == 1
    });
    assert!(received.lock().unwrap()[0].contains("Your Liaison password was changed"));
}

#[test]
fn messages_fail_after_the_last_attempt_and_staff_can_retry_them() {
    let port = free_port();
    let app = TestApp::start_with(Options {
        mail_worker: true,
        customize: Box::new(move |s| {
            s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
            s.mail.max_attempts = 2;
            s.mail.retry_base = Duration::from_millis(50);
        }),
    });
    change_password(&app);
    wait_until(
        "the message is marked failed",
        Duration::from_secs(20),
        || app.count("outbox WHERE status = 'failed'") == 1,
    );
    let (staff, _) = app.signed_in("sam@example.com", true);
    let page = staff.get("/staff/mail?status=failed");
    assert!(page.body.contains("Failed"));
    assert!(page.body.contains("ada@example.com"));
    let id = outbox::list(&mut app.conn(), Some(outbox::FAILED), None, 10)
        .unwrap()
        .rows[0]
        .id
        .clone();
    let received = start_smtp(TcpListener::bind(("127.0.0.1", port)).unwrap());
    let res = staff.submit(
        "/staff/mail?status=failed",
        &format!("/staff/mail/{id}/retry"),
        &[],
    );
    assert_eq!(res.status, 303);
    wait_until(
        "the retried message is delivered",
        Duration::from_secs(20),
        || !received.lock().unwrap().is_empty(),
    );
    assert!(app.audit_actions().contains(&"mail.retried".to_string()));
    // Retrying a message that is not failed is refused clearly.
    let again = staff.submit("/staff/mail", &format!("/staff/mail/{id}/retry"), &[]);
    assert_eq!(again.status, 409);
    assert!(again.body.contains("only failed messages can be retried"));
}

#[test]
fn without_smtp_mail_lands_in_the_dev_mailbox() {
    let app = TestApp::start_with(Options {
        mail_worker: true,
        ..Default::default()
    });
    change_password(&app);
    wait_until(
        "the message is kept for the dev mailbox",
        Duration::from_secs(10),
        || app.count("outbox WHERE status = 'sent' AND transport = 'dev-mailbox'") == 1,
    );
    let client = app.client();
    let list = client.get("/dev/mailbox");
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Your Liaison password was changed"));
    let id = outbox::list(&mut app.conn(), None, None, 1).unwrap().rows[0]
        .id
        .clone();
    let message = client.get(&format!("/dev/mailbox/{id}"));
    assert!(
        message
            .body
            .contains(&format!("<a href=\"{}/profile\">", app.base)),
        "links are clickable"
    );
    assert_eq!(client.get("/dev/mailbox/no-such-id").status, 404);
}

#[test]
fn the_dev_mailbox_does_not_exist_when_smtp_is_configured() {
    let app = TestApp::start_with(Options {
        customize: Box::new(|s| s.smtp_url = Some("smtp://127.0.0.1:2525".into())),
        ..Default::default()
    });
    assert_eq!(app.client().get("/dev/mailbox").status, 404);
}

#[test]
fn two_workers_never_send_a_message_twice() {
    let app = TestApp::start();
    {
        let mut conn = app.conn();
        for i in 0..40 {
            let message = liaison::mail::templates::PasswordChanged {
                name: format!("User {i}"),
                profile_url: app.settings.link("/profile"),
                changed_at: "now".into(),
            };
            outbox::enqueue(&mut conn, &format!("user{i}@example.com"), &message).unwrap();
        }
    }
    let first =
        liaison::mail::worker::Worker::start(app.pool.clone(), app.settings.clone()).unwrap();
    let second =
        liaison::mail::worker::Worker::start(app.pool.clone(), app.settings.clone()).unwrap();
    wait_until("every message is sent", Duration::from_secs(30), || {
        app.count("outbox WHERE status = 'sent'") == 40
    });
    first.stop();
    second.stop();
    assert_eq!(
        app.count("outbox WHERE attempts = 1"),
        40,
        "each message was delivered exactly once"
    );
}
