//! App authorizations through the services: counts, the listing, request → approve or decline,
//! edit → approve, remove, and refusals. Pages are in `apps.rs`, the API in `api/apps.rs`.

use crate::common::TestApp;
use crate::customers::{partner, tenant};
use diesel::prelude::*;
use liaison::db::schema::{app_authorizations as auth, outbox, tenants as tenants_table};
use liaison::services::ServiceError;
use liaison::services::app_authorizations::{self as authz_apps, EditRequest, Filter, NewRequest};
use liaison::services::apps::{self, WithSecret};
use liaison::services::tenants::Tenant;
use liaison::services::users::User;

/// Registers an app for the partner.
pub fn new_app(app: &TestApp, by: &User, partner: &Tenant, name: &str) -> WithSecret {
    apps::create(&mut app.conn(), by, &partner.id, name, "An app").unwrap()
}

pub fn request_input(app_id: &str, env: &str, customer: &Tenant, contact: &str) -> NewRequest {
    NewRequest {
        app_id: app_id.to_string(),
        environment: env.to_string(),
        customer_name: customer.name.to_uppercase(),
        account_number: customer.account_number.clone(),
        contact_email: contact.to_string(),
        info: "For the nightly sync".into(),
        valid_until: String::new(),
    }
}

/// The token of the last confirmation email to `to`.
pub fn emailed_token(app: &TestApp, to: &str) -> String {
    let body: String = outbox::table
        .filter(outbox::to_address.eq(to))
        .filter(outbox::template.eq("app_authorization_requested"))
        .order(outbox::id.desc())
        .select(outbox::body_text)
        .first(&mut app.conn())
        .unwrap();
    let marker = "/app-authorizations/";
    let start = body.find(marker).expect("the email has the link") + marker.len();
    body[start..].split_whitespace().next().unwrap().to_string()
}

pub fn mails_to(app: &TestApp, to: &str, template: &str) -> i64 {
    outbox::table
        .filter(outbox::to_address.eq(to))
        .filter(outbox::template.eq(template))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// Requests and approves: an active authorization of `app_id` by `customer` (administered by
/// `admin`) in `env`. Answers its id.
pub fn authorized(
    app: &TestApp,
    partner_user: &User,
    partner: &Tenant,
    app_id: &str,
    env: &str,
    (admin, customer): (&User, &Tenant),
) -> String {
    let input = request_input(app_id, env, customer, &admin.email);
    let row = authz_apps::request(
        &mut app.conn(),
        &app.settings,
        partner_user,
        &partner.id,
        &input,
    )
    .unwrap();
    let token = emailed_token(app, &admin.email);
    authz_apps::approve(&mut app.conn(), &app.settings, admin, &token).unwrap();
    row.authorization.id
}

fn status_of(app: &TestApp, id: &str) -> String {
    auth::table
        .find(id)
        .select(auth::status)
        .first(&mut app.conn())
        .unwrap()
}

#[test]
fn request_email_approve_with_refusals_for_the_wrong_person_name_or_account() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let sync = app_(&app, &betty, &msp);
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let mut input = request_input(&sync, "production", &wayne, "bruce@wayne.example");
    input.customer_name = "Wayne Industries".into();
    let row = authz_apps::request(&mut app.conn(), &app.settings, &betty, &msp.id, &input).unwrap();
    assert_eq!(row.status().label(), "Pending");
    assert_eq!(
        mails_to(&app, "bruce@wayne.example", "app_authorization_requested"),
        1
    );
    let token = emailed_token(&app, "bruce@wayne.example");
    // Someone else signed in: refused.
    let eve = app.create_user("eve@evil.example", false);
    let err = authz_apps::approve(&mut app.conn(), &app.settings, &eve, &token).unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(m) if m.contains("sent to bruce@wayne.example")));
    // The name does not match the account with that Cust ID: a clear refusal, nothing granted.
    let err = authz_apps::approve(&mut app.conn(), &app.settings, &bruce, &token).unwrap_err();
    assert!(
        matches!(&err, ServiceError::Conflict(m) if m.contains("does not match")),
        "{err:?}"
    );
    assert_eq!(status_of(&app, &row.authorization.id), "pending");

    // A correct request (the name differs only in case) is approved by the administrator.
    let id = authorized(&app, &betty, &msp, &sync, "sandbox", (&bruce, &wayne));
    assert_eq!(status_of(&app, &id), "active");
    let page = authz_apps::for_tenant(&mut app.conn(), &bruce, &wayne.id, None).unwrap();
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].authorized_by.as_deref(), Some("Test User"));
    assert!(page.rows[0].authorization.authorized_at.is_some());
    assert_eq!(
        mails_to(&app, "betty@msp.example", "app_authorization_answered"),
        1
    );
    assert!(
        app.audit_actions()
            .contains(&"app_authorization.approved".to_string())
    );
    // The token is spent.
    let token = emailed_token(&app, "bruce@wayne.example");
    let err = authz_apps::approve(&mut app.conn(), &app.settings, &bruce, &token).unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(m) if m.contains("already been approved")));

    // Someone who does not administer the account with that Cust ID: refused.
    let robin = app.create_user("robin@wayne.example", false);
    let input = request_input(&sync, "stage", &wayne, "robin@wayne.example");
    authz_apps::request(&mut app.conn(), &app.settings, &betty, &msp.id, &input).unwrap();
    let token = emailed_token(&app, "robin@wayne.example");
    let err = authz_apps::approve(&mut app.conn(), &app.settings, &robin, &token).unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(m) if m.contains("do not administer")));
}

