//! App authorizations: counts per environment, the listing, other partners' ids, bad input.

use crate::app_authorizations::{authorized, emailed_token, new_app, request_input};
use crate::common::TestApp;
use crate::customers::{partner, tenant};
use diesel::prelude::*;
use liaison::db::schema::app_authorizations as auth;
use liaison::services::ServiceError;
use liaison::services::app_authorizations::{self as authz_apps, Filter, NewRequest};
use liaison::services::apps;

#[test]
fn counts_per_environment_with_many_tenants_and_every_status_and_the_filtered_listing() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let sync = new_app(&app, &betty, &msp, "Sync").app.id;
    let other = new_app(&app, &betty, &msp, "Reports").app.id;
    let mut active = Vec::new();
    for i in 0..12 {
        let email = format!("admin{i}@customer{i}.example");
        let admin = app.create_user(&email, false);
        let customer = tenant(&app, &format!("Customer {i:02}"), false, &email);
        let env = if i < 7 { "production" } else { "sandbox" };
        active.push(authorized(
            &app,
            &betty,
            &msp,
            &sync,
            env,
            (&admin, &customer),
        ));
    }
    // Every other status: pending, declined, removed, expired, and another app's authorization.
    let extra = |i: usize, app_id: &str| {
        let email = format!("x{i}@extra{i}.example");
        let admin = app.create_user(&email, false);
        let customer = tenant(&app, &format!("Extra {i}"), false, &email);
        (admin, customer, app_id.to_string())
    };
    let (_, pending_customer, _) = extra(1, &sync);
    authz_apps::request(
        &mut app.conn(),
        &app.settings,
        &betty,
        &msp.id,
        &request_input(&sync, "production", &pending_customer, "x1@extra1.example"),
    )
    .unwrap();
    let (declined_admin, declined_customer, _) = extra(2, &sync);
    authz_apps::request(
        &mut app.conn(),
        &app.settings,
        &betty,
        &msp.id,
        &request_input(&sync, "production", &declined_customer, "x2@extra2.example"),
    )
    .unwrap();
    let t = emailed_token(&app, "x2@extra2.example");
    authz_apps::decline(&mut app.conn(), &app.settings, &declined_admin, &t, "").unwrap();
    authz_apps::remove(
        &mut app.conn(),
        &app.settings,
        &betty,
        &msp.id,
        &active[0],
        "admin0@customer0.example",
        "Ended",
    )
    .unwrap();
    diesel::update(auth::table.find(&active[1]))
        .set(auth::valid_until.eq(liaison::services::now() - chrono::Duration::hours(1)))
        .execute(&mut app.conn())
        .unwrap();
    let (other_admin, other_customer, _) = extra(3, &other);
    authorized(
        &app,
        &betty,
        &msp,
        &other,
        "production",
        (&other_admin, &other_customer),
    );

    let (_, counts) =
        authz_apps::counts(&mut app.conn(), &app.settings, &betty, &msp.id, &sync).unwrap();
    let by_env: Vec<(&str, i64, i64)> = counts
        .iter()
        .map(|c| (c.key.as_str(), c.active, c.pending))
        .collect();
    assert_eq!(
        by_env,
        [("sandbox", 5, 0), ("stage", 0, 0), ("production", 5, 1)]
    );

    // The listing: one app in one environment, paginated, searchable.
    let list = |filter: Filter| {
        authz_apps::list_for_partner(&mut app.conn(), &app.settings, &betty, &msp.id, &filter)
            .unwrap()
    };
    let first = list(Filter {
        app_id: Some(sync.clone()),
        environment: "production".into(),
        limit: Some(4),
        ..Filter::default()
    });
    assert_eq!(first.rows.len(), 4);
    let rest = list(Filter {
        app_id: Some(sync.clone()),
        environment: "production".into(),
        limit: Some(4),
        before: first.next.clone(),
        ..Filter::default()
    });
    // 7 production authorizations, one removed, plus the pending one (the expired one is listed).
    assert_eq!(first.rows.len() + rest.rows.len(), 7);
    assert!(rest.next.is_none());
    assert!(first.rows.iter().chain(&rest.rows).all(|r| r.app == "Sync"));
    let all_apps = list(Filter {
        environment: "production".into(),
        ..Filter::default()
    });
    assert_eq!(all_apps.rows.len(), 8);
    let found = list(Filter {
        environment: "production".into(),
        search: Some("customer 03".into()),
        ..Filter::default()
    });
    assert_eq!(found.rows.len(), 1);
    assert_eq!(found.rows[0].tenant, "Customer 03");
    let sandbox = list(Filter {
        app_id: Some(sync.clone()),
        environment: "sandbox".into(),
        ..Filter::default()
    });
    assert_eq!(sandbox.rows.len(), 5);
    let err = authz_apps::list_for_partner(
        &mut app.conn(),
        &app.settings,
        &betty,
        &msp.id,
        &Filter {
            environment: "moon".into(),
            ..Filter::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, ServiceError::Invalid(_)));
}

