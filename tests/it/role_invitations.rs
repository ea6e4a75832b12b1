//! Invitations to roles over HTTP: invite from "Users & roles", the emailed link, register,
//! accept, and every way it can go wrong (expired, used, resent, revoked, wrong address, bad
//! input, escalation, another tenant's ids, concurrent accepts).

use crate::common::{Client, PASSWORD, Resp, TestApp};
use crate::invitations::mails;
use diesel::prelude::*;
use liaison::authz;
use liaison::db::schema::{memberships, outbox, role_permissions, roles};
use liaison::domain::permission::Permission;
use liaison::services::role_invitations as ri;
use liaison::services::tenants::{self, NewTenant, Tenant};
use liaison::services::users::User;

pub fn tenant(app: &TestApp, name: &str, parent: Option<&str>, owner: &str) -> Tenant {
    tenants::create(
        &mut app.conn(),
        NewTenant {
            name,
            is_partner: false,
            parent_id: parent,
            owner_email: owner,
        },
        None,
    )
    .unwrap()
}

pub fn role_id(app: &TestApp, tenant_id: &str, name: &str) -> String {
    roles::table
        .filter(roles::tenant_id.eq(tenant_id))
        .filter(roles::name.eq(name))
        .select(roles::id)
        .first(&mut app.conn())
        .unwrap()
}