fn app_(app: &TestApp, by: &User, partner: &Tenant) -> String {
    new_app(app, by, partner, "Sync").app.id
}

#[test]
fn request_then_decline_reports_to_the_partner() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let sync = app_(&app, &betty, &msp);
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let input = request_input(&sync, "production", &wayne, "bruce@wayne.example");
    let row = authz_apps::request(&mut app.conn(), &app.settings, &betty, &msp.id, &input).unwrap();
    let token = emailed_token(&app, "bruce@wayne.example");
    let declined =
        authz_apps::decline(&mut app.conn(), &app.settings, &bruce, &token, "Not now").unwrap();
    assert_eq!(declined.status().label(), "Declined");
    assert_eq!(status_of(&app, &row.authorization.id), "declined");
    assert_eq!(
        mails_to(&app, "betty@msp.example", "app_authorization_answered"),
        1
    );
    let err = authz_apps::approve(&mut app.conn(), &app.settings, &bruce, &token).unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(m) if m.contains("declined")));
    // A declined request leaves the listing; a new request is possible.
    let filter = Filter {
        environment: "production".into(),
        ..Filter::default()
    };
    let page =
        authz_apps::list_for_partner(&mut app.conn(), &app.settings, &betty, &msp.id, &filter)
            .unwrap();
    assert!(page.rows.is_empty());
    authz_apps::request(&mut app.conn(), &app.settings, &betty, &msp.id, &input).unwrap();
}

#[test]
fn edit_applies_when_approved_and_remove_needs_email_and_reason() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let sync = app_(&app, &betty, &msp);
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let id = authorized(&app, &betty, &msp, &sync, "sandbox", (&bruce, &wayne));
    let until = (liaison::services::now() + chrono::Duration::days(90))
        .date()
        .to_string();
    let edit = EditRequest {
        on_behalf_of: "Alfred Pennyworth".into(),
        contact_email: "bruce@wayne.example".into(),
        environment: "production".into(),
        valid_until: until.clone(),
        info: "Moving to production".into(),
    };
    // Bad input first: every field named, nothing sent.
    let bad = EditRequest {
        environment: "moon".into(),
        valid_until: "soon".into(),
        ..EditRequest::default()
    };
    let err =
        authz_apps::edit(&mut app.conn(), &app.settings, &betty, &msp.id, &id, &bad).unwrap_err();
    let ServiceError::Invalid(fields) = err else {
        panic!("{err:?}")
    };
    let names: Vec<_> = fields.iter().map(|f| f.field).collect();
    assert_eq!(
        names,
        [
            "on_behalf_of",
            "contact_email",
            "environment",
            "valid_until"
        ]
    );
    let row =
        authz_apps::edit(&mut app.conn(), &app.settings, &betty, &msp.id, &id, &edit).unwrap();
    assert_eq!(
        row.authorization.environment, "sandbox",
        "unchanged until approved"
    );
    let token = emailed_token(&app, "bruce@wayne.example");
    let row = authz_apps::approve(&mut app.conn(), &app.settings, &bruce, &token).unwrap();
    assert_eq!(row.authorization.environment, "production");
    assert_eq!(row.authorization.info, "Moving to production");
    assert_eq!(
        row.authorization.valid_until.unwrap().date().to_string(),
        until
    );
    assert!(
        app.audit_actions()
            .contains(&"app_authorization.edited".to_string())
    );

    // Remove without a reason or without the contact's email: refused, nothing changed.
    let before = app.count("outbox");
    for (email, reason, field) in [
        ("", "Contract ended", "contact_email"),
        ("bruce@wayne.example", " ", "reason"),
    ] {
        let err = authz_apps::remove(
            &mut app.conn(),
            &app.settings,
            &betty,
            &msp.id,
            &id,
            email,
            reason,
        )
        .unwrap_err();
        let ServiceError::Invalid(fields) = err else {
            panic!("{err:?}")
        };
        assert_eq!(fields[0].field, field);
    }
    assert_eq!(status_of(&app, &id), "active");
    assert_eq!(app.count("outbox"), before);
    let row = authz_apps::remove(
        &mut app.conn(),
        &app.settings,
        &betty,
        &msp.id,
        &id,
        "bruce@wayne.example",
        "Contract ended",
    )
    .unwrap();
    assert_eq!(row.status().label(), "Removed");
    assert_eq!(
        mails_to(&app, "bruce@wayne.example", "app_authorization_removed"),
        1
    );
    // Nothing else is deleted: the tenant and the row stay.
    let still: i64 = tenants_table::table
        .filter(tenants_table::id.eq(&wayne.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(still, 1);
    let err = authz_apps::remove(
        &mut app.conn(),
        &app.settings,
        &betty,
        &msp.id,
        &id,
        "bruce@wayne.example",
        "Again",
    )
    .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)));
}