#[test]
fn another_partners_ids_are_not_found_and_bad_requests_change_nothing() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let (_, ozzy, rival) = partner(&app, "Ozzy's MSP", "ozzy@rival.example");
    let sync = new_app(&app, &betty, &msp, "Sync").app.id;
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let id = authorized(&app, &betty, &msp, &sync, "sandbox", (&bruce, &wayne));
    let c = &mut app.conn();
    let s = &app.settings;
    assert!(matches!(
        apps::get(c, &ozzy, &rival.id, &sync),
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        apps::rotate_secret(c, &ozzy, &rival.id, &sync),
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        authz_apps::counts(c, s, &ozzy, &rival.id, &sync),
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        authz_apps::get_for_partner(c, &ozzy, &rival.id, &id),
        Err(ServiceError::NotFound)
    ));
    let input = request_input(&sync, "sandbox", &wayne, "bruce@wayne.example");
    assert!(matches!(
        authz_apps::request(c, s, &ozzy, &rival.id, &input),
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        authz_apps::remove(c, s, &ozzy, &rival.id, &id, "a@b.example", "x"),
        Err(ServiceError::NotFound)
    ));
    // Betty cannot act as Ozzy's partner tenant.
    assert!(matches!(
        apps::list(c, &betty, &rival.id, None, None),
        Err(ServiceError::Forbidden | ServiceError::NotFound)
    ));
    // A customer who is no partner has no apps page.
    assert!(apps::list(c, &bruce, &wayne.id, None, None).is_err());
    // The same open request twice is refused; bad input names every field.
    let before = app.count("app_authorizations");
    let err = authz_apps::request(c, s, &betty, &msp.id, &input).unwrap_err();
    assert!(matches!(err, ServiceError::Invalid(f) if f[0].field == "account_number"));
    let err = authz_apps::request(
        c,
        s,
        &betty,
        &msp.id,
        &NewRequest {
            environment: "x".into(),
            contact_email: "nope".into(),
            info: "x".repeat(1001),
            ..NewRequest::default()
        },
    )
    .unwrap_err();
    let ServiceError::Invalid(fields) = err else {
        panic!()
    };
    let names: Vec<_> = fields.iter().map(|f| f.field).collect();
    assert_eq!(
        names,
        [
            "app",
            "environment",
            "customer_name",
            "account_number",
            "contact_email",
            "info"
        ]
    );
    let err = apps::create(c, &betty, &msp.id, "sync", "").unwrap_err();
    assert!(matches!(err, ServiceError::Invalid(f) if f[0].message == apps::NAME_TAKEN));
    assert!(apps::create(c, &betty, &msp.id, &"n".repeat(101), "").is_err());
    assert_eq!(app.count("app_authorizations"), before);
}
