//! Who may call the API, and in which tenant.

use super::{Api, assert_no_cookie, code, json, token};
use crate::common::{PASSWORD, TestApp};
use crate::customers::{connected, member, partner, tenant};
use liaison::services::{api_tokens, users};

const WHO: &str = "/api/v1/users/self/authorization";

#[test]
fn missing_bad_revoked_and_disabled_credentials_answer_401() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let secret = token(&app, &betty, &msp.id);

    let res = Api::anonymous(&app).get(WHO);
    assert_eq!(res.status, 401);
    assert_eq!(code(&res), "unauthorized");
    assert!(res.header("www-authenticate").unwrap().contains("Bearer"));
    assert_no_cookie(&res);

    let res = Api::bearer(&app, "not-a-token").get(WHO);
    assert_eq!(res.status, 401);
    assert!(res.header("www-authenticate").is_some());
    let res = Api::anonymous(&app).raw_auth("Digest abc").get(WHO);
    assert_eq!(res.status, 401);
    let res = Api::anonymous(&app).raw_auth("Basic !!!").get(WHO);
    assert_eq!(res.status, 401);
    let failures = app
        .audit_actions()
        .iter()
        .filter(|a| *a == "api.auth_failed")
        .count();
    assert_eq!(failures, 3, "each refused credential is audited");

    let ok = Api::bearer(&app, &secret).get(WHO);
    assert_eq!(ok.status, 200, "{}", ok.body);
    let body = json(&ok);
    assert_eq!(body["user"]["email"], "betty@msp.example");
    assert_eq!(body["tenant"]["id"], msp.id.as_str());
    assert!(
        body["permissions"]
            .as_array()
            .unwrap()
            .contains(&"api.access".into())
    );
    assert_no_cookie(&ok);
    // The last use is recorded.
    let listed = api_tokens::list_for_user(&mut app.conn(), &betty).unwrap();
    assert!(listed[0].token.last_used_at.is_some());

    let id = listed[0].token.id.clone();
    api_tokens::revoke(&mut app.conn(), &betty, &id).unwrap();
    assert_eq!(Api::bearer(&app, &secret).get(WHO).status, 401);

    let again = token(&app, &betty, &msp.id);
    users::set_disabled(&mut app.conn(), "betty@msp.example", true, None).unwrap();
    assert_eq!(Api::bearer(&app, &again).get(WHO).status, 401);
    let res = Api::basic(&app, "betty@msp.example", PASSWORD).get(WHO);
    assert_eq!(res.status, 401);
    assert!(
        json(&res)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("disabled")
    );
}

#[test]
fn basic_authentication_answers_unknown_users_like_wrong_passwords_and_throttles() {
    let app = TestApp::start();
    let (_, _, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let res = Api::basic(&app, "betty@msp.example", PASSWORD).get(WHO);
    assert_eq!(
        res.status, 200,
        "the only tenant needs no header: {}",
        res.body
    );
    assert_eq!(json(&res)["tenant"]["id"], msp.id.as_str());
    assert_no_cookie(&res);

    let wrong = Api::basic(&app, "betty@msp.example", "wrong password").get(WHO);
    let unknown = Api::basic(&app, "nobody@msp.example", "wrong password").get(WHO);
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body, unknown.body, "the same answer");
    assert!(app.audit_actions().contains(&"signin.failed".to_string()));

    // Five failures for the account (the default), then 429 even with the right password.
    for _ in 0..4 {
        let res = Api::basic(&app, "betty@msp.example", "wrong password").get(WHO);
        assert_eq!(res.status, 401);
    }
    let res = Api::basic(&app, "betty@msp.example", PASSWORD).get(WHO);
    assert_eq!(res.status, 429, "{}", res.body);
    assert_eq!(code(&res), "too_many_requests");
    assert!(res.header("retry-after").is_some());
}

#[test]
fn the_tenant_comes_from_the_token_or_the_liaison_tenant_header() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let second = tenant(&app, "Betty's Lab", false, "betty@msp.example");
    let other = tenant(
        &app,
        "Someone Else",
        false,
        &app.create_user("x@else.example", false).email,
    );

    let basic = || Api::basic(&app, "betty@msp.example", PASSWORD);
    let res = basic().get(WHO);
    assert_eq!(
        res.status, 400,
        "several tenants need the header: {}",
        res.body
    );
    assert!(
        json(&res)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Liaison-Tenant")
    );
    let res = basic().in_tenant(&second.id).get(WHO);
    assert_eq!(res.status, 200);
    assert_eq!(json(&res)["tenant"]["name"], "Betty's Lab");
    let res = basic().in_tenant(&other.id).get(WHO);
    assert_eq!(res.status, 404, "another tenant is not found");
    let res = basic().in_tenant("no-such-tenant").get(WHO);
    assert_eq!(res.status, 404);

    // A token acts in its own tenant; naming another one is refused.
    let secret = token(&app, &betty, &msp.id);
    let res = Api::bearer(&app, &secret).in_tenant(&second.id).get(WHO);
    assert_eq!(res.status, 400);
    let res = Api::bearer(&app, &secret).in_tenant(&msp.id).get(WHO);
    assert_eq!(res.status, 200);

    // A Read-only member has no api.access: 403, audited.
    let (_, reader) = member(&app, &msp, "Read-only", "reader@msp.example");
    let res = Api::basic(&app, &reader.email, PASSWORD).get(WHO);
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(code(&res), "forbidden");
    assert!(app.audit_actions().contains(&"authz.refused".to_string()));
}

#[test]
fn a_partner_reaches_a_customer_through_the_grant_with_basic_but_gets_no_token_there() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let (_, wayne, _) = connected(
        &app,
        &betty,
        &msp,
        "bruce@wayne.example",
        "Wayne Enterprises",
    );
    // The link's Operator level includes api.access: Basic with the header works there.
    let res = Api::basic(&app, "betty@msp.example", PASSWORD)
        .in_tenant(&wayne.id)
        .get(WHO);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        !json(&res)["permissions"]
            .as_array()
            .unwrap()
            .contains(&"roles.manage".into()),
        "capped by the access level"
    );
    // But no token for a tenant reached only through a grant.
    let err = api_tokens::create(&mut app.conn(), &betty, &wayne.id, "x").unwrap_err();
    assert!(matches!(err, liaison::services::ServiceError::Invalid(_)));
    assert_eq!(app.count("api_tokens"), 0);
    // And the customer's partner-access endpoint is for the customer's own admins.
    let res = Api::basic(&app, "betty@msp.example", PASSWORD)
        .in_tenant(&wayne.id)
        .get("/api/v1/customer/partner-access");
    assert_eq!(res.status, 403, "{}", res.body);
}
