//! Account Management over HTTP: the partner's list with tabs, search and pages; adding,
//! resending and deleting accounts, with and without htmx; bad input; other tenants' ids.

mod acting;
mod actions;
mod isolation;

use crate::authz::emailed_token;
use crate::common::{Client, PASSWORD, Resp, TestApp};
use diesel::prelude::*;
use liaison::db::schema::{access_grants, memberships, outbox};
use liaison::services::links::{self, AcceptInto, InvitationKey, Invite};
use liaison::services::tenants::{self, NewTenant, Tenant};
use liaison::services::users::User;

pub fn tenant(app: &TestApp, name: &str, partner: bool, owner: &str) -> Tenant {
    let input = NewTenant {
        name,
        is_partner: partner,
        parent_id: None,
        owner_email: owner,
    };
    tenants::create(&mut app.conn(), input, None).unwrap()
}

pub fn level(app: &TestApp, tenant_id: &str, name: &str) -> String {
    links::access_levels(&mut app.conn(), tenant_id)
        .unwrap()
        .into_iter()
        .find(|l| l.name == name)
        .unwrap()
        .role_id
}

/// A partner admin signed in, with their partner tenant.
pub fn partner(app: &TestApp, name: &str, email: &str) -> (Client, User, Tenant) {
    let (client, user) = app.signed_in(email, false);
    let tenant = tenant(app, name, true, email);
    (client, user, tenant)
}

pub fn invite(app: &TestApp, by: &User, partner: &Tenant, email: &str) -> String {
    let admin = level(app, &partner.id, "Administrator");
    let input = Invite {
        email,
        access_level: &admin,
        message: "",
    };
    links::invite(&mut app.conn(), &app.settings, by, &partner.id, input)
        .unwrap()
        .link
        .id
}

/// A customer that accepted the partner's invitation (Operator access): (admin, tenant, link).
pub fn connected(
    app: &TestApp,
    by: &User,
    partner: &Tenant,
    email: &str,
    name: &str,
) -> (User, Tenant, String) {
    let admin = app.create_user(email, false);
    let customer = tenant(app, name, false, email);
    let operator = level(app, &partner.id, "Operator");
    let input = Invite {
        email,
        access_level: &operator,
        message: "",
    };
    let link = links::invite(&mut app.conn(), &app.settings, by, &partner.id, input).unwrap();
    let token = emailed_token(app, email);
    links::accept(
        &mut app.conn(),
        &app.settings,
        &admin,
        InvitationKey::Token(&token),
        AcceptInto::Existing(&customer.id),
    )
    .unwrap();
    (admin, customer, link.link.id)
}

