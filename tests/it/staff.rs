//! The staff console: only staff, the audit log with filters and pages.

use crate::common::TestApp;

#[test]
fn only_staff_reach_the_console() {
    let app = TestApp::start();
    let (user, _) = app.signed_in("ada@example.com", false);
    for path in ["/staff", "/staff/audit", "/staff/mail"] {
        assert_eq!(user.get(path).status, 403, "{path}");
        assert_eq!(app.client().get(path).status, 303, "{path} anonymous");
    }
    let res = user.submit("/profile", "/staff/mail/some-id/retry", &[]);
    assert_eq!(res.status, 403);
    let (staff, _) = app.signed_in("sam@example.com", true);
    let console = staff.get("/staff");
    assert_eq!(console.status, 200);
    assert!(console.body.contains("0 waiting to be sent, 0 failed."));
}

#[test]
fn the_audit_log_filters_and_paginates() {
    // Many failed sign-ins from one address: lift the address throttle for this test.
    let app = TestApp::start_with(crate::common::Options {
        customize: Box::new(|s| s.signin_throttle.per_address = 1000),
        ..Default::default()
    });
    app.create_user("ada@example.com", false);
    for _ in 0..3 {
        app.client().sign_in("ada@example.com", "wrong password");
    }
    let (staff, _) = app.signed_in("sam@example.com", true);
    let page = staff.get("/staff/audit?action=signin.failed");
    assert_eq!(page.status, 200);
    assert_eq!(page.body.matches("<td>signin.failed</td>").count(), 3);
    assert!(page.body.contains("127.0.0.1"));
    let by_who = staff.get("/staff/audit?who=SAM@");
    assert!(by_who.body.contains("<td>signin.succeeded</td>"));
    assert!(!by_who.body.contains("<td>signin.failed</td>"));
    let none = staff.get("/staff/audit?who=nobody");
    assert!(none.body.contains("No events match these filters."));
    // An unknown action is ignored rather than an error; a wildcard matches literally.
    assert_eq!(staff.get("/staff/audit?action=drop%20table").status, 200);
    assert!(
        staff
            .get("/staff/audit?who=%25")
            .body
            .contains("No events match these filters.")
    );

    // 60 more events: the first page holds 50 and links to older ones.
    for i in 0..60 {
        app.client().sign_in(&format!("ghost{i}@example.com"), "x");
    }
    let first = staff.get("/staff/audit?action=signin.failed");
    assert_eq!(first.body.matches("<td>signin.failed</td>").count(), 50);
    let next = first
        .body
        .split("href=\"")
        .find(|s| s.starts_with("/staff/audit?action=signin.failed&#38;before="))
        .unwrap();
    let next = next[..next.find('"').unwrap()].replace("&#38;", "&");
    let second = staff.get(&next);
    assert_eq!(second.body.matches("<td>signin.failed</td>").count(), 13);
    assert!(!second.body.contains("Older events"));
}
