//! Sub-accounts over HTTP and through the services: a tree built through the pages with its
//! breadcrumbs and lazy expansion, roles flowing down by scope, wide levels, the name race, bad
//! names, rename and delete.

mod changes;
mod isolation;

use crate::common::{Client, TestApp};
use crate::customers::{hx_post, member, post, tenant};
use diesel::prelude::*;
use liaison::db::schema::{memberships, role_permissions, roles, tenants as t};
use liaison::services::ServiceError;
use liaison::services::subaccounts;
use liaison::services::tenants::{self, NAME_TAKEN, Tenant};
use liaison::services::users::User;
use std::sync::Barrier;

/// A top-level account owned by a new signed-in user.
pub fn owner(app: &TestApp, name: &str, email: &str) -> (Client, User, Tenant) {
    let (client, user) = app.signed_in(email, false);
    (client, user, tenant(app, name, false, email))
}

pub fn sub(app: &TestApp, by: &User, parent: &Tenant, name: &str) -> Tenant {
    subaccounts::create_sub_account(&mut app.conn(), by, &parent.id, name).unwrap()
}

pub fn by_name(app: &TestApp, name: &str) -> Tenant {
    tenants::find_by_name(&mut app.conn(), name)
        .unwrap()
        .unwrap_or_else(|| panic!("no tenant {name}"))
}

/// Ids and names of tenants (then of roles).
type Named = Vec<(String, String)>;

/// Tenants, roles, permissions and memberships: what a refusal must leave unchanged.
pub fn snapshot(app: &TestApp) -> (Named, Named, i64, i64) {
    let mut conn = app.conn();
    let tenants = t::table
        .order(t::id)
        .select((t::id, t::name))
        .load(&mut conn)
        .unwrap();
    let roles = roles::table
        .order(roles::id)
        .select((roles::id, roles::name))
        .load(&mut conn)
        .unwrap();
    let perms = role_permissions::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    let members = memberships::table.count().get_result(&mut conn).unwrap();
    (tenants, roles, perms, members)
}

