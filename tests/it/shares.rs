//! Account sharing: what a share gives the target's members (their own role within the limiting
//! role, never chained), changes taking effect at once, who may share, bad input, and other
//! tenants' ids.

mod refusals;

use crate::common::{Client, TestApp};
use crate::customers::{level, member};
use crate::subaccounts::{owner, sub};
use diesel::prelude::*;
use liaison::authz;
use liaison::db::schema::access_grants;
use liaison::domain::permission::Permission;
use liaison::services::shares::{self, NewShare};
use liaison::services::tenants::{self, Tenant};
use liaison::services::users::User;
use std::collections::BTreeSet;

/// A managing tenant with the multi-tenancy entitlement, given by staff.
pub fn entitled(app: &TestApp, tenant: &Tenant) {
    let staff = app
        .user("staff@liaison.example")
        .unwrap_or_else(|| app.create_user("staff@liaison.example", true));
    tenants::set_multi_tenancy(&mut app.conn(), &staff, &tenant.id, true).unwrap();
}

/// HQ (owned by Mia, entitled) with a sub-account, and Target Co (owned by Tom).
pub struct World {
    pub mia: (Client, User),
    pub hq: Tenant,
    pub branch: Tenant,
    pub tom: (Client, User),
    pub target: Tenant,
}

pub fn world(app: &TestApp) -> World {
    let (mia_client, mia, hq) = owner(app, "HQ", "mia@hq.example");
    entitled(app, &hq);
    let branch = sub(app, &mia, &hq, "HQ Branch");
    let (tom_client, tom, target) = owner(app, "Target Co", "tom@target.example");
    World {
        mia: (mia_client, mia),
        hq,
        branch,
        tom: (tom_client, tom),
        target,
    }
}

pub fn share(
    app: &TestApp,
    by: &User,
    managing: &Tenant,
    account: &Tenant,
    target: &Tenant,
    role: &str,
) -> String {
    let input = NewShare {
        account_id: account.id.clone(),
        target_tenant_id: target.id.clone(),
        limiting_role_id: level(app, &managing.id, role),
        ends_at: String::new(),
    };
    shares::create(&mut app.conn(), by, &managing.id, &input)
        .unwrap()
        .id
}

pub fn permissions(app: &TestApp, user: &User, tenant: &Tenant) -> BTreeSet<&'static str> {
    authz::access(&mut app.conn(), &user.id, &tenant.id)
        .unwrap()
        .permissions()
        .into_iter()
        .map(Permission::as_str)
        .collect()
}

fn names(role: liaison::domain::role::BuiltinRole) -> BTreeSet<&'static str> {
    role.permissions()
        .into_iter()
        .map(Permission::as_str)
        .collect()
}

/// Status and limiting role of every grant: what a refusal must leave unchanged.
pub fn grants(app: &TestApp) -> Vec<(String, String, String)> {
    access_grants::table
        .order(access_grants::id)
        .select((
            access_grants::id,
            access_grants::status,
            access_grants::limiting_role_id,
        ))
        .load(&mut app.conn())
        .unwrap()
}

#[test]
fn a_share_gives_the_targets_own_role_within_the_limiting_role_and_never_chains() {
    use liaison::domain::role::BuiltinRole::*;
    let app = TestApp::start();
    let w = world(&app);
    let (olga_client, olga) = member(&app, &w.target, "Read-only", "olga@target.example");
    assert!(permissions(&app, &w.tom.1, &w.hq).is_empty());
    share(&app, &w.mia.1, &w.hq, &w.hq, &w.target, "Operator");
    // The owner of the target gets Operator (all of which an owner holds), nothing more.
    assert_eq!(permissions(&app, &w.tom.1, &w.hq), names(Operator));
    // A Read-only member gets Read-only ∩ Operator: never more than their own role.
    let olga_perms = permissions(&app, &olga, &w.hq);
    let expected: BTreeSet<_> = names(ReadOnly)
        .intersection(&names(Operator))
        .copied()
        .collect();
    assert_eq!(olga_perms, expected);
    assert!(!olga_perms.contains("datasources.use"));
    // A share of HQ does not reach its sub-account, nor does it flow up.
    assert!(permissions(&app, &w.tom.1, &w.branch).is_empty());

    // Target Co shares itself further with Third Co: Third's owner reaches Target Co, never HQ.
    entitled(&app, &w.target);
    let (third_client, third_owner, third) = owner(&app, "Third Co", "tess@third.example");
    share(
        &app,
        &w.tom.1,
        &w.target,
        &w.target,
        &third,
        "Administrator",
    );
    assert!(!permissions(&app, &third_owner, &w.target).is_empty());
    assert!(permissions(&app, &third_owner, &w.hq).is_empty());
    assert_eq!(
        third_client.get(&format!("/accounts/{}", w.hq.id)).status,
        404
    );

    // The target's members find HQ on their dashboard and see why they may enter.
    let dashboard = olga_client.get("/");
    assert!(
        dashboard.body.contains("Shared with you"),
        "{}",
        dashboard.body
    );
    assert!(
        dashboard
            .body
            .contains(&format!("href=\"/accounts/{}\"", w.hq.id))
    );
    let why = w.tom.0.get(&format!("/accounts/{}/access", w.hq.id));
    assert_eq!(why.status, 200);
    assert!(
        why.body
            .contains("Account owner in Target Co → account share to HQ, limited to Operator"),
        "{}",
        why.body
    );
    // The target's side lists the share and what Operator allows.
    let ours = w
        .tom
        .0
        .get(&format!("/accounts/{}/shared-with-us", w.target.id));
    assert_eq!(ours.status, 200);
    assert!(ours.body.contains("HQ") && ours.body.contains("Operator"));
    assert!(ours.body.contains(Permission::DatasourcesUse.description()));
    // The target's overview shows its tenant ID (selectable text, with a copy button for
    // JavaScript) and links both sides of sharing.
    let overview = w.tom.0.get(&format!("/accounts/{}", w.target.id));
    assert!(
        overview
            .body
            .contains(&format!("<code id=\"tenant-id\">{}</code>", w.target.id))
    );
    assert!(
        overview
            .body
            .contains("data-copy-target=\"tenant-id\" hidden>Copy</button>")
    );
    assert!(
        overview
            .body
            .contains(&format!("href=\"/accounts/{}/shares\"", w.target.id))
    );
    assert!(overview.body.contains(&format!(
        "href=\"/accounts/{}/shared-with-us\"",
        w.target.id
    )));
    // Someone without a membership in the target sees no Shared with you.
    assert!(!w.mia.0.get("/").body.contains("Shared with you"));
}

