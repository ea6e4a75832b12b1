//! API tokens on the profile page: create (the secret shown once), list, revoke, bad input.

use super::{Api, json};
use crate::common::TestApp;
use crate::customers::{connected, partner, post, tenant};
use diesel::prelude::*;
use liaison::db::schema::api_tokens;

fn secret_in(html: &str) -> Option<String> {
    let marker = "id=\"new-token\" type=\"text\" readonly value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

#[test]
fn a_token_is_created_shown_once_used_and_revoked_from_the_profile_page() {
    let app = TestApp::start();
    let (browser, _, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let page = browser.get("/profile");
    assert!(page.body.contains("API tokens"));
    assert!(page.body.contains("You have no API tokens."));
    assert!(page.body.contains(&format!("<option value=\"{}\"", msp.id)));

    let res = post(
        &browser,
        "/profile/tokens",
        &[("name", "Nightly export"), ("tenant_id", &msp.id)],
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let secret = secret_in(&res.body).expect("the secret is shown");
    assert!(res.body.contains("shown only this once"));
    let stored: String = api_tokens::table
        .select(api_tokens::token_hash)
        .first(&mut app.conn())
        .unwrap();
    assert_ne!(stored, secret, "only the hash is stored");
    assert!(
        app.audit_actions()
            .contains(&"api_token.created".to_string())
    );

    let page = browser.get("/profile");
    assert!(secret_in(&page.body).is_none(), "never shown again");
    assert!(!page.body.contains(&secret));
    assert!(page.body.contains("Nightly export"));
    assert!(page.body.contains("Never"), "not used yet");

    assert_eq!(
        Api::bearer(&app, &secret)
            .get("/api/v1/users/self/authorization")
            .status,
        200
    );
    assert!(
        !browser.get("/profile").body.contains("Never"),
        "last use shown"
    );

    let id: String = api_tokens::table
        .select(api_tokens::id)
        .first(&mut app.conn())
        .unwrap();
    assert!(
        page.body
            .contains("data-confirm=\"Revoke the API token Nightly export?")
    );
    let res = post(&browser, &format!("/profile/tokens/{id}/revoke"), &[]);
    assert_eq!(res.status, 303);
    let page = browser.get("/profile");
    assert!(page.body.contains("was revoked"));
    assert!(page.body.contains("You have no API tokens."));
    assert_eq!(
        Api::bearer(&app, &secret)
            .get("/api/v1/users/self/authorization")
            .status,
        401
    );
    assert!(
        app.audit_actions()
            .contains(&"api_token.revoked".to_string())
    );
    // Revoking again, or someone else's token, is not found.
    assert_eq!(
        post(&browser, &format!("/profile/tokens/{id}/revoke"), &[]).status,
        404
    );
}

#[test]
fn bad_token_input_is_refused_with_messages_and_nothing_stored() {
    let app = TestApp::start();
    let (browser, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let long = "x".repeat(101);
    for (name, tenant_id, message) in [
        ("", msp.id.as_str(), "Enter a name."),
        ("  ", msp.id.as_str(), "Enter a name."),
        (long.as_str(), msp.id.as_str(), "at most 100 characters"),
        ("ok", "", "Choose an account."),
    ] {
        let res = post(
            &browser,
            "/profile/tokens",
            &[("name", name), ("tenant_id", tenant_id)],
        );
        assert_eq!(res.status, 422, "{name:?} {tenant_id:?}");
        assert!(res.body.contains(message), "{message}");
        assert!(res.body.contains("aria-invalid=\"true\""));
    }
    // Another tenant's id: not found, nothing said about it.
    let other = tenant(
        &app,
        "Someone Else",
        false,
        &app.create_user("x@else.example", false).email,
    );
    let res = post(
        &browser,
        "/profile/tokens",
        &[("name", "ok"), ("tenant_id", &other.id)],
    );
    assert_eq!(res.status, 404);
    // A customer tenant reached only through the partner link: refused.
    let (_, wayne, _) = connected(
        &app,
        &betty,
        &msp,
        "bruce@wayne.example",
        "Wayne Enterprises",
    );
    let res = post(
        &browser,
        "/profile/tokens",
        &[("name", "ok"), ("tenant_id", &wayne.id)],
    );
    assert_eq!(res.status, 422);
    assert!(res.body.contains("does not allow using the API"));
    assert_eq!(app.count("api_tokens"), 0);
    // Someone else's token cannot be revoked.
    let (_, bruce_token) = liaison::services::api_tokens::create(
        &mut app.conn(),
        &app.user("bruce@wayne.example").unwrap(),
        &wayne.id,
        "Bruce's",
    )
    .unwrap();
    let id: String = api_tokens::table
        .select(api_tokens::id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        post(&browser, &format!("/profile/tokens/{id}/revoke"), &[]).status,
        404
    );
    let still = Api::bearer(&app, &bruce_token).get("/api/v1/users/self/authorization");
    assert_eq!(still.status, 200);
    assert_eq!(json(&still)["user"]["email"], "bruce@wayne.example");
}
