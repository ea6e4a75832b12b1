//! Access periods with the injected clock: reminders 7 days and 1 day before the end, sent once
//! even with two sweepers; the expiry; end dates in the invitation and on the pages, bad ones
//! refused; extensions confirmed from the emailed link, once.

use crate::common::{Client, TestApp};
use crate::customers::{level, partner, tenant};
use crate::invitations::{link, mails, post};
use diesel::prelude::*;
use liaison::api::timestamp;
use liaison::authz;
use liaison::db::schema::{access_grants, grant_extensions, outbox};
use liaison::services::grant_periods::{self, ExtensionKey, SweepReport};
use liaison::services::links::{self, AcceptInto, InvitationKey, Invite};
use liaison::services::tenants::Tenant;
use liaison::services::users::User;
use liaison::services::{ServiceError, now};
use std::sync::Barrier;

/// The last email of a template to an address: its text.
pub fn last_mail(app: &TestApp, to: &str, template: &str) -> String {
    outbox::table
        .filter(outbox::to_address.eq(to))
        .filter(outbox::template.eq(template))
        .order(outbox::id.desc())
        .select(outbox::body_text)
        .first(&mut app.conn())
        .unwrap()
}

/// The token of the last link to `path` emailed to an address.
pub fn emailed(app: &TestApp, to: &str, template: &str, path: &str) -> String {
    let body = last_mail(app, to, template);
    let start = body.find(path).expect("the email has the link") + path.len();
    body[start..].split_whitespace().next().unwrap().to_string()
}

pub struct Linked {
    pub betty_client: Client,
    pub betty: User,
    pub msp: Tenant,
    pub bruce: User,
    pub wayne: Tenant,
    pub link: String,
}

/// Betty's MSP connected to Wayne Enterprises at the Operator level, ending at `ends_at`.
pub fn linked(app: &TestApp, ends_at: &str) -> Linked {
    let (betty_client, betty, msp) = partner(app, "Betty MSP", "betty@msp.example");
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(app, "Wayne Enterprises", false, "bruce@wayne.example");
    let operator = level(app, &msp.id, "Operator");
    let input = Invite {
        email: "bruce@wayne.example",
        access_level: &operator,
        message: "",
    };
    let row = links::invite_until(
        &mut app.conn(),
        &app.settings,
        &betty,
        &msp.id,
        input,
        ends_at,
    )
    .unwrap();
    let token = emailed(
        app,
        "bruce@wayne.example",
        "partner_invitation",
        "/invitations/",
    );
    links::accept(
        &mut app.conn(),
        &app.settings,
        &bruce,
        InvitationKey::Token(&token),
        AcceptInto::Existing(&wayne.id),
    )
    .unwrap();
    Linked {
        betty_client,
        betty,
        msp,
        bruce,
        wayne,
        link: row.link.id,
    }
}

/// A time as the API and the forms give it: whole seconds.
pub fn seconds(t: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::Timelike;
    t.with_nanosecond(0).unwrap()
}

fn sweep(app: &TestApp, at: chrono::NaiveDateTime) -> SweepReport {
    grant_periods::sweep(&mut app.conn(), &app.settings, at).unwrap()
}

fn both(app: &TestApp, template: &str) -> (i64, i64) {
    (
        mails(app, "betty@msp.example", template),
        mails(app, "bruce@wayne.example", template),
    )
}

