//! Changing the access level of a live link, with the customer's consent: approve, decline, one
//! request at a time, connected links only, and other tenants' ids answered 404.

use crate::common::TestApp;
use crate::customers::{level, partner, tenant};
use crate::grant_periods::linked;
use crate::invitations::{link, mails, post};
use liaison::authz;
use liaison::domain::permission::Permission;
use liaison::services::ServiceError;
use liaison::services::links;

#[test]
fn the_customer_approves_and_the_new_level_applies_on_the_next_request() {
    let app = TestApp::start();
    let l = linked(&app, "");
    let admin = level(&app, &l.msp.id, "Administrator");
    let operator = level(&app, &l.msp.id, "Operator");
    let may = |p| {
        authz::access(&mut app.conn(), &l.betty.id, &l.wayne.id)
            .unwrap()
            .allows(p)
    };
    let before = (may(Permission::TenantManage), may(Permission::TenantView));

    // Asking for the current level is invalid; a valid request is stored, the old level stays.
    let same = links::request_level_change(
        &mut app.conn(),
        &app.settings,
        &l.betty,
        &l.msp.id,
        &l.link,
        &operator,
    );
    assert!(matches!(same, Err(ServiceError::Invalid(_))), "{same:?}");
    // Over the page, from the row's Change access action.
    let page = format!("/accounts/{}/customers/{}/access", l.msp.id, l.link);
    assert_eq!(l.betty_client.get(&page).status, 200);
    let action = format!("/accounts/{}/customers/{}/access-level", l.msp.id, l.link);
    let res = post(&l.betty_client, &page, &action, &[("access_level", &admin)]);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        link(&app, &l.link).requested_role_id.as_deref(),
        Some(admin.as_str())
    );
    assert_eq!(link(&app, &l.link).limiting_role_id, operator);
    assert_eq!(
        (may(Permission::TenantManage), may(Permission::TenantView)),
        before
    );
    assert_eq!(
        mails(&app, "bruce@wayne.example", "level_change_requested"),
        1
    );
    // A second request while one is pending.
    let again = links::request_level_change(
        &mut app.conn(),
        &app.settings,
        &l.betty,
        &l.msp.id,
        &l.link,
        &level(&app, &l.msp.id, "Read-only"),
    );
    assert!(matches!(again, Err(ServiceError::Conflict(m)) if m.contains("already waiting")));

    // The customer sees the difference and approves.
    let (bruce, _) = (app.client(), ());
    bruce.sign_in("bruce@wayne.example", crate::common::PASSWORD);
    let diff = format!(
        "/accounts/{}/partner-access/{}/access-level",
        l.wayne.id, l.link
    );
    let shown = bruce.get(&diff);
    assert_eq!(shown.status, 200);
    for text in [
        "Permissions added",
        "Permissions removed",
        "Administrator",
        "Operator",
    ] {
        assert!(shown.body.contains(text), "{text}");
    }
    let res = post(&bruce, &diff, &diff, &[("answer", "approve")]);
    assert_eq!(res.status, 303, "{}", res.body);
    let approved = link(&app, &l.link);
    assert_eq!(approved.limiting_role_id, admin);
    assert!(approved.requested_role_id.is_none());
    assert!(
        may(Permission::TenantManage),
        "the new level applies at once"
    );
    assert!(
        app.audit_actions()
            .contains(&"link.level_change_approved".to_string())
    );
    assert_eq!(mails(&app, "betty@msp.example", "level_change_answered"), 1);
    // Nothing is pending any more.
    assert_eq!(bruce.get(&diff).status, 404);
}

#[test]
fn declined_keeps_the_old_level_and_refusals_change_nothing() {
    let app = TestApp::start();
    let l = linked(&app, "");
    let viewer = level(&app, &l.msp.id, "Read-only");
    let operator = level(&app, &l.msp.id, "Operator");
    // Other tenants' ids: 404 on both sides.
    let (_, olga, other) = partner(&app, "Other MSP", "olga@other.example");
    let e = links::request_level_change(
        &mut app.conn(),
        &app.settings,
        &olga,
        &other.id,
        &l.link,
        &viewer,
    );
    assert!(matches!(e, Err(ServiceError::NotFound)), "{e:?}");
    links::request_level_change(
        &mut app.conn(),
        &app.settings,
        &l.betty,
        &l.msp.id,
        &l.link,
        &viewer,
    )
    .unwrap();
    let carol = app.create_user("carol@acme.example", false);
    let acme = tenant(&app, "Acme", false, "carol@acme.example");
    for approve in [true, false] {
        let e = links::answer_level_change(
            &mut app.conn(),
            &app.settings,
            &carol,
            &acme.id,
            &l.link,
            approve,
        );
        assert!(matches!(e, Err(ServiceError::NotFound)), "{e:?}");
        let e = links::answer_level_change(
            &mut app.conn(),
            &app.settings,
            &carol,
            &l.wayne.id,
            &l.link,
            approve,
        );
        assert!(e.is_err());
    }
    assert_eq!(
        link(&app, &l.link).requested_role_id.as_deref(),
        Some(viewer.as_str())
    );

    links::answer_level_change(
        &mut app.conn(),
        &app.settings,
        &l.bruce,
        &l.wayne.id,
        &l.link,
        false,
    )
    .unwrap();
    let declined = link(&app, &l.link);
    assert_eq!(declined.limiting_role_id, operator);
    assert!(declined.requested_role_id.is_none());
    assert!(
        app.audit_actions()
            .contains(&"link.level_change_declined".to_string())
    );
    assert_eq!(mails(&app, "betty@msp.example", "level_change_answered"), 1);
    let again = links::answer_level_change(
        &mut app.conn(),
        &app.settings,
        &l.bruce,
        &l.wayne.id,
        &l.link,
        true,
    );
    assert!(matches!(again, Err(ServiceError::Conflict(_))));

    // A link that is no longer connected: Conflict.
    links::remove_partner(
        &mut app.conn(),
        &app.settings,
        &l.bruce,
        &l.wayne.id,
        &l.link,
        "Done",
    )
    .unwrap();
    let e = links::request_level_change(
        &mut app.conn(),
        &app.settings,
        &l.betty,
        &l.msp.id,
        &l.link,
        &viewer,
    );
    assert!(matches!(e, Err(ServiceError::Conflict(_))), "{e:?}");
    assert!(link(&app, &l.link).requested_role_id.is_none());
}