/// A user holding a built-in role in a tenant, signed in.
pub fn member(app: &TestApp, tenant: &Tenant, role: &str, email: &str) -> (Client, User) {
    let user = app.create_user(email, false);
    diesel::insert_into(memberships::table)
        .values((
            memberships::id.eq(liaison::services::new_id()),
            memberships::user_id.eq(&user.id),
            memberships::role_id.eq(level(app, &tenant.id, role)),
            memberships::tenant_id.eq(&tenant.id),
            memberships::created_at.eq(liaison::services::now()),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let client = app.client();
    assert_eq!(client.sign_in(email, PASSWORD).status, 303);
    (client, user)
}

/// Posts a form with the session's CSRF token, as the page would.
pub fn post(client: &Client, action: &str, fields: &[(&str, &str)]) -> Resp {
    client.submit("/", action, fields)
}

/// Posts as htmx does: the token in the header, HX-Request set.
pub fn hx_post(client: &Client, action: &str, fields: &[(&str, &str)]) -> Resp {
    let token = client.csrf("/");
    client.post_form_with(
        action,
        fields,
        &[("X-CSRF-Token", &token), ("HX-Request", "true")],
    )
}

pub fn rows(body: &str) -> usize {
    body.matches("<tr id=\"link-").count()
}

/// What the database holds about links and mail, to check that a refusal changed nothing.
/// Each link's id, status and token hash.
type LinkState = Vec<(String, String, Option<String>)>;

pub fn snapshot(app: &TestApp) -> (i64, i64, LinkState) {
    let links: LinkState = access_grants::table
        .order(access_grants::id)
        .select((
            access_grants::id,
            access_grants::status,
            access_grants::token_hash,
        ))
        .load(&mut app.conn())
        .unwrap();
    (app.count("access_grants"), app.count("outbox"), links)
}

/// The address of the link with this text, as a browser reads it.
fn href_after(body: &str, text: &str) -> String {
    let end = body.find(text).unwrap_or_else(|| panic!("no {text:?}"));
    let start = body[..end].rfind("<a href=\"").unwrap() + "<a href=\"".len();
    let stop = start + body[start..].find('"').unwrap();
    body[start..stop]
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

#[test]
fn the_list_filters_searches_and_pages() {
    let app = TestApp::start();
    let (client, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let base = format!("/accounts/{}/customers", msp.id);
    let empty = client.get(&base);
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("No customer accounts yet."));
    assert!(empty.body.contains("+ Add new Account"));

    connected(&app, &betty, &msp, "bruce@wayne.example", "Wayne Corp");
    for i in 0..55 {
        invite(&app, &betty, &msp, &format!("c{i:02}@customer.example"));
    }
    let page = client.get(&base);
    assert_eq!(page.status, 200);
    for header in [
        "Email",
        "Account Number",
        "Status",
        "Action",
        "Delete Account",
    ] {
        assert!(
            page.body
                .contains(&format!("<th scope=\"col\">{header}</th>"))
        );
    }
    assert_eq!(rows(&page.body), 50);
    // Newest first: the last invitation heads the list.
    let first = page.body.find("c54@customer.example").unwrap();
    assert!(first < page.body.find("c53@customer.example").unwrap());
    assert!(!page.body.contains("bruce@wayne.example"));
    let older = href_after(&page.body, ">Older</a>");
    assert!(older.contains("before="), "{older}");
    let second = client.get(&older);
    assert_eq!(rows(&second.body), 6);
    assert!(second.body.contains("bruce@wayne.example"));
    assert!(second.body.contains("c00@customer.example"));
    assert!(second.body.contains(">First page</a>"));
    assert!(!second.body.contains(">Older</a>"));

    let connected_tab = client.get(&format!("{base}?status=connected"));
    assert_eq!(rows(&connected_tab.body), 1);
    assert!(connected_tab.body.contains("Wayne Corp"));
    assert!(connected_tab.body.contains(">Connected</span>"));
    assert!(connected_tab.body.contains(">Login</button>"));
    assert!(
        connected_tab
            .body
            .contains("aria-current=\"page\">Connected</a>")
    );
    let pending = client.get(&format!("{base}?status=pending"));
    assert_eq!(rows(&pending.body), 50);
    assert!(!pending.body.contains("Wayne Corp"));
    let older = href_after(&pending.body, ">Older</a>");
    assert!(older.contains("status=pending"), "{older}");
    assert_eq!(rows(&client.get(&older).body), 5);
    let declined = client.get(&format!("{base}?status=declined"));
    assert_eq!(rows(&declined.body), 0);
    assert!(declined.body.contains("No Declined accounts."));

    let by_email = client.get(&format!("{base}?q=C07%40"));
    assert_eq!(rows(&by_email.body), 1);
    assert!(by_email.body.contains("c07@customer.example"));
    let by_name = client.get(&format!("{base}?q=wayne"));
    assert_eq!(rows(&by_name.body), 1);
    assert!(by_name.body.contains("bruce@wayne.example"));
    let nothing = client.get(&format!("{base}?q=nobody&status=pending"));
    assert_eq!(rows(&nothing.body), 0);
    assert!(nothing.body.contains("No account matches “nobody”"));

    // htmx swaps the table region only, rendered from the same partial.
    let fragment = client.get_with(
        &format!("{base}?status=connected"),
        &[("HX-Request", "true")],
    );
    assert_eq!(fragment.status, 200);
    assert!(!fragment.body.contains("<html"));
    assert!(fragment.body.contains("id=\"customers-rows\""));
    assert_eq!(rows(&fragment.body), 1);

    // One watcher asks about the page's 50 pending rows; a page without any has none.
    assert_eq!(page.body.matches("hx-trigger=\"every 5s\"").count(), 1);
    let watched = page.body.split("<div id=\"watch-page\"").nth(1).unwrap();
    let ids = watched
        .split("ids=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(ids.split(',').count(), 50);
    assert!(!connected_tab.body.contains("hx-trigger"));
}

#[test]
fn adding_an_account_sends_the_invitation() {
    let app = TestApp::start();
    let (client, _, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let base = format!("/accounts/{}/customers", msp.id);
    let form = client.get(&format!("{base}/new"));
    assert_eq!(form.status, 200);
    assert!(form.body.contains("<label for=\"email\">"));
    assert!(form.body.contains("<label for=\"access_level\">"));
    assert!(form.body.contains("<label for=\"message\">"));
    let admin = level(&app, &msp.id, "Administrator");
    assert!(form.body.contains(&format!(
        "<option value=\"{admin}\" selected>Administrator</option>"
    )));
    assert!(form.body.contains("Everything except managing roles"));
    assert!(form.body.contains("change nothing"));

    let operator = level(&app, &msp.id, "Operator");
    let res = client.submit(
        &format!("{base}/new"),
        &base,
        &[
            ("email", " Alfred@Wayne.example "),
            ("access_level", &operator),
            ("message", "Hello from Acme"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location(), base);
    let list = client.get(&base);
    assert!(
        list.body
            .contains("Invitation sent to Alfred@Wayne.example.")
    );
    assert_eq!(rows(&list.body), 1);
    assert!(list.body.contains(">Pending</span>"));
    assert!(list.body.contains("<td>Operator</td>"));
    let body: String = outbox::table
        .filter(outbox::to_address.eq("Alfred@Wayne.example"))
        .select(outbox::body_text)
        .first(&mut app.conn())
        .unwrap();
    assert!(body.contains(&app.settings.link("/invitations/")));
    assert!(body.contains("Hello from Acme"));
}

#[test]
fn bad_input_is_refused_next_to_the_field_and_stores_nothing() {
    let app = TestApp::start();
    let (client, _, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let base = format!("/accounts/{}/customers", msp.id);
    let admin = level(&app, &msp.id, "Administrator");
    let long_email = format!("{}@example.com", "a".repeat(250));
    let long_message = "m".repeat(1001);
    let cases: [(&str, &str, &str, &str, &str); 5] = [
        ("", &admin, "", "email", "Enter an email address."),
        ("not-an-email", &admin, "", "email", "email"),
        (&long_email, &admin, "", "email", "at most 254 characters"),
        (
            "ok@customer.example",
            "nope",
            "",
            "access_level",
            "Choose one of the access levels.",
        ),
        (
            "ok@customer.example",
            &admin,
            &long_message,
            "message",
            "at most 1000 characters",
        ),
    ];
    let before = snapshot(&app);
    for (email, access_level, message, field, words) in cases {
        let fields = [
            ("email", email),
            ("access_level", access_level),
            ("message", message),
        ];
        let res = post(&client, &base, &fields);
        assert_eq!(res.status, 422, "{field}: {}", res.body);
        assert!(res.body.contains("<html"), "a full page without JavaScript");
        let error = format!("<p class=\"field-error\" id=\"{field}-error\">");
        let at = res
            .body
            .find(&error)
            .unwrap_or_else(|| panic!("{field}: {}", res.body));
        assert!(res.body[at..].contains(words), "{field}: {words}");
        assert!(res.body.contains("Nothing was sent."));
        let htmx = hx_post(&client, &base, &fields);
        assert_eq!(htmx.status, 422);
        assert!(!htmx.body.contains("<html"));
        assert!(htmx.body.contains("<dialog") && htmx.body.contains(&error));
    }
    assert_eq!(snapshot(&app), before);
}
