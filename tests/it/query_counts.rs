//! No N+1: the SQL statements each benchmarked page runs, counted on the server's pool in a small
//! world and in a larger one. A count that grows with the data is a per-row query.
//!
//! The mail worker (and the access-period sweeper it runs) is off in `TestApp`, and the test
//! touches the database only between requests, so the difference of the pool's counter around a
//! request is that request's statements: the session's and the page's.

use crate::authz::emailed_token;
use crate::common::{Client, TestApp};
use crate::customers::{connected, invite, partner, post};
use crate::subaccounts::sub;
use liaison::services::audit::{self, Actor, Event, actions};
use liaison::services::links::{self, InvitationKey};
use liaison::services::tenants::Tenant;

/// An accidental per-row query shows up above this, whatever the world.
const CEILING: u64 = 25;

/// Accepting into a new account creates it: the tenant, its four built-in roles with one
/// multi-row INSERT of permissions each, the owner's membership, two audit events and the
/// inviter's email, around the session and the invitation's reads (31 statements measured).
/// Fixed by the built-in roles, not by the data.
const ACCEPT_CEILING: u64 = 35;

struct Size {
    connected: usize,
    declined: usize,
    pending: usize,
    depth: usize,
    /// Extra audit events filed under the partner, on top of those the set-up makes.
    events: usize,
    /// Sub-accounts of the account at the bottom of the chain (its overview lists them).
    children: usize,
    /// Accounts the invitee already owns.
    owned: usize,
}

const SMALL: Size = Size {
    connected: 1,
    declined: 1,
    pending: 1,
    depth: 3,
    events: 3,
    children: 1,
    owned: 1,
};

const LARGE: Size = Size {
    connected: 8,
    declined: 8,
    pending: 104,
    depth: 40,
    events: 300,
    children: 12,
    owned: 20,
};

/// The statements run while `request` runs.
fn counted<R>(app: &TestApp, request: impl FnOnce() -> R) -> (u64, R) {
    let before = app.queries.total();
    let result = request();
    (app.queries.total() - before, result)
}

/// A GET counted twice: the count must not change from one request to the next. A first,
/// uncounted request warms what a running server keeps between requests (a tenant's ancestry in
/// memory, the navigation link checked once a minute), so the counts are the steady state.
fn count_get(app: &TestApp, client: &Client, path: &str, what: &str) -> u64 {
    assert_eq!(client.get(path).status, 200, "{what}: {path} (warm-up)");
    let (first, res) = counted(app, || client.get(path));
    assert_eq!(res.status, 200, "{what}: {path}: {}", res.body);
    let (second, res) = counted(app, || client.get(path));
    assert_eq!(res.status, 200, "{what}: {path}");
    assert_eq!(first, second, "{what}: the same request counted twice");
    second
}

fn row_ids(body: &str) -> Vec<&str> {
    body.split("<tr id=\"link-")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect()
}

