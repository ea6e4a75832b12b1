//! The test harness: the real app on a real database (a fresh SQLite file, or a fresh database
//! on the PostgreSQL server named by TEST_DATABASE_URL), served over HTTP on a free port.
#![allow(dead_code)]

use diesel::{Connection, PgConnection, RunQueryDsl};
use liaison::config::{Settings, generate_session_key};
use liaison::db::{DatabaseUrl, Pool, PooledConnection, QueryCounter};
use liaison::domain::password::Hasher;
use liaison::domain::user::UserType;
use liaison::server::{self, Running};
use liaison::services::tenants::{self, NewTenant, Tenant};
use liaison::services::users::{self, User};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "a sturdy test password";

/// A database of its own for one test.
pub fn fresh_database() -> (DatabaseUrl, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(admin) => {
            let name = format!("liaison_test_{}", uuid::Uuid::now_v7().simple());
            let mut conn = PgConnection::establish(&admin).expect("connect to TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create test database");
            let mut url = url::Url::parse(&admin).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            (DatabaseUrl::Postgres(url.to_string()), None)
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("liaison.db").to_string_lossy().into_owned();
            (DatabaseUrl::Sqlite(path), Some(dir))
        }
    }
}

pub fn is_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

pub struct TestApp {
    pub base: String,
    pub settings: Settings,
    pub pool: Pool,
    /// Statements run on `pool`'s connections: the server's and the test's own.
    pub queries: QueryCounter,
    running: Option<Running>,
    _dir: Option<tempfile::TempDir>,
}

pub struct Options {
    pub mail_worker: bool,
    pub customize: Box<dyn FnOnce(&mut Settings)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            mail_worker: false,
            customize: Box::new(|_| {}),
        }
    }
}

impl TestApp {
    pub fn start() -> Self {
        Self::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> Self {
        let (database, dir) = fresh_database();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut settings = Settings::new(database, &base, generate_session_key()).unwrap();
        settings.pool_size = 4;
        settings.mail.poll_interval = Duration::from_millis(50);
        settings.mail.retry_base = Duration::from_millis(200);
        (options.customize)(&mut settings);
        let queries = QueryCounter::default();
        let pool = server::open_counted_database(&settings, queries.clone()).unwrap();
        let running = server::spawn(
            settings.clone(),
            pool.clone(),
            listener,
            options.mail_worker,
        )
        .unwrap();
        Self {
            base,
            settings,
            pool,
            queries,
            running: Some(running),
            _dir: dir,
        }
    }

    /// Stops the server and starts a new one on the same database and settings (a restart).
    pub fn restart(&mut self) {
        self.running.take().unwrap().stop();
        let addr = self.base.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind(&addr).unwrap();
        self.running =
            Some(server::spawn(self.settings.clone(), self.pool.clone(), listener, false).unwrap());
    }

    /// Stops the server and its mail worker (waiting for the worker's round to finish).
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
        }
    }

    /// `n` mail workers, each with a pool of its own as another instance on the same database
    /// runs it, started together once every pool is open.
    pub fn start_mail_workers(&self, n: usize) -> Vec<liaison::mail::worker::Worker> {
        let pools: Vec<Pool> = (0..n)
            .map(|_| server::open_database(&self.settings).unwrap())
            .collect();
        pools
            .into_iter()
            .map(|pool| liaison::mail::worker::Worker::start(pool, self.settings.clone()).unwrap())
            .collect()
    }

    /// A second portal instance on the same database and settings, as behind a load balancer.
    pub fn second_instance(&self) -> (String, Running) {
        self.second_instance_with(false)
    }

    /// [`TestApp::second_instance`] with its own pool, and its own mail worker if asked: another
    /// process on the same database.
    pub fn second_instance_with(&self, mail_worker: bool) -> (String, Running) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let pool = server::open_database(&self.settings).unwrap();
        let running = server::spawn(self.settings.clone(), pool, listener, mail_worker).unwrap();
        (base, running)
    }

    pub fn conn(&self) -> PooledConnection {
        self.pool.get().unwrap()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    pub fn create_user(&self, email: &str, staff: bool) -> User {
        let mut conn = self.conn();
        let input = users::NewUser {
            email,
            name: "Test User",
            password: PASSWORD,
            user_type: UserType::Full,
            is_staff: staff,
        };
        users::create(&mut conn, &Hasher::new(1), input, None).unwrap()
    }

    /// A partner tenant whose owner is the (existing) user `owner_email`.
    pub fn create_partner(&self, name: &str, owner_email: &str) -> Tenant {
        let input = NewTenant {
            name,
            is_partner: true,
            parent_id: None,
            owner_email,
        };
        tenants::create(&mut self.conn(), input, None).unwrap()
    }

    /// A client signed in as a new user.
    pub fn signed_in(&self, email: &str, staff: bool) -> (Client, User) {
        let user = self.create_user(email, staff);
        let client = self.client();
        let res = client.sign_in(email, PASSWORD);
        assert_eq!(res.status, 303, "sign-in failed: {}", res.body);
        (client, user)
    }

    pub fn user(&self, email: &str) -> Option<User> {
        users::find_by_email(&mut self.conn(), &email.to_lowercase()).unwrap()
    }

    pub fn count(&self, table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(&mut self.conn())
            .unwrap()
            .n
    }

    /// Actions of the audit log, newest first.
    pub fn audit_actions(&self) -> Vec<String> {
        let filter = liaison::services::audit::AuditFilter::default();
        liaison::services::audit::list(&mut self.conn(), &filter, 1000)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.action)
            .collect()
    }
}

