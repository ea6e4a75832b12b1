//! Typed settings from flags and `LIAISON_*` environment variables, validated once. They are
//! passed to the app as data, never kept in a global, so tests build their own.

use crate::db::DatabaseUrl;
use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::Args;
use rand::RngCore;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// Where the data lives; shared by every command.
#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// Directory for the default SQLite database and the generated session key.
    #[arg(long, env = "LIAISON_DATA_DIR", default_value = "liaison-data")]
    pub data_dir: PathBuf,
    /// `sqlite://path`, a plain file path, or `postgres://user:password@host/db`.
    /// Default: sqlite://<data-dir>/liaison.db
    #[arg(long, env = "LIAISON_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StoreArgs {
    pub fn database(&self) -> anyhow::Result<DatabaseUrl> {
        match &self.database_url {
            Some(raw) => DatabaseUrl::parse(raw).map_err(anyhow::Error::msg),
            None => Ok(DatabaseUrl::Sqlite(
                self.data_dir
                    .join("liaison.db")
                    .to_string_lossy()
                    .into_owned(),
            )),
        }
    }
}

/// Options of `liaison serve` (also accepted with no subcommand).
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address and port to listen on.
    #[arg(long, env = "LIAISON_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Public URL of the portal, used in every emailed link. Default: http://<bind>
    #[arg(long, env = "LIAISON_BASE_URL")]
    pub base_url: Option<String>,
    /// SMTP server for outgoing mail, e.g. smtp://mail.example:25,
    /// smtp://user:pass@mail.example:587?tls=required or smtps://mail.example.
    /// Without it, mail is kept in the dev mailbox at /dev/mailbox.
    #[arg(long, env = "LIAISON_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail.
    #[arg(
        long,
        env = "LIAISON_MAIL_FROM",
        default_value = "Liaison <liaison@localhost>"
    )]
    pub mail_from: String,
    /// Base64 of at least 64 random bytes that sign session cookies.
    /// Default: generated once and kept in <data-dir>/session.key
    #[arg(long, env = "LIAISON_SESSION_KEY", hide_env_values = true)]
    pub session_key: Option<String>,
    /// Base64 of exactly 32 random bytes that encrypt data source passwords at rest.
    /// Default: generated once and kept in <data-dir>/datasource.key
    #[arg(long, env = "LIAISON_DATASOURCE_KEY", hide_env_values = true)]
    pub datasource_key: Option<String>,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "LIAISON_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u64,
    /// Hours after sign-in after which a session ends, active or not.
    #[arg(long, env = "LIAISON_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u64,
    /// Address of a reverse proxy whose X-Forwarded-For header is trusted.
    #[arg(long, env = "LIAISON_TRUSTED_PROXY")]
    pub trusted_proxy: Option<IpAddr>,
    /// Database connections in the pool. Default: two per CPU on SQLite (queries run in this
    /// process, so more only queue for the CPUs), 16 on PostgreSQL.
    #[arg(long, env = "LIAISON_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// HTTP worker threads. Default: one per CPU.
    #[arg(long, env = "LIAISON_WORKERS")]
    pub workers: Option<usize>,
    /// Days an emailed invitation link stays valid (1 to 90).
    #[arg(long, env = "LIAISON_INVITATION_DAYS", default_value_t = 7)]
    pub invitation_days: u64,
    /// The environments apps are authorized in, comma-separated, e.g. "Sandbox,Stage,Production"
    /// (1 to 20 names of letters, digits, spaces and dashes, at most 40 characters, distinct).
    #[arg(
        long,
        env = "LIAISON_ENVIRONMENTS",
        default_value = "Sandbox,Stage,Production"
    )]
    pub environments: String,
}

/// How the mail worker paces itself.
#[derive(Debug, Clone)]
pub struct MailTiming {
    pub poll_interval: Duration,
    pub retry_base: Duration,
    pub max_attempts: i32,
}

/// Failed sign-ins tolerated within the window before further attempts are refused.
#[derive(Debug, Clone)]
pub struct SigninThrottle {
    pub per_account: i64,
    pub per_address: i64,
    pub window: Duration,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub base_url: Url,
    pub database: DatabaseUrl,
    pub smtp_url: Option<String>,
    pub mail_from: lettre::message::Mailbox,
    pub session_key: Vec<u8>,
    /// The key encrypting data source passwords (XChaCha20-Poly1305).
    pub datasource_key: [u8; DATASOURCE_KEY_BYTES],
    pub session_idle: Duration,
    pub session_max: Duration,
    pub trusted_proxy: Option<IpAddr>,
    pub pool_size: u32,
    pub workers: usize,
    pub mail: MailTiming,
    pub signin_throttle: SigninThrottle,
    /// How long an emailed invitation link stays valid.
    pub invitation_ttl: Duration,
    /// The environments apps are authorized in, in the order the pages show them.
    pub environments: Vec<Environment>,
}

