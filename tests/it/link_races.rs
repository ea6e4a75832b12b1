//! Races on partner links, settled by the database: one connected partner per customer tenant,
//! and one accept per token.

use crate::authz::emailed_token;
use crate::common::TestApp;
use liaison::services::ServiceError;
use liaison::services::links::{self, ALREADY_LINKED, AcceptInto, InvitationKey, Invite};
use liaison::services::tenants::{self, NewTenant};
use std::sync::Barrier;

const RACERS: usize = 20;

fn partner(app: &TestApp, i: usize) -> (liaison::services::users::User, String) {
    let email = format!("admin{i}@partner{i}.example");
    let user = app.create_user(&email, false);
    let tenant = tenants::create(
        &mut app.conn(),
        NewTenant {
            name: &format!("Partner {i}"),
            is_partner: true,
            parent_id: None,
            owner_email: &email,
        },
        None,
    )
    .unwrap();
    (user, tenant.id)
}

fn invite(app: &TestApp, user: &liaison::services::users::User, partner_id: &str, email: &str) {
    let level = links::access_levels(&mut app.conn(), partner_id).unwrap()[1]
        .role_id
        .clone();
    links::invite(
        &mut app.conn(),
        &app.settings,
        user,
        partner_id,
        Invite {
            email,
            access_level: &level,
            message: "",
        },
    )
    .unwrap();
}

fn connected_links(app: &TestApp) -> i64 {
    app.count("access_grants WHERE status = 'connected'")
}

#[test]
fn one_customer_accepting_twenty_partners_at_once_connects_exactly_one() {
    let app = TestApp::start();
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenants::create(
        &mut app.conn(),
        NewTenant {
            name: "Wayne Enterprises",
            is_partner: false,
            parent_id: None,
            owner_email: "bruce@wayne.example",
        },
        None,
    )
    .unwrap();
    let mut tokens = Vec::new();
    for i in 0..RACERS {
        let (user, partner_id) = partner(&app, i);
        invite(&app, &user, &partner_id, "bruce@wayne.example");
        tokens.push(emailed_token(&app, "bruce@wayne.example"));
    }
    let pool = liaison::db::pool(&app.settings.database, RACERS as u32).unwrap();
    let barrier = Barrier::new(RACERS);
    let results: Vec<Result<links::Accepted, ServiceError>> = std::thread::scope(|s| {
        let handles: Vec<_> = tokens
            .iter()
            .map(|token| {
                let (pool, barrier, bruce, wayne, settings) =
                    (&pool, &barrier, &bruce, &wayne, &app.settings);
                s.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    barrier.wait();
                    links::accept(
                        &mut conn,
                        settings,
                        bruce,
                        InvitationKey::Token(token),
                        AcceptInto::Existing(&wayne.id),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for err in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(err, ServiceError::Conflict(m) if m == ALREADY_LINKED),
            "every other accept gets the message: {err:?}"
        );
    }
    assert_eq!(connected_links(&app), 1);
    assert_eq!(
        app.count("access_grants WHERE status = 'pending'"),
        RACERS as i64 - 1
    );
}

#[test]
fn twenty_parallel_accepts_of_one_token_succeed_once() {
    let app = TestApp::start();
    let (betty, msp) = partner(&app, 0);
    let bruce = app.create_user("bruce@wayne.example", false);
    invite(&app, &betty, &msp, "bruce@wayne.example");
    let token = emailed_token(&app, "bruce@wayne.example");
    let pool = liaison::db::pool(&app.settings.database, RACERS as u32).unwrap();
    let barrier = Barrier::new(RACERS);
    let results: Vec<Result<links::Accepted, ServiceError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..RACERS)
            .map(|i| {
                let (pool, barrier, bruce, token, settings) =
                    (&pool, &barrier, &bruce, &token, &app.settings);
                s.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    let name = format!("Wayne {i}");
                    barrier.wait();
                    links::accept(
                        &mut conn,
                        settings,
                        bruce,
                        InvitationKey::Token(token),
                        AcceptInto::New(&name),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for err in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(err, ServiceError::Conflict(m) if m.contains("already")),
            "the others are told it was answered: {err:?}"
        );
    }
    assert_eq!(connected_links(&app), 1);
    // The losing accepts created no tenant: each ran in a transaction that rolled back.
    assert_eq!(app.count("tenants WHERE name LIKE 'Wayne %'"), 1);
}

/// Bruce, signed in over HTTP, and the Wayne Enterprises tenant he owns.
fn bruce_signed_in(app: &TestApp) -> (crate::common::Client, String) {
    let (client, _) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenants::create(
        &mut app.conn(),
        NewTenant {
            name: "Wayne Enterprises",
            is_partner: false,
            parent_id: None,
            owner_email: "bruce@wayne.example",
        },
        None,
    )
    .unwrap();
    (client, wayne.id)
}

/// Posts the same kind of accept `RACERS` times at once; answers the statuses and bodies.
fn accept_all_at_once(
    client: &crate::common::Client,
    tokens: &[String],
    tenant: &str,
) -> Vec<(u16, String)> {
    // Each form is loaded first, as a browser would, so only the POSTs race.
    let forms: Vec<(String, String)> = tokens
        .iter()
        .map(|t| {
            (
                format!("/invitations/{t}/accept"),
                client.csrf(&format!("/invitations/{t}")),
            )
        })
        .collect();
    let barrier = Barrier::new(forms.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = forms
            .iter()
            .map(|(action, csrf)| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let res = client.post_form(action, &[("csrf_token", csrf), ("tenant", tenant)]);
                    (res.status, res.body)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn over_http_twenty_partners_racing_for_one_customer_connect_one_and_never_fail() {
    let app = TestApp::start();
    let (client, wayne) = bruce_signed_in(&app);
    let mut tokens = Vec::new();
    for i in 0..RACERS {
        let (user, partner_id) = partner(&app, i);
        invite(&app, &user, &partner_id, "bruce@wayne.example");
        tokens.push(emailed_token(&app, "bruce@wayne.example"));
    }
    let answers = accept_all_at_once(&client, &tokens, &wayne);
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(!statuses.contains(&500), "no internal errors: {statuses:?}");
    for (status, body) in answers.iter().filter(|a| a.0 != 200) {
        assert_eq!(*status, 409);
        assert!(body.contains(ALREADY_LINKED), "{body}");
    }
    assert_eq!(connected_links(&app), 1);
}

#[test]
fn over_http_twenty_accepts_of_one_token_succeed_once() {
    let app = TestApp::start();
    let (client, wayne) = bruce_signed_in(&app);
    let (betty, msp) = partner(&app, 0);
    invite(&app, &betty, &msp, "bruce@wayne.example");
    let token = emailed_token(&app, "bruce@wayne.example");
    let answers = accept_all_at_once(&client, &vec![token; RACERS], &wayne);
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(connected_links(&app), 1);
    assert_eq!(app.count("audit_events WHERE action = 'link.accepted'"), 1);
}
