//! What the API accepts on the wire: JSON bodies only, JSON errors always, never cookies.

use super::{Api, assert_no_cookie, code, json, token};
use crate::common::TestApp;
use crate::customers::partner;
use serde_json::json;

const LINKS: &str = "/api/v1/partner/links";

#[test]
fn bodies_must_be_json_and_well_formed() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let api = Api::bearer(&app, &token(&app, &betty, &msp.id));
    let form = "email=a%40b.example&accessLevelId=x";
    for (content_type, body) in [
        ("application/x-www-form-urlencoded", form),
        ("text/plain", "{\"email\": \"a@b.example\"}"),
        ("", "{\"email\": \"a@b.example\"}"),
    ] {
        let res = api.send("POST", LINKS, Some((content_type, body.to_string())), &[]);
        assert_eq!(res.status, 415, "{content_type}: {}", res.body);
        assert_eq!(code(&res), "unsupported_media_type");
    }
    let res = api.send(
        "POST",
        LINKS,
        Some(("application/json", "{\"email\": ".into())),
        &[],
    );
    assert_eq!(res.status, 400);
    assert!(
        json(&res)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    let res = api.send(
        "POST",
        LINKS,
        Some(("application/json", "[1, 2]".into())),
        &[],
    );
    assert_eq!(res.status, 422, "{}", res.body);
    let res = api.post(LINKS, &json!({"email": 42}));
    assert_eq!(res.status, 422);
    let huge = json!({"email": "a@b.example", "message": "x".repeat(70 * 1024)});
    let res = api.post(LINKS, &huge);
    assert_eq!(res.status, 413, "{}", res.body);
    assert_eq!(code(&res), "payload_too_large");
    assert_eq!(app.count("access_grants"), 0, "nothing stored");
}

#[test]
fn unknown_paths_and_methods_answer_json_and_no_cookie_is_read_or_set() {
    let app = TestApp::start();
    let (browser, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let api = Api::bearer(&app, &token(&app, &betty, &msp.id));
    for path in ["/api/v1/nothing", "/api/v2/partner/links", "/api/"] {
        let res = api.get(path);
        assert_eq!(res.status, 404, "{path}");
        assert_eq!(code(&res), "not_found");
        assert!(
            res.header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
        assert_no_cookie(&res);
    }
    let res = api.send("PUT", LINKS, Some(("application/json", "{}".into())), &[]);
    assert_eq!(res.status, 405);
    assert_eq!(code(&res), "method_not_allowed");

    // A signed-in browser's session cookie does not authenticate an API call.
    assert_eq!(browser.get("/profile").status, 200);
    let signed_in = crate::common::Client::new(&app.base);
    let cookie = signed_in
        .sign_in("betty@msp.example", crate::common::PASSWORD)
        .session_cookie()
        .expect("a session cookie");
    assert_eq!(signed_in.get("/profile").status, 200);
    let res = Api::anonymous(&app).send(
        "GET",
        "/api/v1/users/self/authorization",
        None,
        &[("Cookie", &cookie)],
    );
    assert_eq!(res.status, 401, "a cookie is no credential here");
    assert_no_cookie(&res);
    // No CSRF token is needed, and none is looked at.
    let res = api.post(&format!("{LINKS}/x/resend"), &json!({}));
    assert_eq!(res.status, 404);
}
