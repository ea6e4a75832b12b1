//! The customer's side of a partner link over HTTP: open the emailed invitation, create an account
//! or sign in, accept into a new or existing account, or decline; and every way it can go wrong.

use crate::authz::emailed_token;
use crate::common::{Client, PASSWORD, Resp, TestApp, csrf_in};
use diesel::prelude::*;
use liaison::db::schema::outbox;
use liaison::services::links::{self, Invite, Link};
use liaison::services::tenants::{self, NewTenant, Tenant};
use liaison::services::users::User;

pub const ALREADY_LINKED: &str = "The associated account is already linked to another tenant.";

pub fn tenant(app: &TestApp, name: &str, partner: bool, owner: &str) -> Tenant {
    tenants::create(
        &mut app.conn(),
        NewTenant {
            name,
            is_partner: partner,
            parent_id: None,
            owner_email: owner,
        },
        None,
    )
    .unwrap()
}

/// A partner tenant with its admin.
pub fn partner(app: &TestApp, name: &str, admin: &str) -> (User, Tenant) {
    let user = app.create_user(admin, false);
    (user, tenant(app, name, true, admin))
}

/// The partner invites `email` at the Operator level; answers the link id and the emailed token.
pub fn invite(app: &TestApp, inviter: &User, partner: &Tenant, email: &str) -> (String, String) {
    let level = links::access_levels(&mut app.conn(), &partner.id)
        .unwrap()
        .into_iter()
        .find(|l| l.name == "Operator")
        .unwrap();
    let row = links::invite(
        &mut app.conn(),
        &app.settings,
        inviter,
        &partner.id,
        Invite {
            email,
            access_level: &level.role_id,
            message: "Hello from your MSP",
        },
    )
    .unwrap();
    (row.link.id, emailed_token(app, email))
}

pub fn link(app: &TestApp, id: &str) -> Link {
    links::find(&mut app.conn(), id).unwrap().unwrap()
}

