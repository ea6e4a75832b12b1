//! Changing the tree: rename, delete of an empty sub-account only, and a Read-only member who
//! changes nothing.

use super::*;

#[test]
fn rename_checks_the_name() {
    let app = TestApp::start();
    let (client, bruce, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let gotham = sub(&app, &bruce, &top, "Gotham");
    sub(&app, &bruce, &top, "Metropolis");
    let action = format!("/accounts/{}/rename", gotham.id);
    let before = snapshot(&app);
    let res = post(&client, &action, &[("name", "metropolis")]);
    assert_eq!(res.status, 409);
    assert!(res.body.contains(NAME_TAKEN));
    let res = post(&client, &action, &[("name", "")]);
    assert_eq!(res.status, 422);
    assert!(res.body.contains("Enter a name."));
    assert_eq!(snapshot(&app), before);
    let res = post(&client, &action, &[("name", "Gotham City")]);
    assert_eq!(res.status, 303);
    assert_eq!(by_name(&app, "gotham city").id, gotham.id);
    assert!(app.audit_actions().contains(&"tenant.renamed".to_string()));
}

#[test]
fn only_an_empty_sub_account_is_deleted_after_the_confirmation() {
    let app = TestApp::start();
    let (client, bruce, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let gotham = sub(&app, &bruce, &top, "Gotham");
    let narrows = sub(&app, &bruce, &gotham, "Narrows");
    let before = snapshot(&app);
    // Not empty: it has a sub-account.
    let confirm = client.get(&format!("/accounts/{}/delete", gotham.id));
    assert_eq!(confirm.status, 409);
    assert!(
        confirm
            .body
            .contains("Gotham has sub-accounts. Delete them first")
    );
    assert!(!confirm.body.contains(">Delete Gotham</button>"));
    let res = post(&client, &format!("/accounts/{}/delete", gotham.id), &[]);
    assert_eq!(res.status, 409);
    assert!(res.body.contains("Gotham has sub-accounts."));
    // A top-level account is never deleted here.
    let res = post(&client, &format!("/accounts/{}/delete", top.id), &[]);
    assert_eq!(res.status, 409);
    assert!(res.body.contains("top-level account"));
    assert_eq!(snapshot(&app), before);

    // An empty one: the confirmation names it, the post deletes it and goes to the parent.
    let confirm = client.get(&format!("/accounts/{}/delete", narrows.id));
    assert_eq!(confirm.status, 200);
    assert!(
        confirm
            .body
            .contains("Delete the sub-account <strong>Narrows</strong>")
    );
    let res = client.submit(
        &format!("/accounts/{}/delete", narrows.id),
        &format!("/accounts/{}/delete", narrows.id),
        &[],
    );
    assert_eq!(res.status, 303);
    assert_eq!(
        res.location(),
        format!("/accounts/{}/sub-accounts", gotham.id)
    );
    assert!(
        client
            .get(res.location())
            .body
            .contains("The sub-account Narrows was deleted.")
    );
    assert!(
        tenants::find(&mut app.conn(), &narrows.id)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        app.count(&format!("roles WHERE tenant_id = '{}'", narrows.id)),
        0
    );
    assert!(app.audit_actions().contains(&"tenant.deleted".to_string()));
    assert_eq!(client.get(&format!("/accounts/{}", narrows.id)).status, 404);

    // A sub-account with a member is not empty either.
    crate::roles::add_member(&app, &gotham, "Operator", "ops@wayne.example");
    let res = post(&client, &format!("/accounts/{}/delete", gotham.id), &[]);
    assert_eq!(res.status, 409);
    assert!(res.body.contains("still has members"));
}

#[test]
fn a_read_only_member_sees_the_tree_but_creates_nothing() {
    let app = TestApp::start();
    let (_, bruce, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let gotham = sub(&app, &bruce, &top, "Gotham");
    let (reader, _) = member(&app, &top, "Read-only", "rita@wayne.example");
    let base = format!("/accounts/{}/sub-accounts", top.id);
    let page = reader.get(&base);
    assert_eq!(page.status, 200);
    assert!(page.body.contains(">Gotham</a>"));
    assert!(!page.body.contains("Create sub-account"));
    assert!(!page.body.contains("/rename"));
    let before = snapshot(&app);
    assert_eq!(post(&reader, &base, &[("name", "Sneaky")]).status, 403);
    assert_eq!(
        post(
            &reader,
            &format!("/accounts/{}/rename", gotham.id),
            &[("name", "X")]
        )
        .status,
        403
    );
    assert_eq!(
        reader
            .get(&format!("/accounts/{}/delete", gotham.id))
            .status,
        403
    );
    assert_eq!(
        post(&reader, &format!("/accounts/{}/delete", gotham.id), &[]).status,
        403
    );
    assert_eq!(snapshot(&app), before);
}
