//! The whole partner link lifecycle over HTTP, as its users meet it: the partner adds a customer,
//! the mail is delivered, the customer follows the emailed link, creates an account and accepts,
//! the partner logs in to the customer's account, the customer removes the partner, and the
//! partner is out on its next request.

use crate::common::{Client, Options, TestApp, wait_until};
use std::time::Duration;

/// The first href on a page that starts with `prefix`.
fn href_starting(html: &str, prefix: &str) -> Option<String> {
    let marker = format!("href=\"{prefix}");
    let start = html.find(&marker)? + "href=\"".len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].replace("&amp;", "&"))
}

/// The first form action on a page that ends with `suffix`.
fn action_ending(html: &str, suffix: &str) -> Option<String> {
    html.split("action=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|action| action.ends_with(suffix))
        .map(str::to_string)
}

/// The newest delivered message to `to` whose subject contains `subject`, as the dev mailbox
/// shows it; answers the message page.
fn delivered(app: &TestApp, to: &str, subject: &str) -> String {
    let reader = app.client();
    let mut page = String::new();
    wait_until("the mail is delivered", Duration::from_secs(20), || {
        let list = reader.get("/dev/mailbox").body;
        let Some(row) = list
            .split("<tr>")
            .find(|r| r.contains(to) && r.contains(subject))
        else {
            return false;
        };
        let href = href_starting(row, "/dev/mailbox/").unwrap();
        page = reader.get(&href).body;
        true
    });
    page
}

#[test]
fn a_partner_link_from_invitation_to_removal() {
    let app = TestApp::start_with(Options {
        mail_worker: true,
        ..Options::default()
    });
    let (betty, _) = app.signed_in("betty@msp.example", false);
    let msp = app.create_partner("Betty's MSP", "betty@msp.example");
    let customers = format!("/accounts/{}/customers", msp.id);
    let empty = betty.get(&customers).body;
    assert!(
        empty.contains("No customer accounts yet. Choose"),
        "the empty state says what to do"
    );

    // Add: Email and the default access level from the form.
    let form = betty.get(&format!("{customers}/new")).body;
    let level = {
        let at = form.find("selected").expect("a default access level");
        let value = form[..at].rfind("value=\"").unwrap() + "value=\"".len();
        form[value..].split('"').next().unwrap().to_string()
    };
    let added = betty.submit(
        &format!("{customers}/new"),
        &customers,
        &[
            ("email", "bruce@wayne.example"),
            ("access_level", &level),
            ("message", "Hi Bruce"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let list = betty.get(&customers).body;
    assert!(list.contains("Invitation sent to bruce@wayne.example."));
    assert!(list.contains("Pending"));

    // The customer follows the delivered link.
    let mail = delivered(
        &app,
        "bruce@wayne.example",
        "Betty&#39;s MSP asks for access",
    );
    let link = href_starting(&mail, &format!("{}/invitations/", app.base))
        .expect("the delivered mail links to the invitation on the configured base URL");
    let path = link.trim_start_matches(&app.base).to_string();
    let bruce = Client::new(&app.base);
    let invitation = bruce.get(&path);
    assert_eq!(invitation.status, 200);
    assert!(invitation.body.contains("Betty&#39;s MSP"));
    assert!(invitation.body.contains("Administrator"));
    let registered = bruce.submit(
        &path,
        &format!("{path}/register"),
        &[
            ("name", "Bruce Wayne"),
            ("password", "a long enough password"),
            ("confirm_password", "a long enough password"),
        ],
    );
    assert_eq!(registered.status, 303, "{}", registered.body);
    let accepted = bruce.submit(
        &path,
        &format!("{path}/accept"),
        &[("tenant", "new"), ("new_name", "Wayne Enterprises")],
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert!(
        accepted
            .body
            .contains("You have accepted the request from Betty&#39;s MSP.")
    );
    delivered(&app, "betty@msp.example", "accepted your request");

    // The partner sees Connected and logs in to the customer's account.
    let list = betty.get(&format!("{customers}?status=connected")).body;
    assert!(
        list.contains("Connected") && list.contains("Wayne Enterprises"),
        "{list}"
    );
    let login = action_ending(&list, "/login").expect("a Login button on the connected row");
    // Row actions are relative to the list page: "customers/{link}/login".
    let login = format!("{}/{login}", customers.rsplit_once('/').unwrap().0);
    let entered = betty.submit(&customers, &login, &[]);
    assert_eq!(entered.status, 303);
    let inside = betty.get(entered.location());
    assert!(
        inside.body.contains("You are working in"),
        "{}",
        inside.body
    );
    assert!(inside.body.contains("Wayne Enterprises"));

    // The customer removes the partner, with a reason; the partner is out at once.
    let wayne_id = entered
        .location()
        .trim_start_matches("/accounts/")
        .to_string();
    let access = format!("/accounts/{wayne_id}/partner-access");
    let page = bruce.get(&access).body;
    assert!(page.contains("Betty&#39;s MSP"));
    let remove = href_starting(&page, &format!("{access}/")).expect("a Remove access link");
    let removed = bruce.submit(&remove, &remove, &[("reason", "We part ways.")]);
    assert_eq!(removed.status, 303, "{}", removed.body);
    let after = betty.get(&format!("/accounts/{wayne_id}"));
    assert_eq!(after.status, 404, "the partner's access ended");
    assert!(!after.body.contains("You are working in"));
    delivered(&app, "betty@msp.example", "has ended");
    let actions = app.audit_actions();
    for action in [
        "link.invited",
        "link.accepted",
        "tenant.entered",
        "link.removed",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} is audited: {actions:?}"
        );
    }
}
