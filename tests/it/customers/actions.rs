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

    // A pending row polls its own fragment until it changes.
    let link = links::pending_to(&mut app.conn(), &msp.id, "bruce@wayne.example")
        .unwrap()
        .unwrap();
    let row = client.get_with(&format!("{base}/{link}/row"), &[("HX-Request", "true")]);
    assert_eq!(row.status, 200);
    assert!(
        row.body
            .trim_start()
            .starts_with(&format!("<tr id=\"link-{link}\""))
    );
    assert!(row.body.contains(&format!(
        "hx-get=\"customers/{link}/row\" hx-trigger=\"every 5s\" hx-swap=\"outerHTML\""
    )));
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
    let row = client.get_with(&format!("{base}/{link}/row"), &[("HX-Request", "true")]);
    assert!(row.body.contains(">Connected</span>") && row.body.contains("Wayne Corp"));
    assert!(
        !row.body.contains("hx-trigger"),
        "a connected row stops polling"
    );
    assert!(row.body.contains(">Login</button>"));
    let _ = betty;
}