/// Polls a condition until it holds, failing the test after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Collects the messages a real SMTP server (mailin-embedded) receives.
#[derive(Clone, Default)]
struct Inbox {
    current: Vec<u8>,
    received: Arc<Mutex<Vec<String>>>,
}

impl mailin_embedded::Handler for Inbox {
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> mailin_embedded::Response {
        let message = String::from_utf8_lossy(&std::mem::take(&mut self.current)).into_owned();
        self.received.lock().unwrap().push(message);
        mailin_embedded::response::OK
    }
}

/// Starts a real SMTP server on `listener`; answers the raw messages it receives.
pub fn start_smtp(listener: TcpListener) -> Arc<Mutex<Vec<String>>> {
    let inbox = Inbox::default();
    let received = inbox.received.clone();
    let mut server = mailin_embedded::Server::new(inbox);
    server
        .with_name("smtp.test")
        .with_num_threads(2)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        if let Err(e) = server.serve() {
            panic!("the test SMTP server stopped: {e}");
        }
    });
    received
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }
    /// The session cookie set by this response, as `name=value`.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .find(|(_, v)| v.starts_with("liaison_session=") && !v.starts_with("liaison_session=;"))
            .map(|(_, v)| v.split(';').next().unwrap().to_string())
    }
}

/// A browser-like HTTP client: keeps cookies, does not follow redirects.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    extra_headers: Vec<(String, String)>,
}

impl Client {
    pub fn new(base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Self {
            agent,
            base: base.to_string(),
            extra_headers: Vec::new(),
        }
    }

    /// Sends this header with every request (e.g. a stolen cookie, Sec-Fetch-Site).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.extra_headers
            .push((name.to_string(), value.to_string()));
        self
    }

    fn finish(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
        let mut res = res.expect("HTTP request failed");
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = res
            .body_mut()
            .with_config()
            .limit(10 * 1024 * 1024)
            .read_to_string()
            .unwrap_or_default();
        Resp {
            status,
            body,
            headers,
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.get_with(path, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        for (n, v) in self
            .extra_headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain(headers.iter().copied())
        {
            req = req.header(n, v);
        }
        Self::finish(req.call())
    }

    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.post_form_with(path, fields, &[])
    }

    pub fn post_form_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.agent.post(format!("{}{path}", self.base));
        for (n, v) in self
            .extra_headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain(headers.iter().copied())
        {
            req = req.header(n, v);
        }
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        Self::finish(
            req.content_type("application/x-www-form-urlencoded")
                .send(body),
        )
    }

    /// The CSRF token of the form on a page.
    pub fn csrf(&self, path: &str) -> String {
        let page = self.get(path);
        csrf_in(&page.body)
            .unwrap_or_else(|| panic!("no CSRF token on {path} ({}): {}", page.status, page.body))
    }

    /// Posts a form the way the page would: with the page's CSRF token.
    pub fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf(page);
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all)
    }

    pub fn sign_in(&self, email: &str, password: &str) -> Resp {
        self.submit(
            "/signin",
            "/signin",
            &[("email", email), ("password", password), ("next", "/")],
        )
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}
