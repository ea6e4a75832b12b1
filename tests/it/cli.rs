//! The command line, run as a user would: the real binary on a real database.

use crate::common::fresh_database;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn liaison(database: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(args)
        .env("LIAISON_DATABASE_URL", database)
        .env("LIAISON_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit before reading (a bad flag): a closed pipe is not a failure here.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn database_url(url: &liaison::db::DatabaseUrl) -> String {
    match url {
        liaison::db::DatabaseUrl::Sqlite(path) => format!("sqlite://{path}"),
        liaison::db::DatabaseUrl::Postgres(raw) => raw.clone(),
    }
}

#[test]
fn users_and_tenants_are_added_from_the_command_line() {
    let (url, _dir) = fresh_database();
    let db = database_url(&url);
    let out = liaison(&db, &["migrate"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    assert!(
        text(&out.stdout).contains(&format!("Applied {migrations} migration")),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&liaison(&db, &["migrate"], "").stdout).contains("up to date"));

    let out = liaison(
        &db,
        &[
            "user",
            "add",
            "--email",
            "betty@msp.example",
            "--name",
            "Betty",
            "--type",
            "core",
        ],
        "a long cli password\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Created the user betty@msp.example (core)."));

    let out = liaison(
        &db,
        &[
            "tenant",
            "add",
            "--name",
            "Betty's MSP",
            "--partner",
            "--owner",
            "BETTY@msp.example",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let id = stdout.lines().last().unwrap().trim().to_string();
    assert_eq!(id.len(), 36, "the id alone on the last line: {stdout}");

    let out = liaison(
        &db,
        &[
            "tenant",
            "add",
            "--name",
            "Betty's Lab",
            "--parent",
            &id,
            "--owner",
            "betty@msp.example",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let pool = liaison::db::pool(&url, 1).unwrap();
    let tenant = liaison::services::tenants::find(&mut pool.get().unwrap(), &id)
        .unwrap()
        .unwrap();
    assert!(tenant.is_partner);
    assert_eq!(tenant.name, "Betty's MSP");
}

#[test]
fn the_command_line_explains_bad_input_and_changes_nothing() {
    let (url, _dir) = fresh_database();
    let db = database_url(&url);
    let out = liaison(
        &db,
        &["user", "add", "--email", "not-an-email", "--name", "X"],
        "a long cli password\n",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Enter a valid email address"),
        "{}",
        text(&out.stderr)
    );
    let out = liaison(
        &db,
        &["user", "add", "--email", "a@example.com", "--name", "X"],
        "",
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no password on standard input"));
    let out = liaison(
        &db,
        &[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "X",
            "--type",
            "admin",
        ],
        "a long cli password\n",
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("unknown user type"));
    let out = liaison(
        &db,
        &[
            "tenant",
            "add",
            "--name",
            "Orphan",
            "--owner",
            "nobody@example.com",
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("There is no user with the email address nobody@example.com.")
    );
    let out = liaison("mysql://localhost/x", &["migrate"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("unsupported database URL scheme"));

    let pool = liaison::db::pool(&url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    liaison::db::migrate(&mut conn).unwrap();
    assert_eq!(liaison::services::users::count(&mut conn).unwrap(), 0);
}

#[test]
fn help_documents_every_command_and_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .arg("--help")
        .output()
        .unwrap();
    let help = text(&out.stdout);
    for word in [
        "serve",
        "migrate",
        "user",
        "tenant",
        "demo",
        "LIAISON_BIND",
        "LIAISON_DATABASE_URL",
        "LIAISON_BASE_URL",
        "LIAISON_SMTP_URL",
        "LIAISON_MAIL_FROM",
        "LIAISON_SESSION_KEY",
    ] {
        assert!(help.contains(word), "--help mentions {word}: {help}");
    }
}

#[test]
fn tenant_names_are_unique_even_when_created_at_once() {
    let (url, _dir) = fresh_database();
    let pool = liaison::db::pool(&url, 4).unwrap();
    liaison::db::migrate(&mut pool.get().unwrap()).unwrap();
    let input = liaison::services::users::NewUser {
        email: "o@example.com",
        name: "Owner",
        password: "a long cli password",
        user_type: liaison::domain::user::UserType::Full,
        is_staff: false,
    };
    liaison::services::users::create(
        &mut pool.get().unwrap(),
        &liaison::domain::password::Hasher::new(1),
        input,
        None,
    )
    .unwrap();
    let results: Vec<Result<_, _>> = std::thread::scope(|s| {
        let handles: Vec<_> = ["Gotham", "GOTHAM"]
            .into_iter()
            .map(|name| {
                let pool = pool.clone();
                s.spawn(move || {
                    let input = liaison::services::tenants::NewTenant {
                        name,
                        is_partner: false,
                        parent_id: None,
                        owner_email: "o@example.com",
                    };
                    liaison::services::tenants::create(&mut pool.get().unwrap(), input, None)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    let err = results.into_iter().find_map(Result::err).unwrap();
    assert!(
        matches!(&err, liaison::services::ServiceError::Invalid(e) if e[0].message.contains("already exists")),
        "{err:?}"
    );
}

#[test]
fn demo_loads_once_and_prints_the_sign_ins() {
    let (url, _dir) = fresh_database();
    let db = database_url(&url);
    let data = tempfile::tempdir().unwrap();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_liaison"))
            .args([
                "demo",
                "--data-dir",
                data.path().to_str().unwrap(),
                "--database-url",
                &db,
            ])
            .env("LIAISON_LOG", "warn")
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{}", text(&first.stderr));
    let out = text(&first.stdout);
    assert!(out.contains("Loaded the demo data."));
    for email in [
        "support@liaison.example",
        "betty@bettys-msp.example",
        "bruce@wayne.example",
    ] {
        assert!(out.contains(email), "{out}");
    }
    assert!(out.contains(liaison::demo::DEMO_PASSWORD));
    assert!(text(&run().stdout).contains("The demo data is already loaded."));
    let pool = liaison::db::pool(&url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    let betty = liaison::services::tenants::find_by_name(&mut conn, "Betty's MSP")
        .unwrap()
        .unwrap();
    assert!(betty.is_partner);
    assert!(
        liaison::services::tenants::find_by_name(&mut conn, "Wayne Enterprises Gotham Research")
            .unwrap()
            .is_some()
    );
    // Betty's Account Management shows customers in every status.
    let betty_admin =
        liaison::services::users::find_by_email(&mut conn, "betty@bettys-msp.example")
            .unwrap()
            .unwrap();
    let access = liaison::services::links::partner_access(
        &mut conn,
        &betty_admin,
        &betty.id,
        liaison::domain::permission::Permission::CustomersView,
    )
    .unwrap();
    for status in liaison::domain::link::LinkStatus::LISTED {
        let filter = liaison::services::links::LinkFilter {
            status: Some(status),
            ..Default::default()
        };
        let page = liaison::services::links::list_for_partner(&mut conn, &access, &filter).unwrap();
        assert!(
            !page.rows.is_empty(),
            "the demo has a {} link",
            status.label()
        );
    }
    // The later pages have something to show too: an app and a data source.
    use diesel::prelude::*;
    let apps: i64 = liaison::db::schema::apps::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    let sources: i64 = liaison::db::schema::datasources::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!((apps, sources), (1, 1));
}

/// Kills the child process when the test ends, whatever happens.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_on_an_empty_database_prints_a_one_time_setup_link() {
    use std::io::BufRead;
    let (url, _dir) = fresh_database();
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_liaison"))
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
                data.path().to_str().unwrap(),
            ])
            .env("LIAISON_DATABASE_URL", database_url(&url))
            .env("LIAISON_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Keep reading standard output to the end, as a terminal would: the server goes on printing
    // after the setup link.
    let mut lines = std::io::BufReader::new(child.0.stdout.take().unwrap()).lines();
    let prefix = format!("http://127.0.0.1:{port}/setup/");
    let link = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find_map(|l| {
            l.trim()
                .strip_prefix(&prefix)
                .map(|token| format!("/setup/{token}"))
        })
        .expect("serve prints the setup link");
    std::thread::spawn(move || lines.for_each(drop));
    let client = crate::common::Client::new(&format!("http://127.0.0.1:{port}"));
    crate::common::wait_until(
        "the server answers",
        std::time::Duration::from_secs(20),
        || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
    );
    let page = client.get(&link);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Set up Liaison"));
    assert!(
        data.path().join("session.key").exists(),
        "the session key is generated once and kept"
    );
}