#[test]
fn revoking_and_lowering_the_limiting_role_take_effect_on_the_next_request() {
    let app = TestApp::start();
    let w = world(&app);
    let id = share(&app, &w.mia.1, &w.hq, &w.hq, &w.target, "Administrator");
    let page = format!("/accounts/{}/shares", w.hq.id);
    let tom = &w.tom.0;
    let activity = format!("/accounts/{}/activity", w.hq.id);
    assert_eq!(tom.get(&activity).status, 200);
    // Mia lowers the share to a custom role that only lets one see the account.
    let viewer = liaison::services::roles::create(
        &mut app.conn(),
        &w.mia.1,
        &w.hq.id,
        &liaison::services::roles::NewRole {
            name: "Viewer".into(),
            description: "Sees the account".into(),
            permissions: vec!["tenant.view".into()],
            applies_to: "this_and_sub".into(),
        },
    )
    .unwrap();
    let res = w.mia.0.submit(
        &page,
        &format!("{page}/{id}/role"),
        &[("limiting_role_id", viewer.id.as_str())],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(tom.get(&activity).status, 403);
    assert_eq!(tom.get(&format!("/accounts/{}", w.hq.id)).status, 200);
    let listed = w.mia.0.get(&page);
    assert!(listed.body.contains("Viewer") && listed.body.contains("Target Co"));
    assert!(listed.body.contains("mia@hq.example"), "created by");
    // Revoke, behind a confirmation page.
    let confirm = w.mia.0.get(&format!("{page}/{id}/revoke"));
    assert_eq!(confirm.status, 200);
    assert!(
        confirm
            .body
            .contains("Revoke the share of HQ with Target Co?")
    );
    let res = w.mia.0.submit(&page, &format!("{page}/{id}/revoke"), &[]);
    assert_eq!(res.status, 303);
    assert_eq!(tom.get(&format!("/accounts/{}", w.hq.id)).status, 404);
    assert!(!tom.get("/").body.contains("Shared with you"));
    // Revoking again says so and changes nothing.
    let again = w.mia.0.submit(&page, &format!("{page}/{id}/revoke"), &[]);
    assert_eq!(again.status, 303);
    let actions = app.audit_actions();
    for a in ["share.created", "share.changed", "share.revoked"] {
        assert_eq!(actions.iter().filter(|x| *x == a).count(), 1, "{a}");
    }
}

#[test]
fn an_end_date_in_the_past_ends_the_share_before_any_sweeper() {
    let app = TestApp::start();
    let w = world(&app);
    let id = share(&app, &w.mia.1, &w.hq, &w.branch, &w.target, "Operator");
    assert!(!permissions(&app, &w.tom.1, &w.branch).is_empty());
    diesel::update(access_grants::table.find(&id))
        .set(
            access_grants::access_ends_at.eq(liaison::services::now() - chrono::Duration::hours(1)),
        )
        .execute(&mut app.conn())
        .unwrap();
    assert!(permissions(&app, &w.tom.1, &w.branch).is_empty());
    assert!(!w.tom.0.get("/").body.contains("Shared with you"));
    // An ended share does not block sharing again.
    share(&app, &w.mia.1, &w.hq, &w.branch, &w.target, "Read-only");
    assert!(permissions(&app, &w.tom.1, &w.branch).contains("tenant.view"));
}

#[test]
fn a_share_with_an_end_date_reminds_both_sides_then_expires() {
    use liaison::services::grant_periods::sweep;
    let app = TestApp::start();
    let w = world(&app);
    let ends = (liaison::services::now() + chrono::Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    let input = NewShare {
        account_id: w.branch.id.clone(),
        target_tenant_id: w.target.id.clone(),
        limiting_role_id: level(&app, &w.hq.id, "Operator"),
        ends_at: ends,
    };
    let id = shares::create(&mut app.conn(), &w.mia.1, &w.hq.id, &input)
        .unwrap()
        .id;
    let start = liaison::services::now();
    let mail_to = |app: &TestApp| -> Vec<String> {
        use liaison::db::schema::outbox;
        outbox::table
            .filter(outbox::template.eq_any(["access_ending", "access_expired"]))
            .order(outbox::id.asc())
            .select(outbox::to_address)
            .load(&mut app.conn())
            .unwrap()
    };
    // The injected clock: 14 days on, the 7-day reminder reaches the sharer and the target's owner.
    let report = sweep(
        &mut app.conn(),
        &app.settings,
        start + chrono::Duration::days(14),
    )
    .unwrap();
    assert_eq!(report.reminders_7d, 1);
    assert_eq!(mail_to(&app), vec!["mia@hq.example", "tom@target.example"]);
    let report = sweep(
        &mut app.conn(),
        &app.settings,
        start + chrono::Duration::days(14),
    )
    .unwrap();
    assert_eq!(report.reminders_7d, 0, "once only");
    // After the end the share is Expired, and both sides are told.
    let report = sweep(
        &mut app.conn(),
        &app.settings,
        start + chrono::Duration::days(21),
    )
    .unwrap();
    assert_eq!(report.expired, 1);
    let status: String = access_grants::table
        .find(&id)
        .select(access_grants::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "expired");
    assert!(mail_to(&app).iter().all(|to| !to.is_empty()));
    assert_eq!(mail_to(&app).len(), 4);
}

#[test]
fn the_target_asks_for_more_time_and_the_sharer_confirms_from_the_email() {
    let app = TestApp::start();
    let w = world(&app);
    let day = |n: i64| {
        (liaison::services::now() + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let input = NewShare {
        account_id: w.branch.id.clone(),
        target_tenant_id: w.target.id.clone(),
        limiting_role_id: level(&app, &w.hq.id, "Operator"),
        ends_at: day(20),
    };
    let id = shares::create(&mut app.conn(), &w.mia.1, &w.hq.id, &input)
        .unwrap()
        .id;
    let page = format!("/accounts/{}/shared-with-us", w.target.id);
    let action = format!("{page}/{id}/extension");
    // Not after the current end: refused, nothing asked.
    let early = w.tom.0.submit(&page, &action, &[("ends_at", &day(10))]);
    assert_eq!(early.status, 303);
    assert!(
        w.tom
            .0
            .get(&page)
            .body
            .contains("Choose a date after the current end date")
    );
    assert_eq!(app.count("grant_extensions"), 0);
    let asked = w.tom.0.submit(&page, &action, &[("ends_at", &day(40))]);
    assert_eq!(asked.status, 303);
    assert!(
        w.tom
            .0
            .get(&page)
            .body
            .contains("The account&#39;s managers were emailed")
    );
    // The sharer receives the link and confirms it.
    let body: String = {
        use liaison::db::schema::outbox;
        outbox::table
            .filter(outbox::to_address.eq("mia@hq.example"))
            .filter(outbox::template.eq("extension_requested"))
            .select(outbox::body_text)
            .first(&mut app.conn())
            .unwrap()
    };
    let start = body.find("/extensions/").unwrap();
    let link = body[start..].split_whitespace().next().unwrap().to_string();
    let confirmed = w.mia.0.submit(&link, &link, &[]);
    assert!(
        confirmed.status == 200 || confirmed.status == 303,
        "{}",
        confirmed.body
    );
    let ends: Option<chrono::NaiveDateTime> = access_grants::table
        .find(&id)
        .select(access_grants::access_ends_at)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(ends.unwrap().format("%Y-%m-%d").to_string(), day(40));
}

#[test]
fn two_shares_of_the_same_account_with_the_same_target_at_once_store_one() {
    let app = TestApp::start();
    let w = world(&app);
    let input = NewShare {
        account_id: w.hq.id.clone(),
        target_tenant_id: w.target.id.clone(),
        limiting_role_id: level(&app, &w.hq.id, "Operator"),
        ends_at: String::new(),
    };
    let barrier = std::sync::Barrier::new(2);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = app.conn();
                    barrier.wait();
                    shares::create(&mut conn, &w.mia.1, &w.hq.id, &input)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    let refused = results.into_iter().find_map(Result::err).unwrap();
    match refused {
        liaison::services::ServiceError::Invalid(errors) => {
            assert!(errors[0].message.contains("already shared"), "{errors:?}");
        }
        other => panic!("expected a clear refusal, got {other:?}"),
    }
    assert_eq!(grants(&app).len(), 1);
}
