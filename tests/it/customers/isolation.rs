//! Another partner's ids reveal nothing and change nothing; a tenant that is not a partner has no
//! Account Management; a Read-only member sees but cannot add or log in.

use super::*;

#[test]
fn another_partner_gets_404_everywhere_and_changes_nothing() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let (_, wayne, connected_link) =
        connected(&app, &betty, &msp, "bruce@wayne.example", "Wayne Corp");
    let pending_link = invite(&app, &betty, &msp, "alfred@wayne.example");
    let (mallory, _, other) = partner(&app, "Other MSP", "mallory@other.example");
    let before = snapshot(&app);
    let admin = level(&app, &msp.id, "Administrator");
    let add = [
        ("email", "x@customer.example"),
        ("access_level", admin.as_str()),
    ];

    // The first partner's tenant id, and the second partner's own id with the first's links.
    for tenant_id in [msp.id.as_str(), other.id.as_str()] {
        let base = format!("/accounts/{tenant_id}/customers");
        for link in [&connected_link, &pending_link] {
            let mut gets = vec![format!("{base}/{link}/delete")];
            // On their own tenant the watch answers for their own links only (below).
            if tenant_id == msp.id {
                gets.push(format!("{base}/watch?watcher=page&ids={link}"));
            }
            for path in &gets {
                assert_eq!(mallory.get(path).status, 404, "GET {path}");
                let htmx = mallory.get_with(path, &[("HX-Request", "true")]);
                assert_eq!(htmx.status, 404, "htmx GET {path}");
                assert!(!htmx.body.contains("<html"));
            }
            for action in ["resend", "delete", "login"] {
                let path = format!("{base}/{link}/{action}");
                assert_eq!(post(&mallory, &path, &[]).status, 404, "POST {path}");
                assert_eq!(
                    hx_post(&mallory, &path, &[]).status,
                    404,
                    "htmx POST {path}"
                );
            }
        }
        if tenant_id == msp.id {
            assert_eq!(mallory.get(&base).status, 404);
            assert_eq!(mallory.get(&format!("{base}/new")).status, 404);
            assert_eq!(post(&mallory, &base, &add).status, 404);
            assert_eq!(mallory.get(&format!("/accounts/{tenant_id}")).status, 404);
        }
    }
    // Watching the first partner's links from their own page: the links are only "gone".
    let own_watch = mallory.get_with(
        &format!(
            "/accounts/{}/customers/watch?watcher=page&ids={connected_link},{pending_link}",
            other.id
        ),
        &[("HX-Request", "true")],
    );
    assert_eq!(own_watch.status, 200);
    assert!(own_watch.body.contains(&format!(
        "<tr id=\"link-{connected_link}\" hx-swap-oob=\"delete\">"
    )));
    for secret in ["wayne", "Wayne", "Pending", "Connected", "<td"] {
        assert!(
            !own_watch.body.contains(secret),
            "{secret}: {}",
            own_watch.body
        );
    }
    assert_eq!(mallory.get(&format!("/accounts/{}", wayne.id)).status, 404);
    assert_eq!(snapshot(&app), before);
    // Their own page lists nothing of the first partner's.
    let own = mallory.get(&format!("/accounts/{}/customers", other.id));
    assert_eq!(own.status, 200);
    assert!(!own.body.contains("wayne.example"));
}

#[test]
fn a_tenant_that_is_not_a_partner_has_no_account_management() {
    let app = TestApp::start();
    let (client, _) = app.signed_in("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Corp", false, "bruce@wayne.example");
    app.create_user("lex@luthor.example", false);
    let luthor = tenant(&app, "Luthor Corp", false, "lex@luthor.example");
    let base = format!("/accounts/{}/customers", wayne.id);
    assert_eq!(client.get(&base).status, 403);
    assert_eq!(client.get(&format!("{base}/new")).status, 403);
    let admin = level(&app, &wayne.id, "Administrator");
    let add = [
        ("email", "x@customer.example"),
        ("access_level", admin.as_str()),
    ];
    assert_eq!(post(&client, &base, &add).status, 403);
    assert_eq!(
        client
            .get(&format!("/accounts/{}/customers", luthor.id))
            .status,
        404
    );
    assert_eq!(app.count("access_grants"), 0);
    // The overview has no Account Management link, and the navigation none either.
    let overview = client.get(&format!("/accounts/{}", wayne.id));
    assert_eq!(overview.status, 200);
    assert!(!overview.body.contains("Account Management"));
    assert!(
        overview
            .body
            .contains(&format!("href=\"/accounts/{}/partner-access\"", wayne.id))
    );
    assert!(
        overview
            .body
            .contains(&format!("href=\"/accounts/{}/activity\"", wayne.id))
    );
}

#[test]
fn a_read_only_member_sees_the_list_but_cannot_add_or_log_in() {
    let app = TestApp::start();
    let (_, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let (_, _, link) = connected(&app, &betty, &msp, "bruce@wayne.example", "Wayne Corp");
    let pending = invite(&app, &betty, &msp, "alfred@wayne.example");
    let (reader, _) = member(&app, &msp, "Read-only", "rita@msp.example");
    let base = format!("/accounts/{}/customers", msp.id);
    let list = reader.get(&base);
    assert_eq!(list.status, 200);
    assert_eq!(rows(&list.body), 2);
    assert!(list.body.contains(">Connected</span>"));
    assert!(!list.body.contains(">Login</button>"));
    assert!(!list.body.contains("+ Add new Account"));
    assert!(!list.body.contains(">Resend</button>"));
    assert!(!list.body.contains("data-confirm"));
    // The navigation leads here.
    assert!(list.body.contains(&format!(
        "<a href=\"{base}\" aria-current=\"page\">Account Management</a>"
    )));
    let before = snapshot(&app);
    assert_eq!(reader.get(&format!("{base}/new")).status, 403);
    let admin = level(&app, &msp.id, "Administrator");
    let add = [
        ("email", "x@customer.example"),
        ("access_level", admin.as_str()),
    ];
    assert_eq!(post(&reader, &base, &add).status, 403);
    assert_eq!(
        post(&reader, &format!("{base}/{pending}/resend"), &[]).status,
        403
    );
    assert_eq!(
        post(&reader, &format!("{base}/{link}/delete"), &[]).status,
        403
    );
    assert_eq!(
        post(&reader, &format!("{base}/{link}/login"), &[]).status,
        403
    );
    assert_eq!(snapshot(&app), before);
    assert!(!reader.get("/").body.contains("You are working in"));
}