/// Messages of one template to one address in the outbox.
pub fn mails(app: &TestApp, to: &str, template: &str) -> i64 {
    outbox::table
        .filter(outbox::to_address.eq(to))
        .filter(outbox::template.eq(template))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// Posts a form of the page at `page` with that page's CSRF token.
pub fn post(client: &Client, page: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
    client.submit(page, action, fields)
}

pub fn url(token: &str) -> String {
    format!("/invitations/{token}")
}

/// What must not change when an answer is refused.
pub fn snapshot(app: &TestApp, link_id: &str) -> (String, Option<String>, i64, i64, i64) {
    let l = link(app, link_id);
    (
        l.status,
        l.owner_tenant_id,
        app.count("tenants"),
        app.count("users"),
        app.count("outbox"),
    )
}

#[test]
fn opening_an_invitation_shows_it_and_changes_nothing() {
    let app = TestApp::start();
    let (betty, msp) = partner(&app, "Betty MSP", "betty@msp.example");
    let (id, token) = invite(&app, &betty, &msp, "bruce@wayne.example");
    let events = app.count("audit_events");
    let before = snapshot(&app, &id);

    let page = app.client().get(&url(&token));
    assert_eq!(page.status, 200);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    for text in [
        "Betty MSP asks for access",
        "Operator",
        "Hello from your MSP",
        "bruce@wayne.example",
        "Expires",
        "Create your account",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(
        page.body
            .contains(&format!("href=\"/signin?next=/invitations/{token}\""))
    );
    // The invited address is shown, not an input the person could change.
    assert!(!page.body.contains("name=\"email\""));
    // Signed in with the invited address, the page only offers the answers.
    let (bruce, _) = app.signed_in("bruce@wayne.example", false);
    let page = bruce.get(&url(&token));
    assert!(page.body.contains(">Accept</button>"));
    assert!(page.body.contains(">Decline</button>"));

    assert_eq!(snapshot(&app, &id).0, "pending");
    assert_eq!(snapshot(&app, &id).1, before.1);
    // Only the sign-in happened meanwhile: opening the page recorded nothing.
    assert_eq!(
        app.count("audit_events"),
        events + 2,
        "user created, signed in"
    );
    assert_eq!(app.audit_actions()[0], "signin.succeeded");

    let unknown = app.client().get("/invitations/not-a-real-token");
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("This invitation link is not valid"));
    assert!(unknown.body.contains("check your email for the latest one"));
    assert_eq!(unknown.header("referrer-policy"), Some("no-referrer"));
}

#[test]
fn a_new_customer_registers_and_accepts_into_a_new_account() {
    let app = TestApp::start();
    let (betty, msp) = partner(&app, "Betty MSP", "betty@msp.example");
    let (id, token) = invite(&app, &betty, &msp, "Bruce@Wayne.example");
    let page = url(&token);
    let client = app.client();
    let users = app.count("users");

    // Bad input creates nothing and says what is wrong.
    for (fields, message) in [
        (
            vec![
                ("name", ""),
                ("password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
            "Enter a name.",
        ),
        (
            vec![
                ("name", "Bruce"),
                ("password", "short"),
                ("confirm_password", "short"),
            ],
            "at least 10 characters",
        ),
        (
            vec![
                ("name", "Bruce"),
                ("password", PASSWORD),
                ("confirm_password", "other one!"),
            ],
            "The two passwords do not match.",
        ),
        (
            vec![
                ("name", &"x".repeat(101)),
                ("password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
            "at most 100 characters",
        ),
        (
            vec![
                ("name", "Bruce"),
                ("password", &"p".repeat(257)),
                ("confirm_password", &"p".repeat(257)),
            ],
            "at most 256 characters",
        ),
    ] {
        let res = post(&client, &page, &format!("{page}/register"), &fields);
        assert_eq!(res.status, 422, "{fields:?}");
        assert!(res.body.contains(message), "{message}: {}", res.body);
        assert_eq!(app.count("users"), users);
    }

    let res = post(
        &client,
        &page,
        &format!("{page}/register"),
        &[
            ("name", "Bruce Wayne"),
            ("password", PASSWORD),
            ("confirm_password", PASSWORD),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location(), page);
    let bruce = app.user("bruce@wayne.example").expect("the account exists");
    assert_eq!(bruce.user_type, "full");
    let shown = client.get(&page);
    assert!(shown.body.contains("signed in as Bruce@Wayne.example"));
    // No account to choose from yet: the new account is named in the same step.
    assert!(shown.body.contains("You do not administer an account yet"));
    assert!(!shown.body.contains("<select id=\"tenant\""));

    let tenants = app.count("tenants");
    for (name, message) in [
        ("", "Enter a name."),
        (&*"w".repeat(101), "at most 100 characters"),
        ("betty msp", "An account with this name already exists."),
    ] {
        let res = post(
            &client,
            &page,
            &format!("{page}/accept"),
            &[("tenant", "new"), ("new_name", name)],
        );
        assert_eq!(res.status, 422, "{name}");
        assert!(res.body.contains(message), "{message}: {}", res.body);
        assert_eq!(app.count("tenants"), tenants);
        assert_eq!(link(&app, &id).status, "pending");
    }

    let res = post(
        &client,
        &page,
        &format!("{page}/accept"),
        &[("tenant", "new"), ("new_name", "Wayne Enterprises")],
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body
            .contains("You have accepted the request from Betty MSP")
    );
    let wayne = tenants::find_by_name(&mut app.conn(), "Wayne Enterprises")
        .unwrap()
        .unwrap();
    assert!(
        res.body
            .contains(&format!("/accounts/{}/partner-access", wayne.id))
    );
    let l = link(&app, &id);
    assert_eq!(l.status, "connected");
    assert_eq!(l.owner_tenant_id.as_deref(), Some(wayne.id.as_str()));
    assert_eq!(
        mails(&app, "betty@msp.example", "partner_invitation_answered"),
        1
    );

    // The same token again: refused, with what happened, and nothing more granted.
    let before = snapshot(&app, &id);
    let again = client.post_form(
        &format!("{page}/accept"),
        &[
            ("csrf_token", &csrf_in(&client.get(&page).body).unwrap()),
            ("tenant", "new"),
            ("new_name", "Second"),
        ],
    );
    assert_eq!(again.status, 409);
    assert!(
        again
            .body
            .contains("This invitation has already been accepted.")
    );
    let declined = post(
        &client,
        &page,
        &format!("{page}/decline"),
        &[("reason", "")],
    );
    assert_eq!(declined.status, 409);
    assert_eq!(snapshot(&app, &id), before);
    let shown = client.get(&page);
    assert!(shown.body.contains("This invitation is Connected."));
    assert!(!shown.body.contains(">Accept</button>"));

    // An address that already has an account signs in instead.
    app.create_user("alfred@wayne.example", false);
    let (_, token) = invite(&app, &betty, &msp, "alfred@wayne.example");
    let users = app.count("users");
    let res = post(
        &app.client(),
        &url(&token),
        &format!("{}/register", url(&token)),
        &[
            ("name", "Alfred"),
            ("password", PASSWORD),
            ("confirm_password", PASSWORD),
        ],
    );
    assert_eq!(res.status, 409);
    assert!(
        res.body
            .contains("An account with this email already exists. Sign in instead.")
    );
    assert_eq!(app.count("users"), users);
}

#[test]
fn an_existing_admin_accepts_into_one_of_their_accounts() {
    let app = TestApp::start();
    let (betty, msp) = partner(&app, "Betty MSP", "betty@msp.example");
    let (bruce, _) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Enterprises", false, "bruce@wayne.example");
    app.create_user("lex@luthor.example", false);
    let luthor = tenant(&app, "LexCorp", false, "lex@luthor.example");
    let (id, token) = invite(&app, &betty, &msp, "bruce@wayne.example");
    let page = url(&token);
    let shown = bruce.get(&page);
    assert!(
        shown
            .body
            .contains(&format!("<option value=\"{}\"", wayne.id))
    );
    assert!(shown.body.contains("Create a new account"));
    assert!(!shown.body.contains("LexCorp"));

    let before = snapshot(&app, &id);
    for tenant in [luthor.id.as_str(), "no-such-tenant", ""] {
        let res = post(
            &bruce,
            &page,
            &format!("{page}/accept"),
            &[("tenant", tenant)],
        );
        assert_eq!(res.status, 422, "{tenant}");
        assert!(
            res.body
                .contains("Choose one of the accounts you administer.")
        );
        assert_eq!(snapshot(&app, &id), before);
    }
    let res = post(
        &bruce,
        &page,
        &format!("{page}/accept"),
        &[("tenant", &wayne.id)],
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("You have accepted the request from"));
    let l = link(&app, &id);
    assert_eq!(l.status, "connected");
    assert_eq!(l.owner_tenant_id.as_deref(), Some(wayne.id.as_str()));
    assert_eq!(app.count("tenants"), before.2, "no account was created");
}

#[test]
fn declining_tells_the_partner_and_grants_nothing() {
    let app = TestApp::start();
    let (betty, msp) = partner(&app, "Betty MSP", "betty@msp.example");
    let (bruce, _) = app.signed_in("bruce@wayne.example", false);
    let (id, token) = invite(&app, &betty, &msp, "bruce@wayne.example");
    let page = url(&token);
    let before = snapshot(&app, &id);
    let res = post(
        &bruce,
        &page,
        &format!("{page}/decline"),
        &[("reason", &"r".repeat(1001))],
    );
    assert_eq!(res.status, 422);
    assert!(res.body.contains("at most 1000 characters"));
    assert_eq!(snapshot(&app, &id), before);

    let res = post(
        &bruce,
        &page,
        &format!("{page}/decline"),
        &[("reason", "We manage it ourselves.")],
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body
            .contains("You have declined the request from Betty MSP")
    );
    let l = link(&app, &id);
    assert_eq!(l.status, "declined");
    assert_eq!(l.owner_tenant_id, None);
    assert_eq!(l.end_reason.as_deref(), Some("We manage it ourselves."));
    assert_eq!(
        mails(&app, "betty@msp.example", "partner_invitation_answered"),
        1
    );
    let again = post(
        &bruce,
        &page,
        &format!("{page}/accept"),
        &[("tenant", "new"), ("new_name", "Wayne")],
    );
    assert_eq!(again.status, 409);
    assert!(again.body.contains("This invitation was declined."));
    assert_eq!(link(&app, &id).status, "declined");
}
