//! The app pages with another partner's ids, and the htmx upgrade of the tenant listing.

use crate::app_authorizations::new_app;
use crate::apps::request;
use crate::common::TestApp;
use crate::customers::{partner, post, tenant};
use diesel::prelude::*;
use liaison::db::schema::app_authorizations as auth;

fn status_of(app: &TestApp, id: &str) -> String {
    auth::table
        .find(id)
        .select(auth::status)
        .first(&mut app.conn())
        .unwrap()
}

#[test]
fn every_route_with_another_partners_ids_is_not_found() {
    let app = TestApp::start();
    let (_, betty_user, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let (ozzy, _, rival) = partner(&app, "Rival MSP", "ozzy@rival.example");
    let sync = new_app(&app, &betty_user, &msp, "Sync").app.id;
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let id = crate::app_authorizations::authorized(
        &app,
        &betty_user,
        &msp,
        &sync,
        "sandbox",
        (&bruce, &wayne),
    );
    let r = &rival.id;
    for path in [
        format!("/accounts/{r}/apps/{sync}"),
        format!("/accounts/{r}/apps/{sync}/tenants?environment=sandbox"),
        format!("/accounts/{r}/app-tenants?environment=sandbox&app={sync}"),
        format!("/accounts/{r}/app-authorizations/{id}/edit"),
        format!("/accounts/{r}/app-authorizations/{id}/remove"),
    ] {
        assert_eq!(ozzy.get(&path).status, 404, "{path}");
    }
    for path in [
        format!("/accounts/{r}/apps/{sync}/secret"),
        format!("/accounts/{r}/app-authorizations/{id}/edit"),
        format!("/accounts/{r}/app-authorizations/{id}/remove"),
    ] {
        let res = post(
            &ozzy,
            &path,
            &[
                ("contact_email", "bruce@wayne.example"),
                ("reason", "x"),
                ("on_behalf_of", "x"),
                ("environment", "sandbox"),
            ],
        );
        assert_eq!(res.status, 404, "{path}");
    }
    let res = request(
        &ozzy,
        r,
        &[
            ("environment", "sandbox"),
            ("app", &sync),
            ("customer_name", "Wayne Enterprises"),
            ("account_number", &wayne.account_number),
            ("contact_email", "a@b.example"),
        ],
    );
    assert_eq!(res.status, 404);
    // Betty's own pages with Ozzy's tenant id: refused.
    let (betty, _) = (app.client(), ());
    assert_eq!(
        betty
            .sign_in("betty@msp.example", crate::common::PASSWORD)
            .status,
        303
    );
    assert!(matches!(
        betty.get(&format!("/accounts/{r}/apps")).status,
        403 | 404
    ));
    assert_eq!(status_of(&app, &id), "active");
    assert_eq!(app.count("app_authorizations"), 1);
}

#[test]
fn the_listing_upgrades_with_htmx_and_works_without() {
    let app = TestApp::start();
    let (betty, _, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let listing = format!("/accounts/{}/app-tenants?environment=stage", msp.id);
    let page = betty.get(&listing);
    assert_eq!(page.status, 200);
    // Real links for every tab, and htmx swapping the region from the same page.
    for env in ["sandbox", "stage", "production"] {
        assert!(page.body.contains(&format!(
            "href=\"/accounts/{}/app-tenants?environment={env}\"",
            msp.id
        )));
    }
    assert!(page.body.contains("hx-select=\"#app-tenants-region\""));
    assert!(page.body.contains("aria-current=\"page\">Stage<"));
    let unknown = betty.get(&format!(
        "/accounts/{}/app-tenants?environment=moon",
        msp.id
    ));
    assert!(
        unknown.body.contains("aria-current=\"page\">Sandbox<"),
        "falls back to the first"
    );
}
