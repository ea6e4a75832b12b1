//! Two portal instances on one database (SQLite here, PostgreSQL with TEST_DATABASE_URL), each
//! with its own pool and its own mail worker, as behind a load balancer: a session and a CSRF
//! token from one are honoured by the other, and the two workers deliver every message of the
//! shared outbox exactly once.
//!
//! The workers start once the outbox already holds a batch of messages (as when the instances
//! come back after an outage or a deploy), so both find the same due messages in their first
//! round: the hardest case for the claim. More messages follow while both run.

use crate::common::{Client, Options, PASSWORD, TestApp, start_smtp, wait_until};
use crate::customers::{level, tenant};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::time::Duration;

const MESSAGES: usize = 30;
/// Messages waiting in the outbox when the workers start.
const BACKLOG: usize = 20;

fn recipient(i: usize) -> String {
    format!("customer{i:02}@scale.example")
}

/// The value of a header in a raw message.
fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        l.split_once(':')
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    })
}

#[test]
fn two_instances_share_sessions_csrf_and_the_outbox() {
    let smtp = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = smtp.local_addr().unwrap().port();
    let received = start_smtp(smtp);
    let app = TestApp::start_with(Options {
        mail_worker: false,
        customize: Box::new(move |s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))),
    });
    let (b_base, _b_running) = app.second_instance();

    // Signed in on A; the same cookie on B.
    app.create_user("betty@msp.example", false);
    let msp = tenant(&app, "Acme MSP", true, "betty@msp.example");
    let a = app.client();
    let res = a.sign_in("betty@msp.example", PASSWORD);
    assert_eq!(res.status, 303, "{}", res.body);
    let cookie = res.session_cookie().expect("a session cookie");
    let b = Client::new(&b_base).with_header("Cookie", &cookie);
    let customers = format!("/accounts/{}/customers", msp.id);
    let on_b = b.get(&customers);
    assert_eq!(on_b.status, 200, "A's session is accepted on B");
    assert!(on_b.body.contains("Acme MSP"));

    // A token from a form on A: a wrong one is refused on B and changes nothing; A's is accepted.
    let token = a.csrf(&format!("{customers}/new"));
    let operator = level(&app, &msp.id, "Operator");
    let invite = |client: &Client, token: &str, i: usize| {
        client.post_form(
            &customers,
            &[
                ("csrf_token", token),
                ("email", &recipient(i)),
                ("access_level", &operator),
                ("message", ""),
            ],
        )
    };
    let before = (app.count("access_grants"), app.count("outbox"));
    let wrong = invite(&b, "not-the-token", 0);
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    assert_eq!((app.count("access_grants"), app.count("outbox")), before);
    let res = invite(&b, &token, 0);
    assert_eq!(res.status, 303, "A's token is accepted on B: {}", res.body);

    // A backlog of invitations, alternating between the instances; then both instances' workers
    // start together, and the rest of the invitations arrive while they run.
    let send = |range: std::ops::Range<usize>| {
        for i in range {
            let client = if i % 2 == 0 { &a } else { &b };
            let res = invite(client, &token, i);
            assert_eq!(res.status, 303, "invitation {i}: {}", res.body);
        }
    };
    send(1..BACKLOG);
    assert_eq!(app.count("outbox WHERE status = 'pending'"), BACKLOG as i64);
    let workers = app.start_mail_workers(2);
    send(BACKLOG..MESSAGES);
    assert_eq!(app.count("outbox"), MESSAGES as i64);
    wait_until(
        "every message is marked sent",
        Duration::from_secs(60),
        || app.count("outbox WHERE status = 'sent' AND transport = 'smtp'") == MESSAGES as i64,
    );
    // Stop both workers (each finishes its round) before counting what arrived: a message taken
    // twice would arrive after the first delivery was marked sent.
    for worker in workers {
        worker.stop();
    }

    let received = received.lock().unwrap().clone();
    let mut per_recipient: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_id: BTreeMap<String, usize> = BTreeMap::new();
    for message in &received {
        let to = header(message, "To").unwrap_or_default().to_string();
        *per_recipient.entry(to).or_default() += 1;
        let id = header(message, "Message-ID").expect("every message has a Message-ID");
        *per_id.entry(id.to_string()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = (0..MESSAGES).map(|i| (recipient(i), 1)).collect();
    assert_eq!(per_recipient, expected, "each recipient exactly once");
    assert_eq!(per_id.len(), MESSAGES, "{per_id:?}");
    assert!(per_id.values().all(|n| *n == 1), "{per_id:?}");
    assert_eq!(
        app.count("outbox WHERE status = 'sent' AND attempts = 1 AND locked_until IS NULL"),
        MESSAGES as i64,
        "each row sent once, on its first attempt"
    );
}
