//! The tabbed tenant page in a browser: tab links swap the panel without reloading the page,
//! the address bar follows, Back returns to the previous tab, and the strip fits 360 px.

use super::{Driver, browser, submit_sign_in, wait_for_heading};
use crate::common::{PASSWORD, TestApp};
use fantoccini::{Client, Locator};
use liaison::services::tenants::{self, NewTenant};
use std::time::{Duration, Instant};

/// Waits until the JavaScript expression is true.
async fn wait_js(client: &Client, expression: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let value = client
            .execute(&format!("return !!({expression})"), vec![])
            .await
            .unwrap();
        if value == serde_json::json!(true) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "never true: {expression} on {:?}",
            client.current_url().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// True when the page loaded with the marker is still the one shown (no reload happened).
async fn not_reloaded(client: &Client) -> bool {
    let marker = client
        .execute("return window.__marker === 1", vec![])
        .await
        .unwrap();
    marker == serde_json::json!(true)
}

/// The tab shown as current, and the path in the address bar, once they agree with `path`.
async fn on_tab(client: &Client, label: &str, path: &str) {
    wait_js(client, &format!("location.pathname === '{path}'")).await;
    wait_js(
        client,
        &format!(
            "document.querySelector('#tenant-tabs a[aria-current=page]').textContent === '{label}' \
             && document.querySelector('#tab-panel h2').textContent === '{label}'"
        ),
    )
    .await;
}

#[tokio::test]
async fn tabs_switch_without_reloading_and_back_returns() {
    let app = TestApp::start();
    app.create_user("olivia@acme.example", false);
    let acme = tenants::create(
        &mut app.conn(),
        NewTenant {
            name: "Acme",
            is_partner: false,
            parent_id: None,
            owner_email: "olivia@acme.example",
        },
        None,
    )
    .unwrap();
    let driver = Driver::start();
    let (client, _profile) = browser(&driver, 360).await;
    client.goto(&format!("{}/signin", app.base)).await.unwrap();
    submit_sign_in(&client, "olivia@acme.example", PASSWORD).await;
    wait_for_heading(&client, "Dashboard").await;

    let base = format!("/accounts/{}", acme.id);
    client.goto(&format!("{}{base}", app.base)).await.unwrap();
    wait_for_heading(&client, "Acme").await;
    wait_js(&client, "typeof window.htmx === 'object'").await;
    // At 360 px the strip scrolls on its own; the page never scrolls sideways.
    let fits = client
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::json!(true), "the tenant page fits 360 px");
    client.execute("window.__marker = 1", vec![]).await.unwrap();

    let users = format!("{base}/users");
    let tab = format!("#tenant-tabs a[href='{users}']");
    client
        .find(Locator::Css(&tab))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    on_tab(&client, "Users & roles", &users).await;
    wait_js(&client, "document.title.startsWith('Users & roles · Acme')").await;
    assert!(
        not_reloaded(&client).await,
        "the tab switch did not reload the page"
    );

    let activity = format!("{base}/activity");
    let tab = format!("#tenant-tabs a[href='{activity}']");
    client
        .find(Locator::Css(&tab))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    on_tab(&client, "Activity", &activity).await;
    assert!(not_reloaded(&client).await);
    let fits = client
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        serde_json::json!(true),
        "the Activity tab fits 360 px"
    );

    client.back().await.unwrap();
    on_tab(&client, "Users & roles", &users).await;
    client.back().await.unwrap();
    wait_js(&client, &format!("location.pathname === '{base}'")).await;
    wait_js(
        &client,
        "document.querySelector('#tenant-tabs a[aria-current=page]').textContent === 'Overview'",
    )
    .await;
    assert!(
        not_reloaded(&client).await,
        "Back restored the tabs in place"
    );
    client.close().await.unwrap();
}