/// An environment apps are authorized in: `key` in URLs, the API and the database
/// ("production"), `name` on the pages ("Production").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub key: String,
    pub name: String,
}

pub const MAX_ENVIRONMENTS: usize = 20;
pub const MAX_ENVIRONMENT_CHARS: usize = 40;

/// Reads `--environments`: comma-separated names, validated.
pub fn parse_environments(raw: &str) -> anyhow::Result<Vec<Environment>> {
    let mut out: Vec<Environment> = Vec::new();
    for name in raw.split(',').map(str::trim) {
        if name.is_empty() {
            bail!("--environments has an empty name (expected e.g. Sandbox,Stage,Production)");
        }
        if name.chars().count() > MAX_ENVIRONMENT_CHARS
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            bail!(
                "--environments: `{name}` must be at most {MAX_ENVIRONMENT_CHARS} letters, digits, spaces or dashes"
            );
        }
        let key = name
            .to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-");
        if out.iter().any(|e| e.key == key) {
            bail!("--environments names `{name}` twice");
        }
        out.push(Environment {
            key,
            name: name.to_string(),
        });
    }
    if out.len() > MAX_ENVIRONMENTS {
        bail!("--environments allows at most {MAX_ENVIRONMENTS} names");
    }
    Ok(out)
}

impl Settings {
    /// Settings with every default, for a given database and public URL.
    pub fn new(
        database: DatabaseUrl,
        base_url: &str,
        session_key: Vec<u8>,
    ) -> anyhow::Result<Self> {
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let pool_size = if database.is_sqlite() {
            2 * cpus as u32
        } else {
            16
        };
        Ok(Self {
            bind: "127.0.0.1:8080".into(),
            base_url: parse_base_url(base_url)?,
            database,
            smtp_url: None,
            mail_from: "Liaison <liaison@localhost>".parse()?,
            session_key,
            datasource_key: generate_datasource_key(),
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
            trusted_proxy: None,
            pool_size,
            workers: cpus,
            mail: MailTiming {
                poll_interval: Duration::from_secs(2),
                retry_base: Duration::from_secs(30),
                max_attempts: 8,
            },
            signin_throttle: SigninThrottle {
                per_account: 5,
                per_address: 20,
                window: Duration::from_secs(15 * 60),
            },
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
            environments: parse_environments("Sandbox,Stage,Production")?,
        })
    }

    pub fn from_args(args: &ServeArgs) -> anyhow::Result<Self> {
        let database = args.store.database()?;
        let base_url = args
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", args.bind));
        let session_key = match &args.session_key {
            Some(raw) => decode_session_key(raw).context("--session-key / LIAISON_SESSION_KEY")?,
            None => load_or_create_session_key(&args.store.data_dir)?,
        };
        let mut s = Self::new(database, &base_url, session_key)?;
        s.datasource_key = match &args.datasource_key {
            Some(raw) => {
                decode_datasource_key(raw).context("--datasource-key / LIAISON_DATASOURCE_KEY")?
            }
            None => load_or_create_datasource_key(&args.store.data_dir)?,
        };
        s.bind = args.bind.clone();
        if let Some(smtp) = args.smtp_url.as_deref().filter(|v| !v.trim().is_empty()) {
            lettre::SmtpTransport::from_url(smtp)
                .with_context(|| "invalid --smtp-url / LIAISON_SMTP_URL (expected smtp://host:port or smtps://host)")?;
            s.smtp_url = Some(smtp.to_string());
        }
        s.mail_from = args.mail_from.parse().with_context(|| {
            format!(
                "invalid --mail-from `{}` (expected Name <address@example.com>)",
                args.mail_from
            )
        })?;
        if args.session_idle_minutes == 0 || args.session_max_hours == 0 {
            bail!("session timeouts must be at least one minute / one hour");
        }
        s.session_idle = Duration::from_secs(args.session_idle_minutes * 60);
        s.session_max = Duration::from_secs(args.session_max_hours * 3600);
        s.trusted_proxy = args.trusted_proxy;
        if let Some(size) = args.pool_size {
            if size == 0 {
                bail!("--pool-size must be at least 1");
            }
            s.pool_size = size;
        }
        if let Some(w) = args.workers {
            if w == 0 {
                bail!("--workers must be at least 1");
            }
            s.workers = w;
        }
        if !(1..=90).contains(&args.invitation_days) {
            bail!("--invitation-days must be between 1 and 90");
        }
        s.invitation_ttl = Duration::from_secs(args.invitation_days * 24 * 3600);
        s.environments = parse_environments(&args.environments)?;
        Ok(s)
    }

