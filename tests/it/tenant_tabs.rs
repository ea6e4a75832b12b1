//! The tabbed tenant page: each tab has its own URL, answers the whole page without htmx and only
//! its panel (with the strip out of band) to an htmx tab switch; the strip shows exactly the tabs
//! the user may see; another tenant's id is a 404 on every tab.

use crate::common::{Client, Resp, TestApp};
use crate::customers::{connected, member, partner};
use crate::shares::{share, world};
use crate::subaccounts::owner;

const PANEL: &[(&str, &str)] = &[("HX-Request", "true"), ("HX-Target", "tab-panel")];

/// Every tab: its label and its path after `/accounts/{id}`.
const ALL: &[(&str, &str)] = &[
    ("Overview", ""),
    ("Authorizations", "/authorizations"),
    ("Sub-accounts", "/sub-accounts"),
    ("Users & roles", "/users"),
    ("Partner access", "/partner-access"),
    ("Shared accounts", "/shares"),
    ("Data sources", "/datasources"),
    ("Activity", "/activity"),
];

/// The tenant's tab strip in a page: (label, href, current) of each tab.
fn strip(body: &str) -> Vec<(String, String, bool)> {
    let start = body
        .find("<nav id=\"tenant-tabs\"")
        .unwrap_or_else(|| panic!("no tab strip in {body}"));
    let nav = &body[start..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    nav.split("<a ")
        .skip(1)
        .map(|a| {
            let href = a
                .split("href=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let label = a.split('>').nth(1).unwrap().split("</a").next().unwrap();
            (
                label.replace("&#38;", "&").replace("&amp;", "&"),
                href.to_string(),
                a.split('>')
                    .next()
                    .unwrap()
                    .contains("aria-current=\"page\""),
            )
        })
        .collect()
}

fn labels(body: &str) -> Vec<String> {
    strip(body).into_iter().map(|(l, _, _)| l).collect()
}

fn get_ok(client: &Client, path: &str, headers: &[(&str, &str)]) -> Resp {
    let res = client.get_with(path, headers);
    assert_eq!(res.status, 200, "{path}: {}", res.body);
    res
}

#[test]
fn each_tab_has_its_url_a_full_page_and_a_panel_for_htmx() {
    let app = TestApp::start();
    let (client, _, acme) = owner(&app, "Acme", "olivia@acme.example");
    for (label, path) in ALL {
        let url = format!("/accounts/{}{path}", acme.id);

        let full = get_ok(&client, &url, &[]);
        assert!(full.body.contains("<html"), "{url} is a whole page");
        assert!(full.body.contains("<h1>Acme</h1>"), "{url}");
        assert!(full.body.contains("<div id=\"tab-panel\">"), "{url}");
        assert!(full.header("vary").unwrap_or("").contains("HX-Target"));
        let tabs = strip(&full.body);
        let current: Vec<_> = tabs.iter().filter(|t| t.2).collect();
        assert_eq!(current.len(), 1, "{url}: one current tab");
        assert_eq!(
            (current[0].0.as_str(), current[0].1.as_str()),
            (*label, url.as_str())
        );
        assert!(!full.body.contains("hx-swap-oob"), "{url}");

        let panel = get_ok(&client, &url, PANEL);
        assert!(!panel.body.contains("<html"), "{url}: the panel alone");
        assert!(
            !panel.body.contains("<h1"),
            "{url}: no heading outside the panel"
        );
        assert!(!panel.body.contains("id=\"tab-panel\""), "{url}");
        assert!(panel.body.contains("<title>"), "{url}: the title changes");
        assert!(
            panel
                .body
                .contains("<nav id=\"tenant-tabs\" class=\"tenant-tabs\" aria-label=\"Sections of Acme\" hx-swap-oob=\"true\">"),
            "{url}: the strip is swapped out of band"
        );
        assert_eq!(
            strip(&panel.body),
            tabs,
            "{url}: the same strip, current tab included"
        );
        // Each link loads its tab into the panel and updates the address bar.
        for (_, href, _) in &tabs {
            assert!(full.body.contains(&format!(
                "href=\"{href}\" hx-get=\"{href}\" hx-target=\"#tab-panel\" hx-swap=\"innerHTML\" hx-push-url=\"true\""
            )));
        }

        // A history restore (back button after a cache miss) needs the whole page.
        let restore = [
            ("HX-Request", "true"),
            ("HX-History-Restore-Request", "true"),
        ];
        assert!(get_ok(&client, &url, &restore).body.contains("<html"));
    }
    // Other htmx requests of a tab keep their own fragments: the activity filter's region.
    let region = get_ok(
        &client,
        &format!("/accounts/{}/activity", acme.id),
        &[("HX-Request", "true"), ("HX-Target", "activity-region")],
    );
    assert!(!region.body.contains("tenant-tabs") && region.body.contains("Download CSV"));
    // Accounts shared with us belongs to the Shared accounts tab.
    let with_us = get_ok(
        &client,
        &format!("/accounts/{}/shared-with-us", acme.id),
        &[],
    );
    let current: Vec<_> = strip(&with_us.body).into_iter().filter(|t| t.2).collect();
    assert_eq!(current[0].0, "Shared accounts");
}

#[test]
fn the_strip_shows_exactly_the_tabs_the_user_may_see() {
    let app = TestApp::start();
    let everything: Vec<String> = ALL.iter().map(|(l, _)| l.to_string()).collect();
    let looking = [
        "Overview",
        "Authorizations",
        "Sub-accounts",
        "Shared accounts",
        "Data sources",
        "Activity",
    ];

    // The owner sees every tab.
    let (owner_client, _, acme) = owner(&app, "Acme", "olivia@acme.example");
    let overview = format!("/accounts/{}", acme.id);
    assert_eq!(
        labels(&get_ok(&owner_client, &overview, &[]).body),
        everything
    );

    // A Read-only member: no Users & roles, no Partner access.
    let (reader, _) = member(&app, &acme, "Read-only", "rita@acme.example");
    assert_eq!(labels(&get_ok(&reader, &overview, &[]).body), looking);
    let refused = reader.get(&format!("/accounts/{}/users", acme.id));
    assert_eq!(refused.status, 403);

    // A partner user inside a customer through its link: never the customer's own admin tabs.
    let (partner_client, partner_user, msp) = partner(&app, "Betty's MSP", "betty@msp.example");
    let (_, wayne, _) = connected(&app, &partner_user, &msp, "bruce@wayne.example", "Wayne");
    let inside = format!("/accounts/{}", wayne.id);
    assert_eq!(labels(&get_ok(&partner_client, &inside, &[]).body), looking);
    let panel = get_ok(&partner_client, &format!("{inside}/activity"), PANEL);
    assert_eq!(labels(&panel.body), looking);

    // The members of a share's target, even under Administrator, work with their own roles only.
    let w = world(&app);
    share(&app, &w.mia.1, &w.hq, &w.branch, &w.target, "Administrator");
    let shared = format!("/accounts/{}", w.branch.id);
    let tom = &w.tom.0;
    assert_eq!(labels(&get_ok(tom, &shared, &[]).body), looking);
    for (_, path) in ALL {
        let url = format!("{shared}{path}");
        let res = tom.get(&url);
        if looking
            .iter()
            .any(|l| ALL.iter().any(|(a, p)| a == l && p == path))
        {
            assert_eq!(res.status, 200, "{url}");
        } else {
            assert_eq!(res.status, 403, "{url}: a hidden tab is refused too");
        }
    }
    // Their own tenant shows them everything.
    let own = format!("/accounts/{}", w.target.id);
    assert_eq!(labels(&get_ok(tom, &own, &[]).body), everything);
}

#[test]
fn another_tenants_id_is_a_404_on_every_tab() {
    let app = TestApp::start();
    let (_, _, acme) = owner(&app, "Acme", "olivia@acme.example");
    let (stranger, _, _) = owner(&app, "Globex", "hank@globex.example");
    for (_, path) in ALL
        .iter()
        .chain(&[("Accounts shared with us", "/shared-with-us")])
    {
        let url = format!("/accounts/{}{path}", acme.id);
        for headers in [&[][..], PANEL] {
            let res = stranger.get_with(&url, headers);
            assert_eq!(res.status, 404, "{url} {headers:?}");
            assert!(!res.body.contains("Acme"), "{url} reveals nothing");
        }
    }
}
