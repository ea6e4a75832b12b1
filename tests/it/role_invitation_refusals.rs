//! Invitations to roles that must not grant anything: expired, used, resent, revoked and
//! wrong-address links, bad input on the Invite form, escalation, concurrent accepts.

use crate::common::TestApp;
use crate::role_invitations::{
    add_member, custom_role, invite, invite_on_page, role_id, role_token, status_of, tenant, url,
    users_page,
};
use diesel::prelude::*;
use liaison::authz;
use liaison::db::schema::role_invitations;
use liaison::domain::permission::Permission;
use liaison::services::role_invitations as ri;

#[test]
fn expired_used_revoked_resent_and_wrong_address_links_grant_nothing() {
    let app = TestApp::start();
    let (bruce, bruce_user) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", None, "bruce@wayne.example");

    // Expired.
    let token = invite(
        &app,
        &bruce_user,
        &wayne.id,
        "carol@wayne.example",
        "Read-only",
    );
    diesel::update(
        role_invitations::table.filter(role_invitations::email_key.eq("carol@wayne.example")),
    )
    .set(
        role_invitations::expires_at
            .eq(chrono::Utc::now().naive_utc() - chrono::Duration::hours(1)),
    )
    .execute(&mut app.conn())
    .unwrap();
    let (carol, _) = app.signed_in("carol@wayne.example", false);
    let open = carol.get(&url(&token));
    assert!(
        open.body.contains("This invitation is Expired."),
        "{}",
        open.body
    );
    assert!(!open.body.contains(">Accept</button>"));
    let members = app.count("memberships");
    let csrf = carol.csrf("/profile");
    let res = carol.post_form(&format!("{}/accept", url(&token)), &[("csrf_token", &csrf)]);
    assert_eq!(res.status, 409);
    assert!(res.body.contains("has expired"));
    assert_eq!(app.count("memberships"), members);

    // Wrong signed-in address.
    let token = invite(
        &app,
        &bruce_user,
        &wayne.id,
        "dave@wayne.example",
        "Read-only",
    );
    let open = carol.get(&url(&token));
    assert!(
        open.body.contains("This invitation is for another address"),
        "{}",
        open.body
    );
    let res = carol.post_form(&format!("{}/accept", url(&token)), &[("csrf_token", &csrf)]);
    assert_eq!(res.status, 409);
    assert!(
        res.body.contains("was sent to dave@wayne.example"),
        "{}",
        res.body
    );
    assert_eq!(app.count("memberships"), members);
    assert_eq!(status_of(&app, &token), "pending");

    // Not signed in: sign in first, and come back.
    let anonymous = app.client();
    let res = anonymous.submit(&url(&token), &format!("{}/accept", url(&token)), &[]);
    assert_eq!(res.status, 303);
    assert!(
        res.location().starts_with("/signin?next="),
        "{}",
        res.location()
    );
    assert_eq!(app.count("memberships"), members);

    // Resent: the old link is dead, the new one works.
    let page = users_page(&wayne.id);
    let id: String = role_invitations::table
        .filter(role_invitations::email_key.eq("dave@wayne.example"))
        .select(role_invitations::id)
        .first(&mut app.conn())
        .unwrap();
    let res = bruce.submit(&page, &format!("{page}/invitations/{id}/resend"), &[]);
    assert_eq!(res.status, 303);
    let new_token = role_token(&app, "dave@wayne.example");
    assert_ne!(new_token, token);
    let old = app.client().get(&url(&token));
    assert_eq!(old.status, 404);
    assert!(old.body.contains("This invitation link is not valid"));
    let (dave, dave_user) = app.signed_in("dave@wayne.example", false);
    let dave_csrf = dave.csrf("/profile");
    let res = dave.post_form(
        &format!("{}/accept", url(&token)),
        &[("csrf_token", &dave_csrf)],
    );
    assert_eq!(res.status, 404);
    assert_eq!(app.count("memberships"), members);
    assert!(
        app.audit_actions()
            .contains(&"role_invitation.resent".to_string())
    );

    // Revoked: the new link stops working too, and says so.
    let res = bruce.submit(&page, &format!("{page}/invitations/{id}/revoke"), &[]);
    assert_eq!(res.status, 303);
    assert!(bruce.get(&page).body.contains("was revoked"));
    let open = dave.get(&url(&new_token));
    assert!(
        open.body.contains("This invitation is Revoked."),
        "{}",
        open.body
    );
    let res = dave.post_form(
        &format!("{}/accept", url(&new_token)),
        &[("csrf_token", &dave_csrf)],
    );
    assert_eq!(res.status, 409);
    assert_eq!(app.count("memberships"), members);
    let mut conn = app.conn();
    assert!(
        authz::access(&mut conn, &dave_user.id, &wayne.id)
            .unwrap()
            .is_empty()
    );
    // A revoked invitation cannot be resent or revoked again.
    drop(conn);
    let res = bruce.submit(&page, &format!("{page}/invitations/{id}/resend"), &[]);
    assert_eq!(res.status, 303);
    assert!(
        bruce
            .get(&page)
            .body
            .contains("This invitation is Revoked and can no longer be changed.")
    );
}

