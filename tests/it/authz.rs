//! The one authorization function (DESIGN §3) on real data: roles flowing down the tree, grants
//! capped by their limiting role, and grants that never chain.

use crate::common::TestApp;
use liaison::authz;
use liaison::domain::permission::Permission;
use liaison::services::links::{self, AcceptInto, InvitationKey, Invite};
use liaison::services::tenants::{self, NewTenant, Tenant};

fn tenant(app: &TestApp, name: &str, partner: bool, parent: Option<&str>, owner: &str) -> Tenant {
    tenants::create(
        &mut app.conn(),
        NewTenant {
            name,
            is_partner: partner,
            parent_id: parent,
            owner_email: owner,
        },
        None,
    )
    .unwrap()
}

fn role_id(app: &TestApp, tenant_id: &str, name: &str) -> String {
    links::access_levels(&mut app.conn(), tenant_id)
        .unwrap()
        .into_iter()
        .find(|l| l.name == name)
        .unwrap()
        .role_id
}

/// The token of the newest invitation, read from the mail in the outbox as a customer would.
pub fn emailed_token(app: &TestApp, to: &str) -> String {
    use diesel::prelude::*;
    use liaison::db::schema::outbox;
    let body: String = outbox::table
        .filter(outbox::to_address.eq(to))
        .filter(outbox::template.eq("partner_invitation"))
        .order(outbox::id.desc())
        .select(outbox::body_text)
        .first(&mut app.conn())
        .unwrap();
    let start = body.find("/invitations/").expect("the email has the link") + "/invitations/".len();
    body[start..].split_whitespace().next().unwrap().to_string()
}

#[test]
fn roles_flow_down_the_tree_and_grants_are_capped() {
    let app = TestApp::start();
    let betty = app.create_user("betty@msp.example", false);
    let bruce = app.create_user("bruce@wayne.example", false);
    let msp = tenant(&app, "Betty's MSP", true, None, "betty@msp.example");
    let wayne = tenant(
        &app,
        "Wayne Enterprises",
        false,
        None,
        "bruce@wayne.example",
    );
    // The sub-accounts are owned by someone else: Bruce reaches them through his top role only.
    app.create_user("ops@wayne.example", false);
    let mut parent = wayne.id.clone();
    for depth in 1..=30 {
        parent = tenant(
            &app,
            &format!("Level {depth}"),
            false,
            Some(&parent),
            "ops@wayne.example",
        )
        .id;
    }
    let mut conn = app.conn();
    // The owner's role at the top applies 30 levels down.
    let deep = authz::access(&mut conn, &bruce.id, &parent).unwrap();
    assert!(deep.allows(Permission::RolesManage));
    assert_eq!(
        deep.explain(Permission::RolesManage),
        vec!["Account owner in Wayne Enterprises, which applies to its sub-accounts".to_string()]
    );
    // Betty sees nothing of Wayne yet: not even that it exists.
    let none = authz::access(&mut conn, &betty.id, &wayne.id).unwrap();
    assert!(none.is_empty());
    assert!(matches!(
        none.require(Permission::TenantView),
        Err(liaison::services::ServiceError::NotFound)
    ));

    let operator = role_id(&app, &msp.id, "Operator");
    links::invite(
        &mut conn,
        &app.settings,
        &betty,
        &msp.id,
        Invite {
            email: "bruce@wayne.example",
            access_level: &operator,
            message: "",
        },
    )
    .unwrap();
    let token = emailed_token(&app, "bruce@wayne.example");
    links::accept(
        &mut conn,
        &app.settings,
        &bruce,
        InvitationKey::Token(&token),
        AcceptInto::Existing(&wayne.id),
    )
    .unwrap();

    let through = authz::access(&mut conn, &betty.id, &wayne.id).unwrap();
    assert!(
        through.allows(Permission::CustomersLogin),
        "Operator allows it"
    );
    assert!(
        !through.allows(Permission::TenantManage),
        "capped by Operator"
    );
    assert!(!through.allows(Permission::RolesManage));
    assert_eq!(
        through.explain(Permission::TenantView),
        vec![
            "Account owner in Betty's MSP → partner link to Wayne Enterprises, limited to Operator"
                .to_string()
        ]
    );
    assert!(through.only_grant().is_some());
    // Grants never flow down to the customer's sub-accounts nor chain further.
    assert!(
        authz::access(&mut conn, &betty.id, &parent)
            .unwrap()
            .is_empty()
    );
}
