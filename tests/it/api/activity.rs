//! The activity timeline over the API: both sides of a partner user's work, filters, pages,
//! bad input, other tenants' ids and refusals. Every answer is checked against the document.

use super::{Api, code, fields, json, token};
use crate::activity::{record, viewer_without_audit, world};
use liaison::services::audit::actions;

#[test]
fn the_timeline_as_json_from_both_sides() {
    let w = world();
    let as_bruce = Api::bearer(&w.app, &token(&w.app, &w.bruce, &w.wayne.id));
    let res = as_bruce.get(&format!("/api/v1/accounts/{}/activity", w.wayne.id));
    assert_eq!(res.status, 200, "{}", res.body);
    let body = json(&res);
    let items = body["items"].as_array().unwrap();
    let entered = items
        .iter()
        .find(|i| i["action"] == "tenant.entered")
        .expect("the partner user's visit");
    assert_eq!(entered["actorEmail"], "betty@msp.example");
    assert_eq!(entered["actingTenant"]["id"], w.msp.id.as_str());
    assert_eq!(entered["actingTenant"]["name"], "Acme MSP");
    assert_eq!(entered["grant"]["id"], w.link.as_str());
    assert_eq!(entered["grant"]["kind"], "partner_link");
    assert_eq!(entered["grant"]["accessLevel"], "Operator");
    assert_eq!(entered["actionLabel"], "Entered the account");
    assert!(entered["inTenant"].is_null());

    // The partner's side: the same event, in Wayne Corp.
    let as_betty = Api::bearer(&w.app, &token(&w.app, &w.betty, &w.msp.id));
    let theirs = json(&as_betty.get(&format!("/api/v1/accounts/{}/activity", w.msp.id)));
    let same = theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == entered["id"])
        .expect("the partner sees it too");
    assert_eq!(same["inTenant"]["name"], "Wayne Corp");
}

#[test]
fn filters_pages_and_bad_input() {
    let w = world();
    for i in 0..7 {
        let subject = format!("r{i}");
        record(
            &w.app,
            actions::ROLE_CREATED,
            &w.wayne.id,
            "robin@wayne.example",
            &subject,
        );
    }
    let api = Api::bearer(&w.app, &token(&w.app, &w.bruce, &w.wayne.id));
    let base = format!("/api/v1/accounts/{}/activity", w.wayne.id);
    let mut seen = vec![];
    let mut next = format!("{base}?actor=Robin&limit=3");
    loop {
        let page = json(&api.get(&next));
        for i in page["items"].as_array().unwrap() {
            assert_eq!(i["actorEmail"], "robin@wayne.example");
            seen.push(i["subject"].as_str().unwrap().to_string());
        }
        match page["nextCursor"].as_str() {
            Some(c) => next = format!("{base}?actor=Robin&limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["r6", "r5", "r4", "r3", "r2", "r1", "r0"]);
    let by_action = json(&api.get(&format!("{base}?action=tenant.left")));
    assert_eq!(by_action["items"].as_array().unwrap().len(), 1);
    let from_msp = json(&api.get(&format!("{base}?tenantId={}", w.msp.id)));
    let items = from_msp["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|i| i["actingTenant"]["id"] == w.msp.id.as_str())
    );
    for (query, field) in [
        ("action=nope", "action"),
        ("tenantId=not-ours", "tenantId"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=%%%", "cursor"),
    ] {
        let res = api.get(&format!("{base}?{query}"));
        assert_eq!(res.status, 422, "{query}: {}", res.body);
        assert_eq!(fields(&res), [field], "{query}");
    }
    let long = "a".repeat(255);
    assert_eq!(api.get(&format!("{base}?actor={long}")).status, 422);
}

#[test]
fn other_accounts_are_not_found_and_no_audit_view_is_forbidden() {
    let w = world();
    let as_bruce = Api::bearer(&w.app, &token(&w.app, &w.bruce, &w.wayne.id));
    // The partner is not in Wayne's subtree, even though Wayne's timeline names it.
    for id in [w.msp.id.as_str(), "no-such-account", &"x".repeat(100)] {
        let res = as_bruce.get(&format!("/api/v1/accounts/{id}/activity"));
        assert_eq!(res.status, 404, "{id}");
        assert_eq!(code(&res), "not_found");
    }
    // Betty acts in her own tenant: the customer is not below it.
    let as_betty = Api::bearer(&w.app, &token(&w.app, &w.betty, &w.msp.id));
    let res = as_betty.get(&format!("/api/v1/accounts/{}/activity", w.wayne.id));
    assert_eq!(res.status, 404);
    let (_, nosy) = viewer_without_audit(&w.app, &w.bruce, &w.wayne);
    let as_nosy = Api::bearer(&w.app, &token(&w.app, &nosy, &w.wayne.id));
    let res = as_nosy.get(&format!("/api/v1/accounts/{}/activity", w.wayne.id));
    assert_eq!(res.status, 403, "{}", res.body);
    // Bad input from someone without the right is a 403, not a 422.
    let res = as_nosy.get(&format!(
        "/api/v1/accounts/{}/activity?action=nope",
        w.wayne.id
    ));
    assert_eq!(res.status, 403);
}