#[test]
fn one_active_authorization_per_app_tenant_and_environment_is_a_database_rule() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let sync = app_(&app, &betty, &msp);
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let sandbox = authorized(&app, &betty, &msp, &sync, "sandbox", (&bruce, &wayne));
    authorized(&app, &betty, &msp, &sync, "production", (&bruce, &wayne));
    // Moving the sandbox authorization to production would make two active ones: the partial
    // unique index refuses it when the contact approves, and nothing changes.
    let edit = EditRequest {
        on_behalf_of: "Alfred".into(),
        contact_email: "bruce@wayne.example".into(),
        environment: "production".into(),
        ..EditRequest::default()
    };
    authz_apps::edit(
        &mut app.conn(),
        &app.settings,
        &betty,
        &msp.id,
        &sandbox,
        &edit,
    )
    .unwrap();
    let token = emailed_token(&app, "bruce@wayne.example");
    let err = authz_apps::approve(&mut app.conn(), &app.settings, &bruce, &token).unwrap_err();
    assert!(
        matches!(&err, ServiceError::Conflict(m) if m.contains("already authorized Sync in Production")),
        "{err:?}"
    );
    let env: String = auth::table
        .find(&sandbox)
        .select(auth::environment)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(env, "sandbox");
    // The refused answer did not spend the token: the contact can still decline it.
    authz_apps::decline(&mut app.conn(), &app.settings, &bruce, &token, "").unwrap();
    // And the database itself refuses a second active row.
    let dup = diesel::update(auth::table.find(&sandbox))
        .set(auth::environment.eq("production"))
        .execute(&mut app.conn());
    assert!(dup.is_err());
}

#[test]
fn an_expired_request_link_grants_nothing_and_no_longer_blocks_a_new_request() {
    use liaison::db::schema::app_authorization_requests as req;
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let sync = app_(&app, &betty, &msp);
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let input = request_input(&sync, "stage", &wayne, "bruce@wayne.example");
    let first =
        authz_apps::request(&mut app.conn(), &app.settings, &betty, &msp.id, &input).unwrap();
    let token = emailed_token(&app, "bruce@wayne.example");
    diesel::update(req::table)
        .set(req::expires_at.eq(liaison::services::now() - chrono::Duration::minutes(1)))
        .execute(&mut app.conn())
        .unwrap();
    let err = authz_apps::approve(&mut app.conn(), &app.settings, &bruce, &token).unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(m) if m.contains("expired")));
    assert_eq!(status_of(&app, &first.authorization.id), "pending");
    // Asking again works; the old one shows as Expired.
    authz_apps::request(&mut app.conn(), &app.settings, &betty, &msp.id, &input).unwrap();
    assert_eq!(status_of(&app, &first.authorization.id), "expired");
    let token = emailed_token(&app, "bruce@wayne.example");
    authz_apps::approve(&mut app.conn(), &app.settings, &bruce, &token).unwrap();
}