#[test]
fn bad_input_on_the_invite_form_stores_nothing() {
    let app = TestApp::start();
    let (bruce, _) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", None, "bruce@wayne.example");
    app.create_user("lex@lexcorp.example", false);
    let lexcorp = tenant(&app, "LexCorp", None, "lex@lexcorp.example");
    let operator = role_id(&app, &wayne.id, "Operator");
    let lex_role = role_id(&app, &lexcorp.id, "Operator");
    let long = format!("{}@wayne.example", "a".repeat(300));
    let counts = || (app.count("role_invitations"), app.count("outbox"));
    let before = counts();
    for (email, role, message) in [
        ("", operator.as_str(), "Enter an email address."),
        (
            "not an address",
            operator.as_str(),
            "Enter a valid email address",
        ),
        (long.as_str(), operator.as_str(), "at most 254 characters"),
        (
            "ok@wayne.example",
            "no-such-role",
            "Choose one of the roles of this account.",
        ),
        (
            "ok@wayne.example",
            lex_role.as_str(),
            "Choose one of the roles of this account.",
        ),
        (
            "ok@wayne.example",
            "",
            "Choose one of the roles of this account.",
        ),
    ] {
        let res = invite_on_page(&bruce, &wayne.id, email, role);
        assert_eq!(res.status, 422, "{email} {role}");
        assert!(res.body.contains(message), "{message}: {}", res.body);
        assert!(res.body.contains("Nothing was sent."));
        assert_eq!(counts(), before);
    }
    // A second pending invitation of the same address to the same role offers Resend.
    assert_eq!(
        invite_on_page(&bruce, &wayne.id, "ok@wayne.example", &operator).status,
        303
    );
    let before = counts();
    let res = invite_on_page(&bruce, &wayne.id, "OK@wayne.example", &operator);
    assert_eq!(res.status, 422);
    assert!(
        res.body.contains("is already pending. Use Resend"),
        "{}",
        res.body
    );
    assert!(res.body.contains("Resend the invitation"));
    assert_eq!(counts(), before);
    // The same address to another role is another invitation.
    let read_only = role_id(&app, &wayne.id, "Read-only");
    assert_eq!(
        invite_on_page(&bruce, &wayne.id, "ok@wayne.example", &read_only).status,
        303
    );
}

#[test]
fn escalation_is_refused_and_changes_nothing() {
    let app = TestApp::start();
    app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", None, "bruce@wayne.example");
    let inviter_role = custom_role(
        &app,
        &wayne.id,
        "Team lead",
        "this_and_sub",
        &[
            Permission::TenantView,
            Permission::CustomersView,
            Permission::UsersInvite,
        ],
    );
    let (op, op_user) = app.signed_in("op@wayne.example", false);
    add_member(&app, &op_user, &inviter_role, &wayne.id);

    let page = op.get(&users_page(&wayne.id));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(">Team lead</option>"));
    assert!(
        !page.body.contains(">Account owner</option>"),
        "only roles within the viewer's own"
    );
    assert!(!page.body.contains(">Operator</option>"));

    let counts = || {
        (
            app.count("role_invitations"),
            app.count("outbox"),
            app.count("memberships"),
        )
    };
    let before = counts();
    let owner = role_id(&app, &wayne.id, "Account owner");
    let res = invite_on_page(&op, &wayne.id, "friend@wayne.example", &owner);
    assert_eq!(res.status, 403);
    assert!(
        res.body
            .contains("roles whose permissions you hold yourself"),
        "{}",
        res.body
    );
    let res = invite_on_page(&op, &wayne.id, "OP@wayne.example", &inviter_role);
    assert_eq!(res.status, 403);
    assert!(
        res.body.contains("You cannot invite yourself"),
        "{}",
        res.body
    );
    assert_eq!(counts(), before);
    assert_eq!(app.audit_actions()[0], "authz.refused");

    // Within their own permissions they may invite.
    assert_eq!(
        invite_on_page(&op, &wayne.id, "friend@wayne.example", &inviter_role).status,
        303
    );

    // Someone who may see the account but not invite gets 403; a stranger 404.
    let (viewer, viewer_user) = app.signed_in("viewer@wayne.example", false);
    add_member(
        &app,
        &viewer_user,
        &role_id(&app, &wayne.id, "Read-only"),
        &wayne.id,
    );
    assert_eq!(viewer.get(&users_page(&wayne.id)).status, 403);
    let (stranger, _) = app.signed_in("stranger@else.example", false);
    assert_eq!(stranger.get(&users_page(&wayne.id)).status, 404);
}

#[test]
fn concurrent_accepts_of_one_token_make_one_membership() {
    let app = TestApp::start();
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", None, "bruce@wayne.example");
    let token = invite(&app, &bruce, &wayne.id, "alfred@wayne.example", "Operator");
    let alfred = app.create_user("alfred@wayne.example", false);
    let members = app.count("memberships");
    let results: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = app.pool.get().unwrap();
                    ri::accept(&mut conn, &app.settings, &alfred, &token).is_ok()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|ok| **ok).count(), 1, "{results:?}");
    assert_eq!(app.count("memberships"), members + 1);
    assert_eq!(status_of(&app, &token), "accepted");
}
