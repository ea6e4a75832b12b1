//! Browser end-to-end tests: the real pages in headless Chromium through chromedriver.
//! Run by scripts/test.sh with CHROMIUM and CHROMEDRIVER set (Debian's chromium and
//! chromium-driver); a missing browser fails the run, it is never skipped.

#[path = "../it/common/mod.rs"]
mod common;

use common::{PASSWORD, TestApp};

mod apps;
mod tabs;
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn required_env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} must name the executable (scripts/test.sh sets it)"))
}

/// chromedriver on a free port, killed when the test ends.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(required_env("CHROMEDRIVER"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let status = common::Client::new(&url);
        common::wait_until("chromedriver is ready", Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && status.get("/status").body.contains("\"ready\":true")
        });
        Self { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh Chromium session; keep the returned profile directory alive as long as the session.
async fn browser(driver: &Driver, width: u32) -> (Client, tempfile::TempDir) {
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": required_env("CHROMIUM"),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", format!("--window-size={width},900"),
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("open a Chromium session");
    (client, profile)
}

/// Waits for a heading with exactly this text.
async fn wait_for_heading(client: &Client, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(h1) = client.find(Locator::Css("h1")).await
            && h1.text().await.unwrap_or_default() == text
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no <h1>{text}</h1> on {:?}",
            client.current_url().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The text of the page's main area; empty while a navigation has no page to show yet (the
/// callers wait for a condition, so a page in flight reads as "not yet").
async fn main_text(client: &Client) -> String {
    match client.find(Locator::Css("main")).await {
        Ok(main) => main.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Fills the sign-in form as a user would: through its labelled fields and its button.
async fn submit_sign_in(client: &Client, email: &str, password: &str) {
    client.find(Locator::Css("label[for=email]")).await.unwrap();
    client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action='/signin'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until the page's main area says `text`.
async fn wait_for_text(client: &Client, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let main = main_text(client).await;
        if main.contains(text) {
            return;
        }
        assert!(Instant::now() < deadline, "{text:?} never appeared: {main}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_user_signs_in_and_sees_the_dashboard() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let driver = Driver::start();
    let (client, _profile) = browser(&driver, 1280).await;

    client.goto(&format!("{}/", app.base)).await.unwrap();
    wait_for_heading(&client, "Sign in").await;
    submit_sign_in(&client, "ada@example.com", PASSWORD).await;

    wait_for_heading(&client, "Dashboard").await;
    let main = main_text(&client).await;
    assert!(main.contains("Signed in as ada@example.com."), "{main}");
    assert!(main.contains("Welcome, Test User."));
    // The vendored htmx loaded under the strict Content-Security-Policy.
    let htmx = client
        .execute("return typeof window.htmx", vec![])
        .await
        .unwrap();
    assert_eq!(htmx, serde_json::json!("object"));

    client
        .find(Locator::Css("form[action='/signout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, "Sign in").await;
    wait_for_text(&client, "You have signed out.").await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn pages_fit_a_narrow_screen_and_show_form_errors() {
    let app = TestApp::start();
    app.create_user("ada@example.com", false);
    let driver = Driver::start();
    let (client, _profile) = browser(&driver, 360).await;

    client.goto(&format!("{}/signin", app.base)).await.unwrap();
    wait_for_heading(&client, "Sign in").await;
    submit_sign_in(&client, "ada@example.com", "not the password").await;
    wait_for_text(&client, "The email address or password is not correct.").await;
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
        "the sign-in page fits 360 px without scrolling sideways"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_customer_table_labels_each_cell_with_its_column_on_a_narrow_screen() {
    use liaison::services::links::{self, Invite};
    let app = TestApp::start();
    let betty = app.create_user("betty@msp.example", false);
    let msp = app.create_partner("Betty's MSP", "betty@msp.example");
    let levels = links::access_levels(&mut app.conn(), &msp.id).unwrap();
    let invite = Invite {
        email: "bruce@wayne.example",
        access_level: &levels[0].role_id,
        message: "",
    };
    links::invite(&mut app.conn(), &app.settings, &betty, &msp.id, invite).unwrap();
    let driver = Driver::start();
    let (client, _profile) = browser(&driver, 360).await;
    client.goto(&format!("{}/signin", app.base)).await.unwrap();
    submit_sign_in(&client, "betty@msp.example", PASSWORD).await;
    wait_for_heading(&client, "Dashboard").await;
    client
        .goto(&format!("{}/accounts/{}/customers", app.base, msp.id))
        .await
        .unwrap();
    wait_for_text(&client, "bruce@wayne.example").await;
    // The stylesheet names the cells (the headers are off screen there): each label must be its
    // column's header.
    let labels = client
        .execute(
            "const headers = [...document.querySelectorAll('table.customers thead th')]
                .map(th => JSON.stringify(th.textContent.trim()));
             const cells = [...document.querySelectorAll('table.customers tbody tr:first-child td')]
                .map(td => getComputedStyle(td, '::before').content);
             return { headers, cells, fits: document.documentElement.scrollWidth <= window.innerWidth };",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(labels["headers"].as_array().unwrap().len(), 8, "{labels}");
    assert_eq!(labels["cells"], labels["headers"], "{labels}");
    assert_eq!(labels["fits"], serde_json::json!(true), "{labels}");
    client.close().await.unwrap();
}

/// Clicks the first element matching `css`.
async fn click(client: &Client, css: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Types into the field labelled by `<label for=id>`.
async fn fill(client: &Client, id: &str, text: &str) {
    client
        .find(Locator::Css(&format!("label[for={id}]")))
        .await
        .unwrap_or_else(|_| panic!("no label for {id}"));
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The text of the row of the Account Management table for this email.
async fn customer_row(client: &Client, email: &str) -> String {
    let rows = client
        .find_all(Locator::Css("#customers-region tbody tr"))
        .await
        .unwrap();
    for row in rows {
        let text = row.text().await.unwrap_or_default();
        if text.contains(email) {
            return text;
        }
    }
    String::new()
}

#[tokio::test]
async fn a_partner_links_a_customer_who_accepts_then_logs_in_and_deletes_it() {
    let app = TestApp::start();
    app.create_user("betty@msp.example", false);
    let msp = app.create_partner("Betty's MSP", "betty@msp.example");
    let driver = Driver::start();
    let (partner, _p1) = browser(&driver, 1280).await;
    let (customer, _p2) = browser(&driver, 360).await;

    // The partner adds a customer through the dialog.
    partner.goto(&format!("{}/signin", app.base)).await.unwrap();
    submit_sign_in(&partner, "betty@msp.example", PASSWORD).await;
    wait_for_heading(&partner, "Dashboard").await;
    click(&partner, "nav a[href*='/customers']").await;
    wait_for_text(&partner, "Your customers' accounts").await;
    click(&partner, "a.button[href$='/customers/new']").await;
    partner
        .wait()
        .for_element(Locator::Css("dialog[open] #email"))
        .await
        .unwrap();
    fill(&partner, "email", "bruce@wayne.example").await;
    click(
        &partner,
        "dialog[open] form.add-account button[type=submit]",
    )
    .await;
    wait_for_text(&partner, "Invitation sent to bruce@wayne.example.").await;
    assert!(
        customer_row(&partner, "bruce@wayne.example")
            .await
            .contains("Pending")
    );
    let list_url = partner.current_url().await.unwrap();
    assert!(list_url.path().contains(&msp.id), "{list_url}");

    // Resend, a row's button submitting the page's action form through htmx: feedback, and a
    // second email whose link is the one that works now.
    click(&partner, "button[formaction$='/resend']").await;
    wait_for_text(
        &partner,
        "A new invitation was sent to bruce@wayne.example.",
    )
    .await;
    assert_eq!(
        app.count("outbox WHERE to_address = 'bruce@wayne.example'"),
        2
    );
    assert_eq!(partner.current_url().await.unwrap(), list_url);

    // The customer opens the emailed link, creates an account and accepts.
    let token = {
        use diesel::prelude::*;
        use liaison::db::schema::outbox;
        let body: String = outbox::table
            .filter(outbox::to_address.eq("bruce@wayne.example"))
            .order(outbox::id.desc())
            .select(outbox::body_text)
            .first(&mut app.conn())
            .unwrap();
        let start = body.find(&format!("{}/invitations/", app.base)).unwrap();
        body[start..].split_whitespace().next().unwrap().to_string()
    };
    customer.goto(&token).await.unwrap();
    wait_for_text(&customer, "Betty's MSP").await;
    fill(&customer, "name", "Bruce Wayne").await;
    fill(&customer, "password", "a long enough password").await;
    fill(&customer, "confirm_password", "a long enough password").await;
    click(&customer, "form[action$='/register'] button[type=submit]").await;
    customer
        .wait()
        .for_element(Locator::Id("new_name"))
        .await
        .unwrap();
    fill(&customer, "new_name", "Wayne Enterprises").await;
    click(&customer, "form[action$='/accept'] button[type=submit]").await;
    wait_for_text(&customer, "You have accepted the request from Betty's MSP.").await;
    let fits = customer
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::json!(true), "the invitation fits 360 px");

    // The partner's row turns Connected without a reload (the page's URL never changed).
    let deadline = Instant::now() + Duration::from_secs(30);
    while !customer_row(&partner, "bruce@wayne.example")
        .await
        .contains("Connected")
    {
        assert!(Instant::now() < deadline, "the row never showed Connected");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(partner.current_url().await.unwrap(), list_url);
    assert!(
        customer_row(&partner, "bruce@wayne.example")
            .await
            .contains("Wayne Enterprises")
    );

    // Login: the banner says where and as whom; Return goes back.
    click(&partner, "button[formaction$='/login']").await;
    wait_for_heading(&partner, "Wayne Enterprises").await;
    let banner = partner
        .find(Locator::Css(".acting-banner"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        banner.contains("You are working in Wayne Enterprises"),
        "{banner}"
    );
    assert!(banner.contains("from Betty's MSP"), "{banner}");
    click(&partner, ".acting-banner button").await;
    wait_for_text(&partner, "Your customers' accounts").await;
    assert!(partner.find(Locator::Css(".acting-banner")).await.is_err());

    // Delete Account asks first, then the row leaves the table.
    click(&partner, "button[formaction$='/delete']").await;
    let question = partner.get_alert_text().await.unwrap();
    assert!(
        question.contains("bruce@wayne.example") || question.contains("Wayne Enterprises"),
        "{question}"
    );
    partner.accept_alert().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !customer_row(&partner, "bruce@wayne.example")
        .await
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the deleted row stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.count("access_grants WHERE status = 'removed'"), 1);
    assert_eq!(app.count("outbox WHERE template = 'partner_link_ended'"), 1);
    partner.close().await.unwrap();
    customer.close().await.unwrap();
}