    /// An absolute link for emails and printed URLs: always from the configured base URL.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }

    pub fn is_https(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// The configured environment with this key.
    pub fn environment(&self, key: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.key == key)
    }

    /// The dev mailbox replaces SMTP when none is configured.
    pub fn dev_mailbox_enabled(&self) -> bool {
        self.smtp_url.is_none()
    }
}

fn parse_base_url(raw: &str) -> anyhow::Result<Url> {
    let url = Url::parse(raw).with_context(|| format!("invalid base URL `{raw}`"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        bail!("the base URL must be an http:// or https:// address, got `{raw}`");
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("the base URL cannot have a query or fragment: `{raw}`");
    }
    Ok(url)
}

pub const SESSION_KEY_BYTES: usize = 64;

fn decode_session_key(raw: &str) -> anyhow::Result<Vec<u8>> {
    let key = STANDARD
        .decode(raw.trim())
        .context("the session key is not valid base64")?;
    if key.len() < SESSION_KEY_BYTES {
        bail!("the session key must decode to at least {SESSION_KEY_BYTES} bytes");
    }
    Ok(key)
}

pub fn generate_session_key() -> Vec<u8> {
    let mut key = vec![0u8; SESSION_KEY_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

pub const DATASOURCE_KEY_BYTES: usize = 32;

fn decode_datasource_key(raw: &str) -> anyhow::Result<[u8; DATASOURCE_KEY_BYTES]> {
    let key = STANDARD
        .decode(raw.trim())
        .context("the data source key is not valid base64")?;
    key.try_into().map_err(|_| {
        anyhow::anyhow!("the data source key must decode to exactly {DATASOURCE_KEY_BYTES} bytes")
    })
}

pub fn generate_datasource_key() -> [u8; DATASOURCE_KEY_BYTES] {
    let mut key = [0u8; DATASOURCE_KEY_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

/// Reads `<data-dir>/session.key`, creating it (readable by the owner only) on first run.
fn load_or_create_session_key(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    load_or_create_key(
        data_dir,
        "session.key",
        decode_session_key,
        generate_session_key,
    )
}

/// Reads `<data-dir>/datasource.key`, creating it (readable by the owner only) on first run.
fn load_or_create_datasource_key(data_dir: &Path) -> anyhow::Result<[u8; DATASOURCE_KEY_BYTES]> {
    load_or_create_key(
        data_dir,
        "datasource.key",
        decode_datasource_key,
        generate_datasource_key,
    )
}

fn load_or_create_key<K: AsRef<[u8]>>(
    data_dir: &Path,
    file: &str,
    decode: fn(&str) -> anyhow::Result<K>,
    generate: fn() -> K,
) -> anyhow::Result<K> {
    let path = data_dir.join(file);
    if path.exists() {
        let raw = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return decode(&raw).with_context(|| format!("in {}", path.display()));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let key = generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, STANDARD.encode(key.as_ref()).as_bytes())?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_must_be_http() {
        assert!(parse_base_url("https://portal.example").is_ok());
        assert!(parse_base_url("ftp://portal.example").is_err());
        assert!(parse_base_url("not a url").is_err());
        assert!(parse_base_url("http://portal.example/?x=1").is_err());
    }

    #[test]
    fn environments_are_validated() {
        let envs = parse_environments("Sandbox, Stage ,Production").unwrap();
        let keys: Vec<_> = envs.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["sandbox", "stage", "production"]);
        assert_eq!(envs[2].name, "Production");
        assert_eq!(parse_environments("Pre Prod").unwrap()[0].key, "pre-prod");
        assert!(parse_environments("").is_err());
        assert!(parse_environments("Sandbox,,Stage").is_err());
        assert!(parse_environments("Prod,prod").is_err());
        assert!(parse_environments("a/b").is_err());
        assert!(parse_environments(&"x".repeat(41)).is_err());
        assert!(parse_environments(&vec!["e"; 21].join(",")).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("E{i}")).collect();
        assert!(parse_environments(&many.join(",")).is_err());
    }

    #[test]
    fn links_come_from_the_base_url() {
        let s = Settings::new(
            DatabaseUrl::Sqlite("x".into()),
            "https://portal.example/",
            generate_session_key(),
        )
        .unwrap();
        assert_eq!(s.link("/setup/abc"), "https://portal.example/setup/abc");
    }

    #[test]
    fn session_key_is_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_session_key(dir.path()).unwrap();
        let second = load_or_create_session_key(dir.path()).unwrap();
        assert_eq!(first.len(), SESSION_KEY_BYTES);
        assert_eq!(first, second);
        assert!(decode_session_key("c2hvcnQ=").is_err());
    }
}