/// The href of the page's "Older" link, as a browser reads it.
fn older_link(body: &str) -> Option<String> {
    let end = body.find(">Older</a>")?;
    let start = body[..end].rfind("<a href=\"")? + "<a href=\"".len();
    let stop = start + body[start..].find('"')?;
    Some(
        body[start..stop]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

/// The customer list two "Older" links down; with fewer rows than a page, the cursor of the
/// first row, as such a link would carry it.
fn deep_page(client: &Client, base: &str) -> String {
    let mut url = base.to_string();
    for _ in 0..2 {
        match older_link(&client.get(&url).body) {
            Some(next) => url = next,
            None => break,
        }
    }
    if url == base {
        let first = client.get(base);
        url = format!("{base}?before={}", row_ids(&first.body)[0]);
    }
    url
}

fn decline(app: &TestApp, by: &liaison::services::users::User, msp: &Tenant, email: &str) {
    let user = app.create_user(email, false);
    invite(app, by, msp, email);
    let token = emailed_token(app, email);
    links::decline(
        &mut app.conn(),
        &app.settings,
        &user,
        InvitationKey::Token(&token),
        "not now",
    )
    .unwrap();
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Counts([u64; 7]);

/// The index of the invitation accept in [`PAGES`].
const ACCEPT: usize = 6;

const PAGES: [&str; 7] = [
    "static file (the floor)",
    "customers, first page",
    "customers, search by email prefix",
    "customers, deep page",
    "overview at the bottom of the chain",
    "partner activity",
    "invitation accept",
];

fn measure(size: &Size) -> Counts {
    let app = TestApp::start();
    let (client, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");

    // Customer links in several statuses; Betty enters each connected customer and leaves, so
    // the activity has events through grants.
    for i in 0..size.connected {
        let email = format!("admin{i:03}@connected.example");
        let (_, _, link) = connected(&app, &betty, &msp, &email, &format!("Connected {i:03}"));
        let login = format!("/accounts/{}/customers/{link}/login", msp.id);
        assert_eq!(post(&client, &login, &[]).status, 303);
        assert_eq!(post(&client, "/acting/leave", &[]).status, 303);
    }
    for i in 0..size.declined {
        decline(
            &app,
            &betty,
            &msp,
            &format!("cust-d{i:03}@customer.example"),
        );
    }
    for i in 0..size.pending {
        invite(
            &app,
            &betty,
            &msp,
            &format!("cust-p{i:03}@customer.example"),
        );
    }
    let actors: Vec<Actor> = (0..5)
        .map(|i| {
            let user = app.create_user(&format!("staff{i}@msp.example"), false);
            Actor {
                user_id: user.id,
                email: user.email,
            }
        })
        .collect();
    let kinds = [
        actions::PROFILE_UPDATED,
        actions::LINK_RESENT,
        actions::TENANT_CREATED,
    ];
    for i in 0..size.events {
        let event = Event::new(kinds[i % kinds.len()])
            .actor(Some(actors[i % actors.len()].clone()))
            .tenant(msp.id.clone())
            .subject(format!("event {i}"))
            .detail("filler");
        audit::record(&mut app.conn(), event).unwrap();
    }

    // A chain of sub-accounts under an account Betty owns; her role is at the top only.
    let mut bottom = crate::customers::tenant(&app, "Holding", false, "betty@msp.example");
    for level in 0..size.depth {
        bottom = sub(&app, &betty, &bottom, &format!("Level {level:02}"));
    }
    for i in 0..size.children {
        sub(&app, &betty, &bottom, &format!("Leaf {i:02}"));
    }

    // The invitee, signed in, with accounts of their own, and a pending invitation.
    let invitee_email = "newcomer@invitee.example";
    let (invitee, _) = app.signed_in(invitee_email, false);
    for i in 0..size.owned {
        crate::customers::tenant(&app, &format!("Own {i:02}"), false, invitee_email);
    }
    invite(&app, &betty, &msp, invitee_email);
    let token = emailed_token(&app, invitee_email);
    let invitation = format!("/invitations/{token}");
    let csrf = invitee.csrf(&invitation);

    let customers = format!("/accounts/{}/customers", msp.id);
    let deep = deep_page(&client, &customers);
    let listed = size.connected + size.declined + size.pending + 1;
    let first_page = client.get(&customers);
    assert_eq!(row_ids(&first_page.body).len(), listed.min(50));
    let deep_rows = row_ids(&client.get(&deep).body).len();
    assert!(deep_rows > 0, "the deep page {deep} lists accounts");
    let search = format!("{customers}?q=CUST-");
    assert_eq!(
        row_ids(&client.get(&search).body).len(),
        (size.declined + size.pending).min(50)
    );

    let mut counts = [0; 7];
    counts[0] = count_get(&app, &client, "/static/vendor/htmx/htmx.min.js", PAGES[0]);
    counts[1] = count_get(&app, &client, &customers, PAGES[1]);
    counts[2] = count_get(&app, &client, &search, PAGES[2]);
    counts[3] = count_get(&app, &client, &deep, PAGES[3]);
    let overview = format!("/accounts/{}", bottom.id);
    let leaves = client.get(&overview).body.matches(">Leaf ").count();
    assert_eq!(leaves, size.children, "the overview lists the sub-accounts");
    counts[4] = count_get(&app, &client, &overview, PAGES[4]);
    let activity = format!("/accounts/{}/activity", msp.id);
    counts[5] = count_get(&app, &client, &activity, PAGES[5]);
    let (accept, res) = counted(&app, || {
        invitee.post_form(
            &format!("{invitation}/accept"),
            &[
                ("csrf_token", &csrf),
                ("tenant", "new"),
                ("new_name", "Newcomer Inc"),
            ],
        )
    });
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body
            .contains("You have accepted the request from Acme MSP")
    );
    counts[6] = accept;
    Counts(counts)
}

#[test]
fn benchmarked_pages_run_a_bounded_number_of_queries() {
    let small = measure(&SMALL);
    let large = measure(&LARGE);
    let table: Vec<String> = PAGES
        .iter()
        .zip(small.0.iter().zip(large.0.iter()))
        .map(|(page, (s, l))| format!("{page}: small {s}, large {l}"))
        .collect();
    let table = table.join("\n  ");
    eprintln!("queries per request:\n  {table}");
    let mut problems = Vec::new();
    for (i, page) in PAGES.iter().enumerate() {
        let (s, l) = (small.0[i], large.0[i]);
        if s != l {
            problems.push(format!(
                "{page}: {s} queries in the small world, {l} in the large"
            ));
        }
        let ceiling = if i == ACCEPT { ACCEPT_CEILING } else { CEILING };
        if s.max(l) > ceiling {
            problems.push(format!("{page}: {} queries, above {ceiling}", s.max(l)));
        }
    }
    assert!(small.0[0] >= 1, "the floor loads the session: {table}");
    assert!(
        problems.is_empty(),
        "{}\nall counts:\n  {table}",
        problems.join("\n")
    );
}