fn members_of(app: &TestApp, tenant: &Tenant) -> i64 {
    memberships::table
        .filter(memberships::tenant_id.eq(&tenant.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn items(body: &str) -> usize {
    body.matches("<li id=\"sub-").count()
}

#[test]
fn a_three_level_tree_with_breadcrumbs_and_lazy_expansion() {
    let app = TestApp::start();
    let (client, _, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let base = format!("/accounts/{}/sub-accounts", top.id);
    let page = client.get(&base);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<label for=\"sub-account-name\">"));
    assert!(page.body.contains("has no sub-accounts yet"));

    let res = post(&client, &base, &[("name", "  Gotham  ")]);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location(), base);
    assert!(
        client
            .get(&base)
            .body
            .contains("Sub-account Gotham created.")
    );
    let gotham = by_name(&app, "Gotham");
    assert_eq!(gotham.parent_id.as_deref(), Some(top.id.as_str()));

    // With htmx the new row is inserted and the form comes back empty.
    let gotham_base = format!("/accounts/{}/sub-accounts", gotham.id);
    let res = hx_post(&client, &gotham_base, &[("name", "Narrows")]);
    assert_eq!(res.status, 200);
    assert!(!res.body.contains("<html"));
    assert!(res.body.contains("hx-swap-oob=\"afterbegin:#level-rows\""));
    assert!(res.body.contains(">Narrows</a>"));
    assert!(res.body.contains("Sub-account Narrows created."));
    let narrows = by_name(&app, "Narrows");
    let res = post(
        &client,
        &format!("/accounts/{}/sub-accounts", narrows.id),
        &[("name", "Arkham")],
    );
    assert_eq!(res.status, 303);
    let arkham = by_name(&app, "Arkham");

    // Nobody became a member of the new accounts; the top owner manages them all.
    for t in [&gotham, &narrows, &arkham] {
        assert_eq!(members_of(&app, t), 0, "{}", t.name);
    }
    let audit = liaison::services::audit::list(
        &mut app.conn(),
        &liaison::services::audit::AuditFilter {
            action: Some("tenant.created".into()),
            ..Default::default()
        },
        10,
    )
    .unwrap();
    assert!(
        audit
            .rows
            .iter()
            .any(|r| r.subject.as_deref() == Some("Arkham")
                && r.detail.contains(&narrows.id)
                && r.actor_email.as_deref() == Some("bruce@wayne.example"))
    );

    // Breadcrumbs: the ancestors, root first, each a link; the account itself last.
    let deep = client.get(&format!("/accounts/{}/sub-accounts", arkham.id));
    assert_eq!(deep.status, 200);
    let crumb = |t: &Tenant| {
        deep.body
            .find(&format!(
                "<a href=\"/accounts/{}/sub-accounts\">{}</a>",
                t.id, t.name
            ))
            .unwrap_or_else(|| panic!("crumb {}", t.name))
    };
    assert!(crumb(&top) < crumb(&gotham) && crumb(&gotham) < crumb(&narrows));
    assert!(deep.body.contains("<li aria-current=\"page\">Arkham</li>"));
    assert_eq!(
        subaccounts::ancestors(&mut app.conn(), &arkham.id)
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Wayne Enterprises", "Gotham", "Narrows"]
    );

    // The top level: Gotham has children, so it has Expand, a plain link without JavaScript.
    let top_page = client.get(&base);
    assert!(top_page.body.contains(&format!(
        "<a class=\"expand\" href=\"{gotham_base}\" hx-get=\"{gotham_base}?fragment=children\" hx-target=\"#children-{}\"",
        gotham.id
    )));
    // Expanding loads Gotham's children as a fragment: Narrows, expandable in turn.
    let fragment = client.get_with(
        &format!("{gotham_base}?fragment=children"),
        &[("HX-Request", "true")],
    );
    assert_eq!(fragment.status, 200);
    assert!(!fragment.body.contains("<html"));
    assert_eq!(items(&fragment.body), 1);
    assert!(fragment.body.contains(">Narrows</a>"));
    assert!(fragment.body.contains(&format!(
        "?fragment=children\" hx-target=\"#children-{}\"",
        narrows.id
    )));
    // Arkham has no children: no Expand.
    let leaf = client.get_with(
        &format!("/accounts/{}/sub-accounts?fragment=children", narrows.id),
        &[("HX-Request", "true")],
    );
    assert!(leaf.body.contains(">Arkham</a>"));
    assert!(!leaf.body.contains("class=\"expand\""));
    // Without htmx the same address is the whole page.
    let plain = client.get(&format!("{gotham_base}?fragment=children"));
    assert!(plain.body.contains("<html"));
    // The overview links the tree and the roles.
    let overview = client.get(&format!("/accounts/{}", gotham.id));
    assert!(
        overview
            .body
            .contains(&format!("href=\"{gotham_base}\">Sub-accounts</a>"))
    );
    assert!(
        overview
            .body
            .contains(&format!("href=\"/accounts/{}/roles\">Roles</a>", gotham.id))
    );
}

#[test]
fn a_wide_level_pages_and_searches() {
    let app = TestApp::start();
    let (client, bruce, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    for i in 0..60 {
        sub(&app, &bruce, &top, &format!("Child {i:02}"));
    }
    let base = format!("/accounts/{}/sub-accounts", top.id);
    let first = client.get(&base);
    assert_eq!(items(&first.body), 50);
    assert!(first.body.contains(">Child 00</a>") && first.body.contains(">Child 49</a>"));
    assert!(!first.body.contains(">Child 50</a>"));
    let more = format!("{base}?after=child+49");
    assert!(
        first.body.contains(&format!("<a href=\"{more}\"")),
        "More link"
    );
    let second = client.get(&more);
    assert_eq!(items(&second.body), 10);
    assert!(second.body.contains(">Child 59</a>") && second.body.contains(">First page</a>"));
    assert!(!second.body.contains("More sub-accounts"));
    // With htmx, More appends the next rows in place of itself.
    let appended = client.get_with(
        &format!("{base}?fragment=children&after=child+49"),
        &[("HX-Request", "true")],
    );
    assert_eq!(items(&appended.body), 10);
    assert!(!appended.body.contains("<html"));

    let found = client.get(&format!("{base}?q=CHILD+5"));
    assert_eq!(items(&found.body), 10);
    assert!(!found.body.contains(">Child 49</a>"));
    let none = client.get(&format!("{base}?q=nobody"));
    assert_eq!(items(&none.body), 0);
    assert!(
        none.body
            .contains("No sub-account name starts with “nobody”")
    );
    // Wildcards match literally.
    assert_eq!(items(&client.get(&format!("{base}?q=%25")).body), 0);

    // The whole subtree, through the service, by id pages.
    let grandchild = sub(&app, &bruce, &by_name(&app, "Child 07"), "Grandchild");
    let mut conn = app.conn();
    let page = subaccounts::subtree_page(&mut conn, &bruce, &top.id, None, None, 50).unwrap();
    assert_eq!(page.rows.len(), 50);
    let rest =
        subaccounts::subtree_page(&mut conn, &bruce, &top.id, None, page.next.as_deref(), 50)
            .unwrap();
    assert_eq!(rest.rows.len(), 11);
    assert!(rest.next.is_none());
    let deep = rest
        .rows
        .iter()
        .find(|r| r.tenant.id == grandchild.id)
        .unwrap();
    assert_eq!(deep.depth, 2);
    let searched =
        subaccounts::subtree_page(&mut conn, &bruce, &top.id, Some("grand"), None, 50).unwrap();
    assert_eq!(searched.rows.len(), 1);
}

#[test]
fn concurrent_creates_of_one_name_make_one_account() {
    const RACERS: usize = 12;
    let app = TestApp::start();
    let (_, bruce, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let pool = liaison::db::pool(&app.settings.database, RACERS as u32).unwrap();
    let barrier = Barrier::new(RACERS);
    let results: Vec<Result<Tenant, ServiceError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..RACERS)
            .map(|i| {
                let (pool, barrier, bruce, top) = (&pool, &barrier, &bruce, &top);
                s.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    barrier.wait();
                    // The same name, in different cases.
                    let name = if i % 2 == 0 { "Gotham" } else { "GOTHAM" };
                    subaccounts::create_sub_account(&mut conn, bruce, &top.id, name)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for err in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(err, ServiceError::Conflict(m) if m == NAME_TAKEN),
            "{err:?}"
        );
    }
    assert_eq!(app.count("tenants WHERE name_key = 'gotham'"), 1);
    // Exactly one set of built-in roles was stored.
    assert_eq!(app.count("roles"), 8);
}

#[test]
fn bad_and_taken_names_are_refused_and_nothing_is_stored() {
    let app = TestApp::start();
    let (client, bruce, top) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    sub(&app, &bruce, &top, "Gotham");
    let base = format!("/accounts/{}/sub-accounts", top.id);
    let before = snapshot(&app);
    let long = "x".repeat(101);
    let cases = [
        ("", "Enter a name."),
        ("   ", "Enter a name."),
        (long.as_str(), "The name must be at most 100 characters."),
        (
            "Bad\u{7}name",
            "The name cannot contain control characters.",
        ),
        ("Two\nlines", "The name cannot contain control characters."),
    ];
    for (name, message) in cases {
        let res = post(&client, &base, &[("name", name)]);
        assert_eq!(res.status, 422, "{name:?}");
        assert!(res.body.contains(message), "{name:?}: {}", res.body);
        assert!(res.body.contains("aria-invalid=\"true\""));
        let hx = hx_post(&client, &base, &[("name", name)]);
        assert_eq!(hx.status, 422);
        assert!(hx.body.contains(message) && !hx.body.contains("<html"));
    }
    // A taken name, whatever the case, and a top-level account's name.
    for name in ["gotham", "WAYNE ENTERPRISES"] {
        let res = post(&client, &base, &[("name", name)]);
        assert_eq!(res.status, 409, "{name}");
        assert!(res.body.contains(NAME_TAKEN));
        assert!(res.body.contains(&format!("value=\"{name}\"")), "kept");
    }
    // The service answers the same for the API.
    let err = subaccounts::create_sub_account(&mut app.conn(), &bruce, &top.id, "").unwrap_err();
    assert!(matches!(err, ServiceError::Invalid(ref e) if e[0].field == "name"));
    assert_eq!(snapshot(&app), before);
}
