//! "People with access" on the Users & roles page: every membership giving access, ancestors'
//! roles included; Revoke with confirmation ends the access on the next request; the last
//! Account owner stays; another tenant's ids are 404.

use crate::common::TestApp;
use crate::invitations::mails;
use crate::role_invitations::{add_member, custom_role, invite, role_id, tenant, users_page};
use diesel::prelude::*;
use liaison::db::schema::{memberships, role_invitations};
use liaison::domain::permission::Permission;
use liaison::services::role_invitations as ri;

fn membership_of(app: &TestApp, user_id: &str, role_id: &str) -> Option<String> {
    memberships::table
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::role_id.eq(role_id))
        .select(memberships::id)
        .first(&mut app.conn())
        .optional()
        .unwrap()
}

fn revoke_url(tenant_id: &str, membership_id: &str) -> String {
    format!("/accounts/{tenant_id}/users/memberships/{membership_id}/revoke")
}

#[test]
fn the_page_lists_ancestor_roles_that_apply_here() {
    let app = TestApp::start();
    let (bruce, bruce_user) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", None, "bruce@wayne.example");
    let ops = app.create_user("ops@east.example", false);
    let east = tenant(&app, "Wayne East", Some(&wayne.id), "ops@east.example");
    // A role at the top for that account only does not reach the sub-account.
    let here_only = custom_role(
        &app,
        &wayne.id,
        "Front desk",
        "this",
        &[Permission::TenantView],
    );
    let desk = app.create_user("desk@wayne.example", false);
    add_member(&app, &desk, &here_only, &wayne.id);
    let sub_only = custom_role(
        &app,
        &wayne.id,
        "Field team",
        "sub_only",
        &[Permission::TenantView],
    );
    let field = app.create_user("field@wayne.example", false);
    add_member(&app, &field, &sub_only, &wayne.id);

    let page = bruce.get(&users_page(&east.id));
    assert_eq!(page.status, 200, "{}", page.body);
    let people = &page.body[page.body.find("People with access").unwrap()..];
    assert!(people.contains("bruce@wayne.example"));
    assert!(people.contains("Defined in Wayne Enterprises, applies to its sub-accounts"));
    assert!(people.contains("ops@east.example"));
    assert!(people.contains("Defined here: this account and sub-accounts"));
    assert!(people.contains("field@wayne.example") && people.contains("Field team"));
    assert!(
        !people.contains("desk@wayne.example"),
        "a role for the top account only"
    );
    // Bruce, owner above, holds every permission of East's roles there: he may revoke them.
    let ops_membership =
        membership_of(&app, &ops.id, &role_id(&app, &east.id, "Account owner")).unwrap();
    assert!(people.contains(&revoke_url(&east.id, &ops_membership)));

    let top = bruce.get(&users_page(&wayne.id));
    let people = &top.body[top.body.find("People with access").unwrap()..];
    assert!(people.contains("desk@wayne.example"));
    assert!(!people.contains("field@wayne.example"), "only sub-accounts");
    assert!(
        !people.contains("ops@east.example"),
        "a sub-account's roles do not reach up"
    );
    assert!(people.contains(&bruce_user.email));
}

#[test]
fn revoking_a_membership_ends_access_on_the_next_request() {
    let app = TestApp::start();
    let (bruce, bruce_user) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", None, "bruce@wayne.example");
    let east = tenant(&app, "Wayne East", Some(&wayne.id), "bruce@wayne.example");
    let token = invite(
        &app,
        &bruce_user,
        &wayne.id,
        "alfred@wayne.example",
        "Operator",
    );
    let (alfred, alfred_user) = app.signed_in("alfred@wayne.example", false);
    ri::accept(&mut app.conn(), &app.settings, &alfred_user, &token).unwrap();
    assert_eq!(alfred.get(&format!("/accounts/{}", wayne.id)).status, 200);
    assert_eq!(alfred.get(&format!("/accounts/{}", east.id)).status, 200);

    let membership =
        membership_of(&app, &alfred_user.id, &role_id(&app, &wayne.id, "Operator")).unwrap();
    // From the sub-account's page: the ancestor's role is listed there, and revocable.
    let confirm = bruce.get(&revoke_url(&east.id, &membership));
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        confirm
            .body
            .contains("Revoke Operator of alfred@wayne.example?")
    );
    // GET changed nothing.
    assert!(membership_of(&app, &alfred_user.id, &role_id(&app, &wayne.id, "Operator")).is_some());
    let res = bruce.submit(
        &revoke_url(&east.id, &membership),
        &revoke_url(&east.id, &membership),
        &[],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location(), users_page(&east.id));
    let page = bruce.get(&users_page(&east.id));
    assert!(
        page.body
            .contains("alfred@wayne.example no longer has the role Operator in Wayne Enterprises")
    );

    assert_eq!(alfred.get(&format!("/accounts/{}", wayne.id)).status, 404);
    assert_eq!(alfred.get(&format!("/accounts/{}", east.id)).status, 404);
    assert_eq!(mails(&app, "alfred@wayne.example", "membership_revoked"), 1);
    assert_eq!(app.audit_actions()[0], "membership.revoked");
    // Twice: it is gone.
    let again = bruce.submit(
        &users_page(&east.id),
        &revoke_url(&east.id, &membership),
        &[],
    );
    assert_eq!(again.status, 404);
}