#[test]
fn reminders_go_once_each_and_the_link_expires_by_itself() {
    let app = TestApp::start();
    let start = seconds(now());
    let ends = start + chrono::Duration::days(10);
    let l = linked(&app, &timestamp(&ends));
    assert_eq!(link(&app, &l.link).access_ends_at, Some(ends));
    let page = format!("/accounts/{}/customers", l.msp.id);
    assert!(
        l.betty_client
            .get(&page)
            .body
            .contains(&liaison::domain::when(&ends))
    );
    // Betty enters the customer tenant while the link lasts.
    let login = format!("{page}/{}/login", l.link);
    assert_eq!(post(&l.betty_client, &page, &login, &[]).status, 303);
    let inside = format!("/accounts/{}", l.wayne.id);
    assert_eq!(l.betty_client.get(&inside).status, 200);

    // Eight days left: nothing is due.
    assert_eq!(
        sweep(&app, start + chrono::Duration::days(2)),
        SweepReport::default()
    );
    assert_eq!(both(&app, "access_ending"), (0, 0));

    // Seven days left minus an hour: two sweepers at once send the reminder once to each side.
    let at = start + chrono::Duration::days(3) + chrono::Duration::hours(1);
    let pool = liaison::db::pool(&app.settings.database, 2).unwrap();
    let barrier = Barrier::new(2);
    let reports: Vec<SweepReport> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = pool.get().unwrap();
                    barrier.wait();
                    grant_periods::sweep(&mut conn, &app.settings, at).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(reports.iter().map(|r| r.reminders_7d).sum::<usize>(), 1);
    assert_eq!(both(&app, "access_ending"), (1, 1));
    assert!(last_mail(&app, "bruce@wayne.example", "access_ending").contains("ends in 7 days"));
    assert_eq!(
        sweep(&app, at + chrono::Duration::hours(1)),
        SweepReport::default()
    );

    // One day left minus an hour: the 1-day reminder, once.
    let at = start + chrono::Duration::days(9) + chrono::Duration::hours(1);
    assert_eq!(sweep(&app, at).reminders_1d, 1);
    assert_eq!(sweep(&app, at).reminders_1d, 0);
    assert_eq!(both(&app, "access_ending"), (2, 2));
    assert!(last_mail(&app, "betty@msp.example", "access_ending").contains("ends in 1 day"));
    assert_eq!(link(&app, &l.link).status, "connected");

    // After the end: Expired, audited, both sides told, once.
    let at = ends + chrono::Duration::minutes(1);
    let reports: Vec<SweepReport> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = pool.get().unwrap();
                    barrier.wait();
                    grant_periods::sweep(&mut conn, &app.settings, at).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(reports.iter().map(|r| r.expired).sum::<usize>(), 1);
    let expired = link(&app, &l.link);
    assert_eq!(expired.status, "expired");
    assert_eq!(expired.ended_at, Some(at));
    assert_eq!(both(&app, "access_expired"), (1, 1));
    let actions = app.audit_actions();
    assert_eq!(actions.iter().filter(|a| *a == "link.expired").count(), 1);
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "link.reminder_sent")
            .count(),
        2
    );
    // The partner has no way in any more: the next request inside is refused.
    assert!(
        authz::access(&mut app.conn(), &l.betty.id, &l.wayne.id)
            .unwrap()
            .is_empty()
    );
    assert_eq!(l.betty_client.get(&inside).status, 404);
    let list = l.betty_client.get(&page);
    assert!(list.body.contains("Expired"), "{}", list.body);
    // Nothing more to do.
    assert_eq!(
        sweep(&app, at + chrono::Duration::days(1)),
        SweepReport::default()
    );
}