/// A custom role made with direct inserts.
pub fn custom_role(
    app: &TestApp,
    tenant_id: &str,
    name: &str,
    applies_to: &str,
    permissions: &[Permission],
) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let mut conn = app.conn();
    diesel::insert_into(roles::table)
        .values((
            roles::id.eq(&id),
            roles::tenant_id.eq(tenant_id),
            roles::name.eq(name),
            roles::description.eq(format!("{name} (custom)")),
            roles::applies_to.eq(applies_to),
            roles::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut conn)
        .unwrap();
    for p in permissions {
        diesel::insert_into(role_permissions::table)
            .values((
                role_permissions::role_id.eq(&id),
                role_permissions::permission.eq(p.as_str()),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    id
}

/// A membership made with a direct insert; answers its id.
pub fn add_member(app: &TestApp, user: &User, role_id: &str, tenant_id: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(memberships::table)
        .values((
            memberships::id.eq(&id),
            memberships::user_id.eq(&user.id),
            memberships::role_id.eq(role_id),
            memberships::tenant_id.eq(tenant_id),
            memberships::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut app.conn())
        .unwrap();
    id
}

/// The token of the newest role invitation to `to`, read from the mail in the outbox.
pub fn role_token(app: &TestApp, to: &str) -> String {
    let body: String = outbox::table
        .filter(outbox::to_address.eq(to))
        .filter(outbox::template.eq("role_invitation"))
        .order(outbox::id.desc())
        .select(outbox::body_text)
        .first(&mut app.conn())
        .unwrap();
    let marker = "/role-invitations/";
    let start = body.find(marker).expect("the email has the link") + marker.len();
    body[start..].split_whitespace().next().unwrap().to_string()
}

pub fn users_page(tenant_id: &str) -> String {
    format!("/accounts/{tenant_id}/users")
}

pub fn invite_on_page(client: &Client, tenant_id: &str, email: &str, role: &str) -> Resp {
    let page = users_page(tenant_id);
    client.submit(
        &page,
        &format!("{page}/invitations"),
        &[("email", email), ("role", role)],
    )
}

/// The service path, for set-ups: invites and answers the emailed token.
pub fn invite(app: &TestApp, by: &User, tenant_id: &str, email: &str, role: &str) -> String {
    ri::invite(
        &mut app.conn(),
        &app.settings,
        by,
        tenant_id,
        email,
        &role_id(app, tenant_id, role),
    )
    .unwrap();
    role_token(app, email)
}

pub fn url(token: &str) -> String {
    format!("/role-invitations/{token}")
}

pub fn status_of(app: &TestApp, token: &str) -> String {
    ri::invitation(&mut app.conn(), token)
        .unwrap()
        .invitation
        .status
}

#[test]
fn invite_register_accept_gives_the_role_here_and_in_sub_accounts() {
    let app = TestApp::start();
    let (bruce, bruce_user) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", None, "bruce@wayne.example");
    let east = tenant(&app, "Wayne East", Some(&wayne.id), "bruce@wayne.example");

    let overview = bruce.get(&format!("/accounts/{}", wayne.id));
    assert!(
        overview
            .body
            .contains(&format!("href=\"{}\"", users_page(&wayne.id)))
    );
    let page = bruce.get(&users_page(&wayne.id));
    assert_eq!(page.status, 200, "{}", page.body);
    for text in [
        "Users &amp; roles",
        "<label for=\"email\">",
        "<label for=\"role\">",
        ">Account owner</option>",
    ] {
        assert!(page.body.contains(text), "{text}");
    }

    let operator = role_id(&app, &wayne.id, "Operator");
    let res = invite_on_page(&bruce, &wayne.id, "Alfred@Wayne.example", &operator);
    assert_eq!(res.status, 303, "{}", res.body);
    let page = bruce.get(&users_page(&wayne.id));
    assert!(
        page.body
            .contains("Invitation sent to Alfred@Wayne.example as Operator")
    );
    assert!(page.body.contains("Pending"));
    let token = role_token(&app, "Alfred@Wayne.example");

    // Opening the link shows the invitation and changes nothing.
    let (events, users) = (app.count("audit_events"), app.count("users"));
    let alfred = app.client();
    let open = alfred.get(&url(&token));
    assert_eq!(open.status, 200, "{}", open.body);
    assert_eq!(open.header("referrer-policy"), Some("no-referrer"));
    for text in [
        "Wayne Enterprises as Operator",
        "Create your account",
        "Log in to connected customer accounts",
    ] {
        assert!(open.body.contains(text), "{text}: {}", open.body);
    }
    assert!(
        open.body
            .contains(&format!("href=\"/signin?next=/role-invitations/{token}\""))
    );
    assert!(
        !open.body.contains("name=\"email\""),
        "the address is fixed"
    );
    assert_eq!(status_of(&app, &token), "pending");
    assert_eq!(
        (app.count("audit_events"), app.count("users")),
        (events, users)
    );

    // Register: bad input first, then the account.
    let res = alfred.submit(
        &url(&token),
        &format!("{}/register", url(&token)),
        &[
            ("name", "Alfred"),
            ("password", PASSWORD),
            ("confirm_password", "not the same"),
        ],
    );
    assert_eq!(res.status, 422);
    assert!(res.body.contains("The two passwords do not match."));
    assert_eq!(app.count("users"), users);
    let res = alfred.submit(
        &url(&token),
        &format!("{}/register", url(&token)),
        &[
            ("name", "Alfred"),
            ("password", PASSWORD),
            ("confirm_password", PASSWORD),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location(), url(&token));
    let open = alfred.get(&url(&token));
    assert!(open.body.contains(">Accept</button>"), "{}", open.body);

    let res = alfred.submit(&url(&token), &format!("{}/accept", url(&token)), &[]);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body
            .contains("You now have the role Operator in Wayne Enterprises")
    );
    assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
    let member = app.user("alfred@wayne.example").unwrap();
    let mut conn = app.conn();
    let here = authz::access(&mut conn, &member.id, &wayne.id).unwrap();
    assert!(here.allows(Permission::CustomersLogin));
    assert!(!here.allows(Permission::UsersInvite));
    let below = authz::access(&mut conn, &member.id, &east.id).unwrap();
    assert!(
        below.allows(Permission::CustomersLogin),
        "Operator applies to sub-accounts"
    );
    drop(conn);
    assert_eq!(
        mails(&app, &bruce_user.email, "role_invitation_accepted"),
        1
    );
    let actions = app.audit_actions();
    assert_eq!(actions[0], "role_invitation.accepted");
    assert!(actions.contains(&"role_invitation.sent".to_string()));
    // The accepted tab lists it.
    let page = bruce.get(&format!("{}?tab=accepted", users_page(&wayne.id)));
    assert!(
        page.body.contains("alfred@wayne.example") || page.body.contains("Alfred@Wayne.example")
    );

    // The same token twice: said, nothing more granted.
    let members = app.count("memberships");
    let again = alfred.submit(&url(&token), &format!("{}/accept", url(&token)), &[]);
    assert_eq!(again.status, 409);
    assert!(
        again.body.contains("already been accepted"),
        "{}",
        again.body
    );
    assert_eq!(app.count("memberships"), members);
}

#[test]
fn a_role_for_this_account_only_stops_at_sub_accounts() {
    let app = TestApp::start();
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", None, "bruce@wayne.example");
    let east = tenant(&app, "Wayne East", Some(&wayne.id), "bruce@wayne.example");
    custom_role(
        &app,
        &wayne.id,
        "Viewer here",
        "this",
        &[Permission::TenantView],
    );
    let token = invite(
        &app,
        &bruce,
        &wayne.id,
        "lucius@wayne.example",
        "Viewer here",
    );
    let lucius = app.create_user("lucius@wayne.example", false);
    let accepted = ri::accept(&mut app.conn(), &app.settings, &lucius, &token).unwrap();
    assert_eq!(accepted.role, "Viewer here");
    let mut conn = app.conn();
    assert!(
        authz::access(&mut conn, &lucius.id, &wayne.id)
            .unwrap()
            .allows(Permission::TenantView)
    );
    assert!(
        authz::access(&mut conn, &lucius.id, &east.id)
            .unwrap()
            .is_empty()
    );
}
