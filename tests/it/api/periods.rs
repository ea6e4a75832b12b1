//! Access periods and level changes over the API: end dates when adding, level requests and
//! answers, extension requests and confirmation; bad input and other tenants' ids.

use super::{Api, code, fields, json, token};
use crate::common::TestApp;
use crate::customers::{level, partner, tenant};
use crate::grant_periods::linked;
use crate::invitations::link;
use liaison::api::timestamp;
use liaison::services::now;
use serde_json::json;
use std::collections::BTreeSet;

const LINKS: &str = "/api/v1/partner/links";
const ACCESS: &str = "/api/v1/customer/partner-access";

#[test]
fn end_dates_when_adding_are_checked_and_shown() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let api = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let operator = level(&app, &msp.id, "Operator");
    let before = app.count("access_grants");
    let late = timestamp(&(now() + chrono::Duration::days(800)));
    for bad in ["yesterday", "2020-01-01", late.as_str()] {
        let body =
            json!({"email": "bruce@wayne.example", "accessLevelId": operator, "endsAt": bad});
        let res = api.post(LINKS, &body);
        assert_eq!(res.status, 422, "{bad}");
        assert_eq!(fields(&res), ["endsAt"], "{bad}");
    }
    assert_eq!(app.count("access_grants"), before);
    let ends = timestamp(&(now() + chrono::Duration::days(90)));
    let body = json!({"email": "bruce@wayne.example", "accessLevelId": operator, "endsAt": ends});
    let res = api.post(LINKS, &body);
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(json(&res)["accessEndsAt"], ends.as_str());
    let none = json!({"email": "alfred@wayne.example", "accessLevelId": operator, "endsAt": null});
    let res = api.post(LINKS, &none);
    assert_eq!(res.status, 201, "{}", res.body);
    assert!(json(&res)["accessEndsAt"].is_null());
}

#[test]
fn level_requests_and_answers_through_the_api() {
    let app = TestApp::start();
    let l = linked(&app, "");
    let as_betty = Api::bearer(&app, &token(&app, &l.betty, &l.msp.id));
    let as_bruce = Api::bearer(&app, &token(&app, &l.bruce, &l.wayne.id));
    let admin = level(&app, &l.msp.id, "Administrator");
    let operator = level(&app, &l.msp.id, "Operator");
    let request = format!("{LINKS}/{}/access-level-request", l.link);
    let res = as_betty.post(&request, &json!({"accessLevelId": operator}));
    assert_eq!(res.status, 422);
    assert_eq!(fields(&res), ["accessLevelId"]);
    let res = as_betty.post(&request, &json!({"accessLevelId": admin}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["requestedAccessLevelId"], admin.as_str());
    let res = as_betty.post(&request, &json!({"accessLevelId": admin}));
    assert_eq!((res.status, code(&res).as_str()), (409, "conflict"));

    // Another customer's admin: 404, nothing changed.
    let carol = app.create_user("carol@acme.example", false);
    let acme = tenant(&app, "Acme", false, "carol@acme.example");
    let as_carol = Api::bearer(&app, &token(&app, &carol, &acme.id));
    let approve = format!("{ACCESS}/{}/access-level-request/approve", l.link);
    assert_eq!(as_carol.post(&approve, &json!({})).status, 404);
    assert_eq!(link(&app, &l.link).limiting_role_id, operator);

    let shown = json(&as_bruce.get(&format!("{ACCESS}/{}/access-level-request", l.link)));
    assert_eq!(shown["requestedAccessLevel"], "Administrator");
    assert!(!shown["added"].as_array().unwrap().is_empty());
    let res = as_bruce.post(&approve, &json!({}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["accessLevelId"], admin.as_str());
    assert_eq!(as_bruce.post(&approve, &json!({})).status, 409);
}

/// Every endpoint of this module, for the coverage test: the operations checked.
pub fn exercise(app: &TestApp) -> BTreeSet<(String, String)> {
    let ends = now() + chrono::Duration::days(20);
    let (_, olga, other) = partner(app, "Periods MSP", "olga@periods.example");
    let l = {
        // A second partner and customer in the same app: connect them by hand.
        let pat = app.create_user("pat@periods.example", false);
        let customer = tenant(app, "Periods Customer", false, "pat@periods.example");
        let input = liaison::services::links::Invite {
            email: "pat@periods.example",
            access_level: &level(app, &other.id, "Operator"),
            message: "",
        };
        let row = liaison::services::links::invite_until(
            &mut app.conn(),
            &app.settings,
            &olga,
            &other.id,
            input,
            &timestamp(&ends),
        )
        .unwrap();
        let t = crate::grant_periods::emailed(
            app,
            "pat@periods.example",
            "partner_invitation",
            "/invitations/",
        );
        liaison::services::links::accept(
            &mut app.conn(),
            &app.settings,
            &pat,
            liaison::services::links::InvitationKey::Token(&t),
            liaison::services::links::AcceptInto::Existing(&customer.id),
        )
        .unwrap();
        (pat, customer, row.link.id)
    };
    let (pat, customer, id) = l;
    let as_olga = Api::bearer(app, &token(app, &olga, &other.id));
    let as_pat = Api::bearer(app, &token(app, &pat, &customer.id));
    let admin = level(app, &other.id, "Administrator");
    let request = format!("{LINKS}/{id}/access-level-request");
    assert_eq!(
        as_olga
            .post(&request, &json!({"accessLevelId": admin}))
            .status,
        200
    );
    let diff = format!("{ACCESS}/{id}/access-level-request");
    assert_eq!(as_pat.get(&diff).status, 200);
    assert_eq!(
        as_pat.post(&format!("{diff}/decline"), &json!({})).status,
        200
    );
    assert_eq!(as_pat.get(&diff).status, 404);
    assert_eq!(
        as_olga
            .post(&request, &json!({"accessLevelId": admin}))
            .status,
        200
    );
    assert_eq!(
        as_pat.post(&format!("{diff}/approve"), &json!({})).status,
        200
    );
    let extension = format!("{LINKS}/{id}/extension-request");
    assert_eq!(
        as_olga.post(&extension, &json!({"endsAt": "soon"})).status,
        422
    );
    let later = timestamp(&(ends + chrono::Duration::days(30)));
    let res = as_olga.post(&extension, &json!({"endsAt": later}));
    assert_eq!(res.status, 201, "{}", res.body);
    let confirm = format!("{ACCESS}/{id}/extension/confirm");
    let res = as_pat.post(&confirm, &json!({}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["accessEndsAt"], later.as_str());
    assert_eq!(as_pat.post(&confirm, &json!({})).status, 404);
    let mut checked = as_olga.checked.take();
    checked.extend(as_pat.checked.take());
    checked
}