#[test]
fn the_end_date_is_in_the_invitation_and_bad_ones_store_nothing() {
    let app = TestApp::start();
    let (client, betty, msp) = partner(&app, "Betty MSP", "betty@msp.example");
    let operator = level(&app, &msp.id, "Operator");
    let today = now().date();
    let day = |n: i64| {
        (today + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let stored = || app.count("access_grants");
    let before = (stored(), app.count("outbox"));
    let too_late = day(800);
    let past = day(-1);
    let soon = timestamp(&(now() + chrono::Duration::hours(20)));
    for (bad, says) in [
        (past.as_str(), "at least 1 day"),
        (soon.as_str(), "at least 1 day"),
        (too_late.as_str(), "at most 2 years"),
        ("next week", "YYYY-MM-DD"),
        ("2027-02-30", "YYYY-MM-DD"),
    ] {
        let input = Invite {
            email: "bruce@wayne.example",
            access_level: &operator,
            message: "",
        };
        let e = links::invite_until(&mut app.conn(), &app.settings, &betty, &msp.id, input, bad)
            .unwrap_err();
        let ServiceError::Invalid(errors) = e else {
            panic!("{bad}: {e:?}")
        };
        assert_eq!(errors[0].field, "ends_at");
        assert!(
            errors[0].message.contains(says),
            "{bad}: {}",
            errors[0].message
        );
        // The page says the same next to the field.
        let new = format!("/accounts/{}/customers/new", msp.id);
        let fields = [
            ("email", "bruce@wayne.example"),
            ("access_level", operator.as_str()),
            ("ends_at", bad),
        ];
        let res = post(
            &client,
            &new,
            &format!("/accounts/{}/customers", msp.id),
            &fields,
        );
        assert_eq!(res.status, 422, "{bad}");
        assert!(res.body.contains(says), "{bad}");
    }
    assert_eq!((stored(), app.count("outbox")), before);

    // A good date: in the email, on the invitation page and in Account Management.
    let ends = day(30);
    let fields = [
        ("email", "bruce@wayne.example"),
        ("access_level", operator.as_str()),
        ("ends_at", ends.as_str()),
    ];
    let list = format!("/accounts/{}/customers", msp.id);
    let res = post(&client, &format!("{list}/new"), &list, &fields);
    assert_eq!(res.status, 303, "{}", res.body);
    let shown = format!("{ends} 00:00 UTC");
    let mail = last_mail(&app, "bruce@wayne.example", "partner_invitation");
    assert!(
        mail.contains(&format!("ends by itself on {shown}")),
        "{mail}"
    );
    assert!(client.get(&list).body.contains(&shown));
    let token = emailed(
        &app,
        "bruce@wayne.example",
        "partner_invitation",
        "/invitations/",
    );
    let page = app.client().get(&format!("/invitations/{token}"));
    assert!(page.body.contains(&shown), "{}", page.body);
}

#[test]
fn an_extension_is_confirmed_once_from_the_emailed_link() {
    let app = TestApp::start();
    let ends = seconds(now()) + chrono::Duration::days(5);
    let l = linked(&app, &timestamp(&ends));
    // Not later than the current end, or no date: refused.
    for bad in ["", &timestamp(&(ends - chrono::Duration::days(1)))] {
        let e = grant_periods::request_extension(
            &mut app.conn(),
            &app.settings,
            &l.betty,
            &l.msp.id,
            &l.link,
            bad,
        );
        assert!(matches!(e, Err(ServiceError::Invalid(_))), "{bad}");
    }
    // Another partner cannot ask.
    let (_, other, otherco) = partner(&app, "Other MSP", "olga@other.example");
    let later = timestamp(&(ends + chrono::Duration::days(60)));
    let e = grant_periods::request_extension(
        &mut app.conn(),
        &app.settings,
        &other,
        &otherco.id,
        &l.link,
        &later,
    );
    assert!(matches!(e, Err(ServiceError::NotFound)));

    let ext = grant_periods::request_extension(
        &mut app.conn(),
        &app.settings,
        &l.betty,
        &l.msp.id,
        &l.link,
        &later,
    )
    .unwrap();
    assert_eq!(mails(&app, "bruce@wayne.example", "extension_requested"), 1);
    let token = emailed(
        &app,
        "bruce@wayne.example",
        "extension_requested",
        "/extensions/",
    );
    let hash: String = grant_extensions::table
        .find(&ext.id)
        .select(grant_extensions::token_hash)
        .first(&mut app.conn())
        .unwrap();
    assert_ne!(hash, token, "only the hash is stored");
    assert_eq!(
        link(&app, &l.link).access_ends_at,
        Some(ends),
        "nothing changes yet"
    );

    // The emailed link shows the request; confirming needs the customer's admin.
    let (bruce_client, _) = (app.client(), ());
    assert_eq!(
        bruce_client
            .sign_in("bruce@wayne.example", crate::common::PASSWORD)
            .status,
        303
    );
    let url = format!("/extensions/{token}");
    let page = bruce_client.get(&url);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Betty MSP"));
    let e =
        grant_periods::confirm_extension(&mut app.conn(), &l.betty, ExtensionKey::Token(&token));
    assert!(e.is_err(), "the partner cannot confirm its own request");
    let res = post(&bruce_client, &url, &url, &[]);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("extended"), "{}", res.body);
    let extended = link(&app, &l.link);
    let wanted = chrono::DateTime::parse_from_rfc3339(&later)
        .unwrap()
        .naive_utc();
    assert_eq!(extended.access_ends_at, Some(wanted));
    assert!(app.audit_actions().contains(&"link.extended".to_string()));

    // The link is spent.
    let again =
        grant_periods::confirm_extension(&mut app.conn(), &l.bruce, ExtensionKey::Token(&token));
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
    assert_eq!(post(&bruce_client, &url, &url, &[]).status, 409);

    // An expired extension link is refused too.
    let further = timestamp(&(wanted + chrono::Duration::days(30)));
    let ext = grant_periods::request_extension(
        &mut app.conn(),
        &app.settings,
        &l.betty,
        &l.msp.id,
        &l.link,
        &further,
    )
    .unwrap();
    let token = emailed(
        &app,
        "bruce@wayne.example",
        "extension_requested",
        "/extensions/",
    );
    diesel::update(grant_extensions::table.find(&ext.id))
        .set(grant_extensions::expires_at.eq(now() - chrono::Duration::minutes(1)))
        .execute(&mut app.conn())
        .unwrap();
    let e =
        grant_periods::confirm_extension(&mut app.conn(), &l.bruce, ExtensionKey::Token(&token));
    assert!(matches!(e, Err(ServiceError::Conflict(m)) if m.contains("expired")));
    assert_eq!(link(&app, &l.link).access_ends_at, Some(wanted));
    let ends_now: Option<chrono::NaiveDateTime> = access_grants::table
        .find(&l.link)
        .select(access_grants::access_ends_at)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(ends_now, Some(wanted));
}
