//! Pages as a visitor meets them: headers, error pages, health, static files.

use crate::common::TestApp;

#[test]
fn every_page_carries_the_security_headers() {
    let app = TestApp::start();
    let (client, _) = app.signed_in("ada@example.com", false);
    for path in ["/", "/profile", "/signin", "/no-such-page"] {
        let res = client.get(path);
        let csp = res
            .header("Content-Security-Policy")
            .unwrap_or_else(|| panic!("CSP on {path}"));
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert_eq!(
            res.header("X-Content-Type-Options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(res.header("Cache-Control"), Some("no-store"), "{path}");
        assert!(res.header("Referrer-Policy").is_some(), "{path}");
    }
}

#[test]
fn session_cookies_are_http_only_and_same_site() {
    let app = TestApp::start();
    let res = app.client().get("/signin");
    let cookie = res
        .headers
        .iter()
        .find(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http base URL");
}

#[test]
fn error_pages_are_friendly_and_htmx_gets_a_fragment() {
    let app = TestApp::start();
    let client = app.client();
    let page = client.get("/no-such-page");
    assert_eq!(page.status, 404);
    assert!(page.body.contains("<h1>Page not found</h1>"));
    assert!(page.body.contains("<!doctype html>"));
    let fragment = client.get_with("/no-such-page", &[("HX-Request", "true")]);
    assert_eq!(fragment.status, 404);
    assert!(fragment.body.starts_with("<div class=\"error-box\""));
    assert!(!fragment.body.contains("<html"));
    let wrong_method = client.post_form("/healthz", &[]);
    assert_eq!(
        wrong_method.status, 403,
        "unsafe requests need a CSRF token first"
    );
}

#[test]
fn forbidden_pages_say_so_without_internals() {
    let app = TestApp::start();
    let (client, _) = app.signed_in("ada@example.com", false);
    let res = client.get("/staff/audit");
    assert_eq!(res.status, 403);
    assert!(res.body.contains("You do not have permission to do this."));
    assert!(
        app.audit_actions().contains(&"authz.refused".to_string()),
        "refusals are audited"
    );
}

#[test]
fn health_check_answers_when_the_database_does() {
    let app = TestApp::start();
    let res = app.client().get("/healthz");
    assert_eq!(res.status, 200);
    assert_eq!(res.body, "ok\n");
}

#[test]
fn static_files_and_vendored_htmx_are_served() {
    let app = TestApp::start();
    let client = app.client();
    let htmx = client.get("/static/vendor/htmx/htmx.min.js");
    assert_eq!(htmx.status, 200);
    assert!(htmx.header("Content-Type").unwrap().contains("javascript"));
    assert!(htmx.body.contains("htmx"));
    let css = client.get("/static/css/app.css");
    assert_eq!(css.status, 200);
    assert!(css.header("Content-Type").unwrap().starts_with("text/css"));
    assert_eq!(client.get("/static/nope.js").status, 404);
    let signin = client.get("/signin");
    assert!(signin.body.contains("/static/vendor/htmx/htmx.min.js"));
}

#[test]
fn navigation_depends_on_who_is_signed_in() {
    let app = TestApp::start();
    let anonymous = app.client().get("/signin");
    assert!(anonymous.body.contains(">Sign in</a>"));
    assert!(!anonymous.body.contains("Staff console"));
    let (user, _) = app.signed_in("ada@example.com", false);
    let page = user.get("/");
    assert!(page.body.contains("Sign out"));
    assert!(!page.body.contains("Staff console"));
    let (staff, _) = app.signed_in("sam@example.com", true);
    assert!(staff.get("/").body.contains("Staff console"));
}

#[test]
fn the_dashboard_lists_the_users_accounts() {
    let app = TestApp::start();
    let (client, _) = app.signed_in("ada@example.com", false);
    assert!(
        client
            .get("/")
            .body
            .contains("You are not a member of any account yet.")
    );
    let input = liaison::services::tenants::NewTenant {
        name: "Ada's <Analytical> Engines",
        is_partner: true,
        parent_id: None,
        owner_email: "ada@example.com",
    };
    liaison::services::tenants::create(&mut app.conn(), input, None).unwrap();
    let page = client.get("/").body;
    assert!(
        page.contains("Ada&#39;s &#60;Analytical&#62; Engines")
            || page.contains("Ada&#39;s &lt;Analytical&gt; Engines"),
        "escaped: {page}"
    );
    assert!(page.contains("Account owner"));
    assert!(page.contains("Partner"));
}

#[test]
fn internal_errors_show_no_internals() {
    let app = TestApp::start();
    let (staff, _) = app.signed_in("sam@example.com", true);
    // Break the database under the running portal.
    diesel::RunQueryDsl::execute(diesel::sql_query("DROP TABLE outbox"), &mut app.conn()).unwrap();
    let res = staff.get("/staff/mail");
    assert_eq!(res.status, 500);
    assert!(res.body.contains("Something went wrong"));
    for leak in ["outbox", "no such table", "does not exist", "diesel", "SQL"] {
        assert!(
            !res.body.contains(leak),
            "the error page leaks {leak:?}: {}",
            res.body
        );
    }
}
