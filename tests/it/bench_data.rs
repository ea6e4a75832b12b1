//! The benchmark data set (`liaison demo --scale`), generated at a tiny size into the test app's
//! database and used through the real pages.

use crate::common::{TestApp, csrf_in};
use diesel::prelude::*;
use liaison::db::schema::access_grants;
use liaison::demo::DEMO_PASSWORD;
use liaison::demo::scale::{self, Manifest, Scale, link_status};
use liaison::domain::link::LinkStatus;
use liaison::domain::token;

fn generate(app: &TestApp) -> (Manifest, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let manifest = scale::generate(
        &mut app.conn(),
        &app.settings,
        &Scale::tiny(),
        dir.path(),
        true,
    )
    .unwrap();
    (manifest, dir)
}

fn status_count(app: &TestApp, partner: &str, status: LinkStatus) -> i64 {
    access_grants::table
        .filter(access_grants::grantee_tenant_id.eq(partner))
        .filter(access_grants::status.eq(status.as_str()))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[test]
fn the_tiny_data_set_has_what_the_benchmark_needs() {
    let app = TestApp::start();
    let (m, dir) = generate(&app);
    let tiny = Scale::tiny();

    // Bench MSP's links, in every status as specified.
    let partner = &m.partner.tenant_id;
    for status in [
        LinkStatus::Pending,
        LinkStatus::Connected,
        LinkStatus::Declined,
        LinkStatus::Expired,
        LinkStatus::Removed,
    ] {
        let expected = (0..tiny.links)
            .filter(|n| link_status(*n) == status)
            .count();
        assert!(expected > 0, "{status:?}");
        assert_eq!(
            status_count(&app, partner, status),
            expected as i64,
            "{status:?}"
        );
    }
    assert_eq!(m.partner.connected, 140);
    assert_eq!(m.audit_events, tiny.audit_events);
    assert_eq!(app.count("audit_events"), tiny.audit_events as i64);
    assert_eq!(m.invitations, tiny.invitees * tiny.partners);
    assert_eq!(
        app.count("datasource_shares"),
        (tiny.datasources * tiny.shared_tenants) as i64
    );
    // A second run refuses the non-empty database.
    let again = scale::generate(&mut app.conn(), &app.settings, &tiny, dir.path(), true);
    assert!(again.is_err());
    let written: Manifest =
        serde_json::from_str(&std::fs::read_to_string(scale::manifest_path(dir.path())).unwrap())
            .unwrap();
    assert_eq!(written.partner.tenant_id, m.partner.tenant_id);

    // The partner admin's Account Management lists the links, and the search finds the prefix.
    let admin = app.client();
    assert_eq!(
        admin.sign_in(&m.partner.admin_email, DEMO_PASSWORD).status,
        303
    );
    let page = admin.get(&format!("/accounts/{partner}/customers"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("@bench.example"), "{}", page.body);
    let found = admin.get(&format!(
        "/accounts/{partner}/customers?q={}",
        m.search_prefix
    ));
    assert_eq!(found.status, 200);
    let matching: Vec<usize> = (0..tiny.links)
        .filter(|n| scale::customer_email(*n).starts_with(&m.search_prefix))
        .collect();
    assert_eq!(matching.len(), m.search_matches);
    for n in &matching {
        let email = scale::customer_email(*n);
        let listed = link_status(*n) != LinkStatus::Removed;
        assert_eq!(found.body.contains(&email), listed, "{email}");
    }
    let other = scale::customer_email(matching.last().unwrap() + 1);
    assert!(!found.body.contains(&other), "{other} does not match");

    // The partner's Activity page shows the generated events.
    let activity = admin.get(&format!("/accounts/{partner}/activity"));
    assert_eq!(activity.status, 200);
    assert!(activity.body.contains("Customer 0"), "{}", activity.body);

    // The deep user reaches the bottom of the chain through its role at the top; others do not.
    let bottom = format!("/accounts/{}", m.deep.tenant_id);
    let deep = app.client();
    assert_eq!(deep.sign_in(&m.deep.user_email, DEMO_PASSWORD).status, 303);
    assert_eq!(deep.get(&bottom).status, 200);
    let refused = admin.get(&bottom).status;
    assert!(refused == 404 || refused == 403, "{refused}");

    // An invitation token from the file is accepted through the real page.
    let tsv = std::fs::read_to_string(dir.path().join(&m.invitations_file)).unwrap();
    assert_eq!(tsv.lines().count(), m.invitations);
    let (email, tok) = tsv.lines().next().unwrap().split_once('\t').unwrap();
    let invitee = app.client();
    assert_eq!(invitee.sign_in(email, DEMO_PASSWORD).status, 303);
    let path = format!("/invitations/{tok}");
    let opened = invitee.get(&path);
    assert_eq!(opened.status, 200, "{}", opened.body);
    let csrf = csrf_in(&opened.body).expect("the invitation page has a form");
    let accepted = invitee.post_form(
        &format!("{path}/accept"),
        &[
            ("csrf_token", &csrf),
            ("tenant", "new"),
            ("new_name", "Invitee Benchmark Co"),
        ],
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let status: String = access_grants::table
        .filter(access_grants::token_hash.eq(token::hash(tok)))
        .select(access_grants::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "connected");
}

#[test]
fn nothing_generated_lies_in_the_future() {
    let app = TestApp::start();
    let (m, _dir) = generate(&app);
    let at = liaison::services::now() + chrono::Duration::seconds(5);
    use liaison::db::schema::audit_events;
    let later: i64 = audit_events::table
        .filter(audit_events::occurred_at.gt(at))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(later, 0);
    let grants_later: i64 = access_grants::table
        .filter(
            access_grants::invited_at
                .gt(at)
                .or(access_grants::connected_at.gt(at))
                .or(access_grants::ended_at.gt(at)),
        )
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(grants_later, 0);
    // Pending invitations are still open; expired ones have run out.
    let open_expired: i64 = access_grants::table
        .filter(access_grants::grantee_tenant_id.eq(&m.partner.tenant_id))
        .filter(access_grants::status.eq("expired"))
        .filter(access_grants::invitation_expires_at.gt(at))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(open_expired, 0);
}
