//! Invitations to roles and memberships over the API: invite, resend, revoke; who has access
//! (ancestors' roles included) and revoking it; every refusal changes nothing.

use super::roles::{ROLES, owned, patch};
use super::{Api, code, fields, json, token};
use crate::common::TestApp;
use crate::invitations::mails;
use crate::role_invitations::{add_member, custom_role, role_id, role_token, tenant};
use diesel::prelude::*;
use liaison::db::schema::memberships;
use liaison::domain::permission::Permission;
use liaison::services::role_invitations::{self as ri, NO_INVITE, ROLE_ABOVE_YOURS, SELF_INVITE};
use serde_json::json;
use std::collections::BTreeSet;

const INVITATIONS: &str = "/api/v1/role-invitations";
const MEMBERSHIPS: &str = "/api/v1/memberships";

fn message(res: &crate::common::Resp) -> String {
    json(res)["error"]["message"].as_str().unwrap().to_string()
}

#[test]
fn invite_resend_and_revoke_through_the_api() {
    let app = TestApp::start();
    let (bruce, wayne) = owned(&app, "Wayne Enterprises", "bruce@wayne.example");
    let api = Api::bearer(&app, &token(&app, &bruce, &wayne.id));
    let operator = role_id(&app, &wayne.id, "Operator");
    let body = json!({"email": "alfred@wayne.example", "roleId": operator});
    let res = api.post(INVITATIONS, &body);
    assert_eq!(res.status, 201, "{}", res.body);
    let invitation = json(&res);
    assert_eq!(invitation["status"], "pending");
    assert_eq!(invitation["role"], "Operator");
    assert_eq!(invitation["roleId"], operator.as_str());
    assert_eq!(invitation["invitedBy"], "bruce@wayne.example");
    assert!(invitation["acceptedAt"].is_null());
    assert_eq!(mails(&app, "alfred@wayne.example", "role_invitation"), 1);
    let first = role_token(&app, "alfred@wayne.example");
    let id = invitation["id"].as_str().unwrap().to_string();

    // The same pending invitation again is refused with the field named.
    let again = api.post(INVITATIONS, &body);
    assert_eq!(again.status, 422, "{}", again.body);
    assert_eq!(fields(&again), ["email"]);

    let list = json(&api.get(INVITATIONS));
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert!(list["nextCursor"].is_null());
    let accepted = json(&api.get(&format!("{INVITATIONS}?status=accepted")));
    assert!(accepted["items"].as_array().unwrap().is_empty());

    // Resend: a new link; the old one stops working.
    let res = api.post(&format!("{INVITATIONS}/{id}/resend"), &json!({}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(mails(&app, "alfred@wayne.example", "role_invitation"), 2);
    let second = role_token(&app, "alfred@wayne.example");
    assert_ne!(first, second);
    assert!(ri::invitation(&mut app.conn(), &first).is_err());

    let res = api.post(&format!("{INVITATIONS}/{id}/revoke"), &json!({}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["status"], "revoked");
    let res = api.post(&format!("{INVITATIONS}/{id}/resend"), &json!({}));
    assert_eq!(res.status, 409);
    assert!(
        json(&api.get(INVITATIONS))["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let actions = app.audit_actions();
    for action in [
        "role_invitation.sent",
        "role_invitation.resent",
        "role_invitation.revoked",
    ] {
        assert!(actions.contains(&action.to_string()), "{action}");
    }

    // Bad input: the fields named, nothing stored or sent.
    let (stored, sent) = (app.count("role_invitations"), app.count("outbox"));
    for (body, expected) in [
        (json!({}), vec!["email", "roleId"]),
        (
            json!({"email": "not an address", "roleId": operator}),
            vec!["email"],
        ),
        (
            json!({"email": "x@wayne.example", "roleId": "nope"}),
            vec!["roleId"],
        ),
        (
            json!({"email": ["x@wayne.example"], "roleId": operator}),
            vec!["email"],
        ),
    ] {
        let res = api.post(INVITATIONS, &body);
        assert_eq!(res.status, 422, "{body}: {}", res.body);
        assert_eq!(fields(&res), expected, "{body}");
    }
    for query in ["status=revoked", "limit=0", "cursor=%%%"] {
        let res = api.get(&format!("{INVITATIONS}?{query}"));
        assert_eq!(res.status, 422, "{query}: {}", res.body);
    }
    assert_eq!(
        (app.count("role_invitations"), app.count("outbox")),
        (stored, sent)
    );
}

#[test]
fn escalation_self_invites_and_other_tenants_are_refused() {
    let app = TestApp::start();
    let (bruce, wayne) = owned(&app, "Wayne Enterprises", "bruce@wayne.example");
    let api = Api::bearer(&app, &token(&app, &bruce, &wayne.id));
    let owner_role = role_id(&app, &wayne.id, "Account owner");
    let operator = role_id(&app, &wayne.id, "Operator");
    let inviters = custom_role(
        &app,
        &wayne.id,
        "Inviters",
        "this",
        &[
            Permission::TenantView,
            Permission::UsersInvite,
            Permission::ApiAccess,
        ],
    );
    let lucius = app.create_user("lucius@wayne.example", false);
    add_member(&app, &lucius, &inviters, &wayne.id);
    let as_lucius = Api::bearer(&app, &token(&app, &lucius, &wayne.id));
    let jim = app.create_user("jim@wayne.example", false);
    add_member(&app, &jim, &operator, &wayne.id);
    let as_jim = Api::bearer(&app, &token(&app, &jim, &wayne.id));
    let (carl, acme) = owned(&app, "Acme", "carl@acme.example");
    let acme_operator = role_id(&app, &acme.id, "Operator");
    let theirs = ri::invite(
        &mut app.conn(),
        &app.settings,
        &carl,
        &acme.id,
        "victim@acme.example",
        &acme_operator,
    )
    .unwrap()
    .invitation
    .id;
    let (stored, sent) = (app.count("role_invitations"), app.count("outbox"));

    let res = api.post(
        INVITATIONS,
        &json!({"email": "Bruce@Wayne.example", "roleId": operator}),
    );
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(message(&res), SELF_INVITE);
    let res = as_lucius.post(
        INVITATIONS,
        &json!({"email": "fox@wayne.example", "roleId": owner_role}),
    );
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(message(&res), ROLE_ABOVE_YOURS);
    let res = as_jim.post(
        INVITATIONS,
        &json!({"email": "fox@wayne.example", "roleId": operator}),
    );
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(message(&res), NO_INVITE);
    assert_eq!(as_jim.get(INVITATIONS).status, 403);
    // Another tenant's role or invitation is unknown here.
    let res = api.post(
        INVITATIONS,
        &json!({"email": "fox@wayne.example", "roleId": acme_operator}),
    );
    assert_eq!(fields(&res), ["roleId"]);
    for action in ["resend", "revoke"] {
        let res = api.post(&format!("{INVITATIONS}/{theirs}/{action}"), &json!({}));
        assert_eq!(res.status, 404, "{action}: {}", res.body);
        assert_eq!(code(&res), "not_found");
    }
    assert_eq!(
        (app.count("role_invitations"), app.count("outbox")),
        (stored, sent),
        "nothing stored or sent"
    );
    let pending = app.count(&format!(
        "role_invitations WHERE id = '{theirs}' AND status = 'pending'"
    ));
    assert_eq!(pending, 1);
    assert!(app.audit_actions().contains(&"authz.refused".to_string()));
    // Lucius may invite to his own level.
    let res = as_lucius.post(
        INVITATIONS,
        &json!({"email": "fox@wayne.example", "roleId": inviters}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
}

fn membership_in(app: &TestApp, user_id: &str, tenant_id: &str) -> String {
    memberships::table
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::tenant_id.eq(tenant_id))
        .select(memberships::id)
        .first(&mut app.conn())
        .unwrap()
}

fn membership_of<'a>(list: &'a serde_json::Value, email: &str) -> &'a serde_json::Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["email"] == email)
        .unwrap_or_else(|| panic!("{email} is not listed: {list}"))
}

#[test]
fn memberships_include_ancestors_roles_and_revoking_ends_access_at_once() {
    let app = TestApp::start();
    let (bruce, wayne) = owned(&app, "Wayne Enterprises", "bruce@wayne.example");
    app.create_user("ops@east.example", false);
    let east = tenant(&app, "Wayne East", Some(&wayne.id), "ops@east.example");
    let field_team = custom_role(
        &app,
        &wayne.id,
        "Field team",
        "sub_only",
        &[Permission::TenantView, Permission::ApiAccess],
    );
    let field = app.create_user("field@wayne.example", false);
    add_member(&app, &field, &field_team, &wayne.id);
    let alfred = app.create_user("alfred@wayne.example", false);
    let alfreds = add_member(
        &app,
        &alfred,
        &role_id(&app, &wayne.id, "Operator"),
        &wayne.id,
    );
    let (carl, acme) = owned(&app, "Acme", "carl@acme.example");
    let carls = membership_in(&app, &carl.id, &acme.id);

    // Bruce acts in the sub-account, through his owner role above.
    let api = Api::bearer(&app, &token(&app, &bruce, &east.id));
    let list = json(&api.get(MEMBERSHIPS));
    assert_eq!(list["items"].as_array().unwrap().len(), 4, "{list}");
    let b = membership_of(&list, "bruce@wayne.example");
    assert_eq!(b["role"]["name"], "Account owner");
    assert_eq!(b["definedIn"]["id"], wayne.id.as_str());
    assert_eq!(b["definedIn"]["name"], "Wayne Enterprises");
    assert_eq!(b["inherited"], true);
    assert_eq!(b["appliesTo"], "this_and_sub");
    let ops = membership_of(&list, "ops@east.example");
    assert_eq!(ops["definedIn"]["id"], east.id.as_str());
    assert_eq!(ops["inherited"], false);
    let f = membership_of(&list, "field@wayne.example");
    assert_eq!(f["role"]["id"], field_team.as_str());
    assert_eq!(f["appliesTo"], "sub_only");
    assert_eq!(f["inherited"], true);
    // Pages of one.
    let mut seen = BTreeSet::new();
    let mut url = format!("{MEMBERSHIPS}?limit=1");
    loop {
        let page = json(&api.get(&url));
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        seen.insert(page["items"][0]["id"].as_str().unwrap().to_string());
        match page["nextCursor"].as_str() {
            Some(c) => url = format!("{MEMBERSHIPS}?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);

    // Revoking the ancestor's role from the sub-account ends Alfred's access everywhere.
    let as_alfred = Api::bearer(&app, &token(&app, &alfred, &east.id));
    assert_eq!(
        as_alfred.get("/api/v1/users/self/authorization").status,
        200
    );
    let res = api.delete(&format!("{MEMBERSHIPS}/{alfreds}"));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(json(&res)["user"]["email"], "alfred@wayne.example");
    let next = as_alfred.get("/api/v1/users/self/authorization");
    assert!(next.status == 403 || next.status == 404, "{}", next.body);
    assert_eq!(mails(&app, "alfred@wayne.example", "membership_revoked"), 1);
    assert_eq!(api.delete(&format!("{MEMBERSHIPS}/{alfreds}")).status, 404);

    // The last owner of East stays; another tenant's membership is unknown here.
    let members = app.count("memberships");
    let res = api.delete(&format!("{MEMBERSHIPS}/{}", ops["id"].as_str().unwrap()));
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(code(&res), "conflict");
    let res = api.delete(&format!("{MEMBERSHIPS}/{carls}"));
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(app.count("memberships"), members);
    for query in ["limit=101", "cursor=bm90IGFuIGlkIQ"] {
        assert_eq!(api.get(&format!("{MEMBERSHIPS}?{query}")).status, 422);
    }
}

/// Every endpoint of this module and of roles, for the coverage test: the operations checked.
pub fn exercise(app: &TestApp) -> BTreeSet<(String, String)> {
    let (diana, them) = owned(app, "Themyscira", "diana@them.example");
    let api = Api::bearer(app, &token(app, &diana, &them.id));
    let role = json(&api.post(
        ROLES,
        &json!({"name": "Scouts", "permissions": [], "appliesTo": "this"}),
    ));
    let url = format!("{ROLES}/{}", role["id"].as_str().unwrap());
    assert_eq!(api.get(ROLES).status, 200);
    assert_eq!(api.get(&url).status, 200);
    assert_eq!(patch(&api, &url, &json!({"name": "Rangers"})).status, 200);
    let invited = json(&api.post(
        INVITATIONS,
        &json!({"email": "steve@them.example", "roleId": role["id"]}),
    ));
    let id = invited["id"].as_str().unwrap();
    assert_eq!(api.get(INVITATIONS).status, 200);
    let resend = format!("{INVITATIONS}/{id}/resend");
    assert_eq!(api.post(&resend, &json!({})).status, 200);
    let revoke = format!("{INVITATIONS}/{id}/revoke");
    assert_eq!(api.post(&revoke, &json!({})).status, 200);
    assert_eq!(api.delete(&url).status, 200);
    let list = json(&api.get(MEMBERSHIPS));
    let mine = membership_of(&list, "diana@them.example")["id"]
        .as_str()
        .unwrap();
    assert_eq!(api.delete(&format!("{MEMBERSHIPS}/{mine}")).status, 409);
    api.checked.take()
}