#[test]
fn the_last_account_owner_stays_and_roles_above_yours_cannot_be_revoked() {
    let app = TestApp::start();
    let (bruce, bruce_user) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", None, "bruce@wayne.example");
    let owner = role_id(&app, &wayne.id, "Account owner");
    let own = membership_of(&app, &bruce_user.id, &owner).unwrap();
    let res = bruce.submit(&users_page(&wayne.id), &revoke_url(&wayne.id, &own), &[]);
    assert_eq!(res.status, 303);
    let page = bruce.get(&users_page(&wayne.id));
    assert!(
        page.body
            .contains("is the only Account owner of Wayne Enterprises"),
        "{}",
        page.body
    );
    assert!(membership_of(&app, &bruce_user.id, &owner).is_some());

    // A team lead with users.invite cannot revoke the owner.
    let lead_role = custom_role(
        &app,
        &wayne.id,
        "Team lead",
        "this_and_sub",
        &[Permission::TenantView, Permission::UsersInvite],
    );
    let (lead, lead_user) = app.signed_in("lead@wayne.example", false);
    add_member(&app, &lead_user, &lead_role, &wayne.id);
    let page = lead.get(&users_page(&wayne.id));
    assert!(!page.body.contains(&revoke_url(&wayne.id, &own)));
    assert!(page.body.contains("Above your role"));
    assert_eq!(lead.get(&revoke_url(&wayne.id, &own)).status, 403);
    let res = lead.submit(&users_page(&wayne.id), &revoke_url(&wayne.id, &own), &[]);
    assert_eq!(res.status, 403);
    assert!(membership_of(&app, &bruce_user.id, &owner).is_some());
    assert_eq!(app.audit_actions()[0], "authz.refused");
}

#[test]
fn another_tenants_ids_are_not_found_on_every_route() {
    let app = TestApp::start();
    let (bruce, _) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", None, "bruce@wayne.example");
    let lex = app.create_user("lex@lexcorp.example", false);
    let lexcorp = tenant(&app, "LexCorp", None, "lex@lexcorp.example");
    let token = invite(&app, &lex, &lexcorp.id, "mercy@lexcorp.example", "Operator");
    let invitation: String = role_invitations::table
        .filter(role_invitations::tenant_id.eq(&lexcorp.id))
        .select(role_invitations::id)
        .first(&mut app.conn())
        .unwrap();
    let lex_membership =
        membership_of(&app, &lex.id, &role_id(&app, &lexcorp.id, "Account owner")).unwrap();
    let counts = || {
        (
            app.count("role_invitations"),
            app.count("memberships"),
            app.count("outbox"),
        )
    };
    let before = counts();
    let mine = users_page(&wayne.id);
    assert_eq!(bruce.get(&users_page(&lexcorp.id)).status, 404);
    let lex_role = role_id(&app, &lexcorp.id, "Read-only");
    let res = bruce.submit(
        &mine,
        &format!("{}/invitations", users_page(&lexcorp.id)),
        &[("email", "x@else.example"), ("role", &lex_role)],
    );
    assert_eq!(res.status, 404);
    for tenant_id in [&wayne.id, &lexcorp.id] {
        let base = users_page(tenant_id);
        for action in ["resend", "revoke"] {
            let res = bruce.submit(
                &mine,
                &format!("{base}/invitations/{invitation}/{action}"),
                &[],
            );
            assert_eq!(res.status, 404, "{tenant_id} {action}");
        }
        assert_eq!(
            bruce.get(&revoke_url(tenant_id, &lex_membership)).status,
            404
        );
        let res = bruce.submit(&mine, &revoke_url(tenant_id, &lex_membership), &[]);
        assert_eq!(res.status, 404);
    }
    assert_eq!(counts(), before);
    assert_eq!(
        ri::invitation(&mut app.conn(), &token)
            .unwrap()
            .invitation
            .status,
        "pending"
    );
}
