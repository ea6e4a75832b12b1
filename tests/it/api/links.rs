//! Partner links over the API, end to end, with bad input and other tenants' ids.

use super::{Api, code, fields, json, token};
use crate::authz::emailed_token;
use crate::common::TestApp;
use crate::customers::{invite, level, partner, tenant};
use liaison::services::links::{self, AcceptInto, InvitationKey};
use serde_json::json;

const LINKS: &str = "/api/v1/partner/links";

#[test]
fn add_accept_list_and_remove_through_the_api() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let as_betty = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let levels = json(&as_betty.get("/api/v1/partner/access-levels"));
    let operator = levels["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Operator")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let body =
        json!({"email": "bruce@wayne.example", "accessLevelId": operator, "message": "Hello"});
    let res = as_betty.post(LINKS, &body);
    assert_eq!(res.status, 201, "{}", res.body);
    let link = json(&res);
    assert_eq!(link["status"], "pending");
    assert_eq!(link["accessLevel"], "Operator");
    assert_eq!(link["partnerId"], msp.id.as_str());
    let link_id = link["id"].as_str().unwrap().to_string();
    // The same pending address again is refused with the field named.
    let again = as_betty.post(LINKS, &body);
    assert_eq!(again.status, 422);
    assert_eq!(fields(&again), ["email"]);

    // The customer accepts from the emailed link.
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    let emailed = emailed_token(&app, "bruce@wayne.example");
    links::accept(
        &mut app.conn(),
        &app.settings,
        &bruce,
        InvitationKey::Token(&emailed),
        AcceptInto::Existing(&wayne.id),
    )
    .unwrap();

    let list = json(&as_betty.get(&format!("{LINKS}?status=connected")));
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], link_id.as_str());
    assert_eq!(items[0]["customerName"], "Wayne Enterprises");
    assert_eq!(items[0]["status"], "connected");
    assert!(list["nextCursor"].is_null());
    let none = json(&as_betty.get(&format!("{LINKS}?status=pending")));
    assert!(none["items"].as_array().unwrap().is_empty());
    let found = json(&as_betty.get(&format!("{LINKS}?q=bruce")));
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    // The customer sees and removes the partner.
    let as_bruce = Api::bearer(&app, &token(&app, &bruce, &wayne.id));
    let access = json(&as_bruce.get("/api/v1/customer/partner-access"));
    assert_eq!(access["connected"]["id"], link_id.as_str());
    assert!(!access["allows"].as_array().unwrap().is_empty());
    let remove = format!("/api/v1/customer/partner-access/{link_id}/remove");
    let res = as_bruce.post(&remove, &json!({}));
    assert_eq!(res.status, 422, "a reason is required");
    assert_eq!(fields(&res), ["reason"]);
    let res = as_bruce.post(&remove, &json!({"reason": "We moved on"}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["status"], "removed");
    let access = json(&as_bruce.get("/api/v1/customer/partner-access"));
    assert!(access["connected"].is_null());
    assert!(app.audit_actions().contains(&"link.removed".to_string()));
}

#[test]
fn bad_input_answers_422_with_the_fields_and_stores_nothing() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let api = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let admin = level(&app, &msp.id, "Administrator");
    let outbox = app.count("outbox");
    for (body, expected) in [
        (json!({}), vec!["email", "accessLevelId"]),
        (
            json!({"email": "not an address", "accessLevelId": admin}),
            vec!["email"],
        ),
        (
            json!({"email": "a@b.example", "accessLevelId": "someone-else's-role"}),
            vec!["accessLevelId"],
        ),
        (
            json!({"email": "a@b.example", "accessLevelId": admin, "message": "x".repeat(2001)}),
            vec!["message"],
        ),
        (
            json!({"email": format!("{}@b.example", "a".repeat(300)), "accessLevelId": admin}),
            vec!["email"],
        ),
    ] {
        let res = api.post(LINKS, &body);
        assert_eq!(res.status, 422, "{body}: {}", res.body);
        assert_eq!(code(&res), "invalid");
        assert_eq!(fields(&res), expected, "{body}");
    }
    assert_eq!(app.count("access_grants"), 0);
    assert_eq!(app.count("outbox"), outbox);
    for query in [
        "status=removed",
        "status=nonsense",
        "limit=101",
        "limit=abc",
        "cursor=%%%",
        "cursor=bm90IGFuIGlkIQ",
    ] {
        let res = api.get(&format!("{LINKS}?{query}"));
        assert_eq!(res.status, 422, "{query}: {}", res.body);
    }
}

#[test]
fn another_partners_links_are_not_found_and_stay_unchanged() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let (_, carl, other) = partner(&app, "Carl's MSP", "carl@other.example");
    let theirs = invite(&app, &carl, &other, "victim@acme.example");
    let api = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let res = api.post(&format!("{LINKS}/{theirs}/resend"), &json!({}));
    assert_eq!(res.status, 404);
    assert_eq!(api.delete(&format!("{LINKS}/{theirs}")).status, 404);
    let list = json(&api.get(LINKS));
    assert!(list["items"].as_array().unwrap().is_empty());
    let link = links::find(&mut app.conn(), &theirs).unwrap().unwrap();
    assert_eq!(link.status, "pending");
    // A customer cannot remove a link that is not its own.
    let remove = format!("/api/v1/customer/partner-access/{theirs}/remove");
    let res = api.post(&remove, &json!({"reason": "x"}));
    assert!(res.status == 403 || res.status == 409, "{}", res.body);
    assert_eq!(
        links::find(&mut app.conn(), &theirs)
            .unwrap()
            .unwrap()
            .status,
        "pending"
    );
}

#[test]
fn lists_page_with_an_opaque_cursor() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    for i in 0..5 {
        invite(&app, &betty, &msp, &format!("c{i}@acme.example"));
    }
    let api = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let mut seen = Vec::new();
    let mut url = format!("{LINKS}?limit=2");
    loop {
        let page = json(&api.get(&url));
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|i| i["email"].as_str().unwrap().to_string()),
        );
        match page["nextCursor"].as_str() {
            Some(c) => url = format!("{LINKS}?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["c4", "c3", "c2", "c1", "c0"].map(|c| format!("{c}@acme.example"))
    );
}
