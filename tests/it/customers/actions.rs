//! Actions on rows: the Resend offer, resend, delete with confirmation, and the htmx answers
//! (a dialog, a row inserted, replaced or removed, rows that refresh themselves).

use super::*;

#[test]
fn a_second_pending_invitation_offers_resend() {
    let app = TestApp::start();
    let (client, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let base = format!("/accounts/{}/customers", msp.id);
    let link = invite(&app, &betty, &msp, "bruce@wayne.example");
    let before = snapshot(&app);
    let admin = level(&app, &msp.id, "Administrator");
    let fields = [
        ("email", "BRUCE@wayne.example"),
        ("access_level", admin.as_str()),
    ];
    let res = post(&client, &base, &fields);
    assert_eq!(res.status, 422);
    assert!(res.body.contains("is already pending"));
    assert!(res.body.contains(&format!("form=\"resend-{link}\"")));
    assert!(
        res.body
            .contains(&format!("action=\"{base}/{link}/resend\""))
    );
    assert_eq!(snapshot(&app), before);
    // The offered button resends.
    let resent = post(&client, &format!("{base}/{link}/resend"), &[]);
    assert_eq!(resent.status, 303);
    assert!(
        client
            .get(&base)
            .body
            .contains("A new invitation was sent to bruce@wayne.example.")
    );
}

#[test]
fn resend_replaces_the_emailed_link() {
    let app = TestApp::start();
    let (client, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let base = format!("/accounts/{}/customers", msp.id);
    let link = invite(&app, &betty, &msp, "bruce@wayne.example");
    let old = emailed_token(&app, "bruce@wayne.example");
    let res = client.submit(&base, &format!("{base}/{link}/resend"), &[]);
    assert_eq!(res.status, 303);
    assert!(
        client
            .get(&base)
            .body
            .contains("A new invitation was sent to bruce@wayne.example.")
    );
    let new = emailed_token(&app, "bruce@wayne.example");
    assert_ne!(old, new);
    let mut conn = app.conn();
    assert!(links::invitation(&mut conn, InvitationKey::Token(&old)).is_err());
    let old_hashes: i64 = access_grants::table
        .filter(access_grants::token_hash.eq(liaison::domain::token::hash(&old)))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(old_hashes, 0, "the old token's hash is gone");
    assert!(links::invitation(&mut conn, InvitationKey::Token(&new)).is_ok());
    drop(conn);
    // With htmx the row is replaced in place and the feedback shown.
    let htmx = hx_post(&client, &format!("{base}/{link}/resend"), &[]);
    assert_eq!(htmx.status, 200);
    assert!(!htmx.body.contains("<html"));
    assert!(
        htmx.body
            .contains(&format!("<tr id=\"link-{link}\" hx-swap-oob=\"true\""))
    );
    assert!(
        htmx.body
            .contains("A new invitation was sent to bruce@wayne.example.")
    );
    assert_ne!(emailed_token(&app, "bruce@wayne.example"), new);
}

#[test]
fn delete_asks_first_then_removes_the_row() {
    let app = TestApp::start();
    let (client, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let base = format!("/accounts/{}/customers", msp.id);
    let (_, _, link) = connected(&app, &betty, &msp, "bruce@wayne.example", "Wayne Corp");
    let list = client.get(&base);
    assert!(
        list.body
            .contains(&format!("action=\"customers/{link}/delete\"")),
        "row actions are relative to the list page at {base}"
    );
    assert!(
        list.body
            .contains("data-confirm=\"Delete the account Wayne Corp (bruce@wayne.example)?")
    );
    let confirm = client.get(&format!("{base}/{link}/delete"));
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Wayne Corp (bruce@wayne.example)"));
    assert!(
        confirm
            .body
            .contains("your users lose access to Wayne Corp")
    );
    // Opening the confirmation changes nothing.
    assert!(client.get(&base).body.contains(">Connected</span>"));
    let res = client.submit(
        &format!("{base}/{link}/delete"),
        &format!("{base}/{link}/delete"),
        &[],
    );
    assert_eq!(res.status, 303);
    let after = client.get(&base);
    assert!(
        after
            .body
            .contains("The account Wayne Corp (bruce@wayne.example) was deleted.")
    );
    assert_eq!(rows(&after.body), 0);
    let status: String = access_grants::table
        .find(&link)
        .select(access_grants::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "removed");
    // Deleting twice is refused with words.
    assert_eq!(
        post(&client, &format!("{base}/{link}/delete"), &[]).status,
        409
    );

    // htmx: the row goes and the feedback shows, without a page.
    let pending = invite(&app, &betty, &msp, "alfred@wayne.example");
    let htmx = hx_post(&client, &format!("{base}/{pending}/delete"), &[]);
    assert_eq!(htmx.status, 200);
    assert!(!htmx.body.contains("<html"));
    assert!(htmx.body.contains(&format!(
        "<tr id=\"link-{pending}\" hx-swap-oob=\"delete\">"
    )));
    assert!(htmx.body.contains("was deleted."));
}

#[test]
fn htmx_adds_in_a_dialog_and_rows_refresh() {
    let app = TestApp::start();
    let (client, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let base = format!("/accounts/{}/customers", msp.id);
    let dialog = client.get_with(&format!("{base}/new"), &[("HX-Request", "true")]);
    assert_eq!(dialog.status, 200);
    assert!(!dialog.body.contains("<html"));
    assert!(
        dialog.body.contains("<dialog") && dialog.body.contains(&format!("hx-post=\"{base}\""))
    );
    let admin = level(&app, &msp.id, "Administrator");
    let added = hx_post(
        &client,
        &base,
        &[("email", "bruce@wayne.example"), ("access_level", &admin)],
    );
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(!added.body.contains("<html") && !added.body.contains("<dialog"));
    assert!(
        added
            .body
            .contains("hx-swap-oob=\"afterbegin:#customers-rows\"")
    );
    assert!(added.body.contains(">Pending</span>"));
    assert!(
        added
            .body
            .contains("Invitation sent to bruce@wayne.example.")
    );
    assert_eq!(app.count("access_grants"), 1);

    // The added row gets a watcher of its own, appended next to the page's.
    let link = links::pending_to(&mut app.conn(), &msp.id, "bruce@wayne.example")
        .unwrap()
        .unwrap();
    assert!(added.body.contains(&format!(
        "<div hx-swap-oob=\"beforeend:#customers-watch\"><div id=\"watch-{link}\" \
         hx-get=\"customers/watch?watcher={link}&amp;ids={link}\" hx-trigger=\"every 5s\""
    )));
    // The page watches its pending rows with one request, not one a row.
    let other = invite(&app, &betty, &msp, "alfred@wayne.example");
    let page = client.get(&base);
    assert!(page.body.contains(&format!(
        "<div id=\"watch-page\" hx-get=\"customers/watch?watcher=page&amp;ids={other},{link}\" \
         hx-trigger=\"every 5s\" hx-swap=\"none\">"
    )));
    assert_eq!(page.body.matches("hx-trigger=\"every 5s\"").count(), 1);
    let watch = format!("{base}/watch?watcher=page&ids={other},{link}");
    let unchanged = client.get_with(&watch, &[("HX-Request", "true")]);
    assert_eq!(unchanged.status, 204, "{}", unchanged.body);
    assert!(unchanged.body.is_empty());

    // Once Bruce accepts, the next poll brings his row, out of band, and watches Alfred's alone.
    let bruce = app.create_user("bruce@wayne.example", false);
    let wayne = tenant(&app, "Wayne Corp", false, "bruce@wayne.example");
    let token = emailed_token(&app, "bruce@wayne.example");
    links::accept(
        &mut app.conn(),
        &app.settings,
        &bruce,
        InvitationKey::Token(&token),
        AcceptInto::Existing(&wayne.id),
    )
    .unwrap();
    let changed = client.get_with(&watch, &[("HX-Request", "true")]);
    assert_eq!(changed.status, 200);
    assert!(!changed.body.contains("<html"));
    assert!(
        changed
            .body
            .contains(&format!("<tr id=\"link-{link}\" hx-swap-oob=\"true\">"))
    );
    assert!(changed.body.contains(">Connected</span>") && changed.body.contains("Wayne Corp"));
    assert!(changed.body.contains(">Login</button>"));
    assert!(!changed.body.contains(&format!("id=\"link-{other}\"")));
    assert!(changed.body.contains(&format!(
        "<div id=\"watch-page\" hx-get=\"customers/watch?watcher=page&amp;ids={other}\" \
         hx-trigger=\"every 5s\" hx-swap=\"none\" hx-swap-oob=\"true\">"
    )));

    // A row deleted meanwhile goes, and a watcher with nothing left to watch goes too.
    assert_eq!(
        hx_post(&client, &format!("{base}/{other}/delete"), &[]).status,
        200
    );
    let last = client.get_with(
        &format!("{base}/watch?watcher=page&ids={other}"),
        &[("HX-Request", "true")],
    );
    assert_eq!(last.status, 200);
    assert!(
        last.body
            .contains(&format!("<tr id=\"link-{other}\" hx-swap-oob=\"delete\">"))
    );
    assert!(
        last.body
            .contains("<div id=\"watch-page\" hx-swap-oob=\"delete\">")
    );
    assert!(!last.body.contains("hx-trigger"));
    let _ = betty;
}

#[test]
fn a_watcher_that_sends_anything_but_link_ids_is_refused_in_words() {
    let app = TestApp::start();
    let (client, betty, msp) = partner(&app, "Acme MSP", "betty@msp.example");
    let link = invite(&app, &betty, &msp, "bruce@wayne.example");
    let base = format!("/accounts/{}/customers/watch", msp.id);
    let too_many = vec![link.as_str(); 101]
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{l}{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let before = snapshot(&app);
    for query in [
        String::new(),
        "watcher=page".to_string(),
        "watcher=page&ids=".to_string(),
        format!("watcher=page&ids={link},"),
        format!("watcher=&ids={link}"),
        format!("watcher=%3Cb%3E&ids={link}"),
        format!("watcher=page&ids={link}%22%3E"),
        format!("watcher=page&ids={}", "a".repeat(65)),
        format!("watcher=page&ids={too_many}"),
    ] {
        let refused = client.get_with(&format!("{base}?{query}"), &[("HX-Request", "true")]);
        assert_eq!(refused.status, 400, "{query}");
        assert!(
            refused
                .body
                .contains("These accounts cannot be refreshed. Reload the page to see them."),
            "{query}: {}",
            refused.body
        );
        assert!(!refused.body.contains("<b>"));
    }
    assert_eq!(snapshot(&app), before);
    // The same link twice is watched once.
    let twice = client.get_with(
        &format!("{base}?watcher=page&ids={link},{link}"),
        &[("HX-Request", "true")],
    );
    assert_eq!(twice.status, 204);
}
