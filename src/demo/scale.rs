//! The benchmark data set (`liaison demo --scale medium|large`, issue 8): one big partner with
//! links in every status, many more partners, pending invitations whose tokens are written to a
//! file, a deep chain of sub-accounts, shared data sources and a large audit log.
//!
//! Rows are written exactly as the services write them (tenants with their built-in roles and
//! the owner's membership, links as `links::invite`/`accept`/`decline`/`delete` leave them,
//! audit events filed where those services file them), but in bulk: multi-row INSERTs of
//! generated literals, a few thousand rows a statement, one transaction a phase. Every value is
//! generated here, never user input; strings still go through [`Q`], which doubles quotes.

use crate::config::Settings;
use crate::db::{AnyConnection, write_transaction};
use crate::domain::link::LinkStatus;
use crate::domain::password::Hasher;
use crate::domain::permission::Permission;
use crate::domain::role::{AppliesTo, BuiltinRole};
use crate::domain::token;
use crate::services::audit::actions;
use crate::services::datasources::{self, MAX_SHARED_TENANTS};
use crate::services::{links, now, users};
use anyhow::{Context, bail};
use chrono::{Duration, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::DEMO_PASSWORD;

/// The big partner.
pub const PARTNER_NAME: &str = "Bench MSP";
pub const PARTNER_ADMIN: &str = "admin@bench.example";
pub const DEEP_TOP_NAME: &str = "Deep Corp";
pub const DEEP_USER: &str = "deep@bench.example";
pub const INVITATIONS_FILE: &str = "bench-invitations.tsv";
pub const MANIFEST_FILE: &str = "bench.json";
/// How long the write-path invitations stay valid.
pub const INVITATION_DAYS: i64 = 30;

/// How big the data set is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    pub name: String,
    /// Customer links of Bench MSP, in every status.
    pub links: usize,
    /// Other partners, each with an admin and [`Scale::customers_per_partner`] connected customers.
    pub partners: usize,
    pub customers_per_partner: usize,
    /// Invitee users; each has one pending invitation from every other partner.
    pub invitees: usize,
    /// Sub-accounts below Deep Corp, each the child of the previous.
    pub depth: usize,
    /// Data sources of Bench MSP.
    pub datasources: usize,
    /// Distinct customers of Bench MSP the data sources are shared with (each data source with
    /// at most [`MAX_SHARED_TENANTS`] of them, the product's limit).
    pub shared_tenants: usize,
    /// Audit events in all (at least the ones the generated history implies).
    pub audit_events: usize,
}

impl Scale {
    pub fn large() -> Self {
        Self {
            name: "large".into(),
            links: 100_000,
            partners: 1_000,
            customers_per_partner: 3,
            invitees: 40,
            depth: 1_000,
            datasources: 10,
            shared_tenants: 1_000,
            audit_events: 1_000_000,
        }
    }

    pub fn medium() -> Self {
        Self {
            name: "medium".into(),
            links: 10_000,
            partners: 200,
            customers_per_partner: 3,
            invitees: 40,
            depth: 1_000,
            datasources: 5,
            shared_tenants: 100,
            audit_events: 100_000,
        }
    }

    /// A few hundred rows, for tests.
    pub fn tiny() -> Self {
        Self {
            name: "tiny".into(),
            links: 200,
            partners: 5,
            customers_per_partner: 3,
            invitees: 3,
            depth: 30,
            datasources: 2,
            shared_tenants: 20,
            audit_events: 2_000,
        }
    }

    /// The search prefix of Bench MSP's link emails and how many links it matches: ~1 in 1000
    /// of the links, at least 10 (`customer0421` matches 100 of 100,000).
    pub fn search_prefix(&self) -> (String, usize) {
        let wanted = (self.links / 1000).max(10);
        // Each digit dropped from the 6-digit number multiplies the matches by ten.
        let mut span = 1usize;
        let mut digits = 6;
        while span * 10 <= wanted && digits > 0 {
            span *= 10;
            digits -= 1;
        }
        let start = (self.links * 421 / 1000) / span * span;
        let start = start.min(self.links.saturating_sub(span)) / span * span;
        let number = format!("{start:06}");
        let matches = span.min(self.links - start);
        (format!("customer{}", &number[..digits]), matches)
    }
}

/// The status of Bench MSP's link number `n`: 70% Connected, 12% Pending, 6% each Declined,
/// Expired and Removed.
pub fn link_status(n: usize) -> LinkStatus {
    match n % 50 {
        0..35 => LinkStatus::Connected,
        35..41 => LinkStatus::Pending,
        41..44 => LinkStatus::Declined,
        44..47 => LinkStatus::Expired,
        _ => LinkStatus::Removed,
    }
}

/// The email of Bench MSP's link number `n`.
pub fn customer_email(n: usize) -> String {
    format!("customer{n:06}@bench.example")
}

pub fn invitee_email(i: usize) -> String {
    format!("invitee{i:02}@bench.example")
}

/// What the generator made, also written to `bench.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub scale: String,
    pub password: String,
    pub partner: PartnerInfo,
    pub search_prefix: String,
    pub search_matches: usize,
    pub deep: DeepInfo,
    pub invitations_file: String,
    pub invitations: usize,
    pub audit_events: usize,
    pub datasources: Vec<String>,
    pub generated_in_seconds: f64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PartnerInfo {
    pub tenant_id: String,
    pub admin_email: String,
    pub links: usize,
    pub connected: usize,
    pub pending: usize,
    pub declined: usize,
    pub expired: usize,
    pub removed: usize,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DeepInfo {
    pub tenant_id: String,
    pub top_tenant_id: String,
    pub user_email: String,
    pub depth: usize,
}

/// A string literal: quoted, quotes doubled.
struct Q<'a>(&'a str);

impl fmt::Display for Q<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('\'')?;
        for (i, part) in self.0.split('\'').enumerate() {
            if i > 0 {
                f.write_str("''")?;
            }
            f.write_str(part)?;
        }
        f.write_char('\'')
    }
}

/// An optional string literal (NULL when None).
struct OQ<'a>(Option<&'a str>);

impl fmt::Display for OQ<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) => Q(s).fmt(f),
            None => f.write_str("NULL"),
        }
    }
}

/// A timestamp literal in the format diesel stores on SQLite (PostgreSQL reads it too).
struct T(NaiveDateTime);

impl fmt::Display for T {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.0.format("%F %T%.f"))
    }
}

struct OT(Option<NaiveDateTime>);

impl fmt::Display for OT {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(t) => T(t).fmt(f),
            None => f.write_str("NULL"),
        }
    }
}

/// The tables written, in the order their rows may reference each other.
#[derive(Clone, Copy)]
enum Table {
    Tenants,
    Users,
    Roles,
    RolePermissions,
    Memberships,
    Grants,
    Shares,
    Audit,
}

const TABLES: [(&str, &str); 8] = [
    (
        "tenants",
        "id, name, name_key, account_number, parent_id, is_partner, multi_tenancy, created_at",
    ),
    (
        "users",
        "id, email, email_key, name, password_hash, user_type, is_staff, created_at, updated_at",
    ),
    (
        "roles",
        "id, tenant_id, name, description, applies_to, builtin, created_at",
    ),
    ("role_permissions", "role_id, permission"),
    ("memberships", "id, user_id, role_id, tenant_id, created_at"),
    (
        "access_grants",
        "id, origin, grantee_tenant_id, owner_tenant_id, limiting_role_id, status, email, \
         email_key, message, token_hash, invitation_expires_at, invited_by_user_id, invited_at, \
         connected_at, accepted_by_user_id, ended_at, end_reason, updated_at",
    ),
    ("datasource_shares", "datasource_id, tenant_id, permissions"),
    (
        "audit_events",
        "id, occurred_at, actor_user_id, actor_email, tenant_id, grant_id, action, subject, \
         detail, ip, grantee_tenant_id",
    ),
];

/// Rows a statement at most, and its size at most.
const MAX_ROWS: usize = 1_000;
const MAX_BYTES: usize = 512 * 1024;

/// Multi-row INSERT buffers, one a table. When one is full, all are flushed in [`TABLES`]
/// order, so a row's parents are always written first (foreign keys are checked).
struct Writer {
    bufs: Vec<(String, usize)>,
}

impl Writer {
    fn new() -> Self {
        Self {
            bufs: TABLES.iter().map(|_| (String::new(), 0)).collect(),
        }
    }

    fn push(
        &mut self,
        c: &mut AnyConnection,
        table: Table,
        row: fmt::Arguments<'_>,
    ) -> anyhow::Result<()> {
        let i = table as usize;
        let (buf, rows) = &mut self.bufs[i];
        if *rows == 0 {
            buf.clear();
            let (name, columns) = TABLES[i];
            write!(buf, "INSERT INTO {name} ({columns}) VALUES ")?;
        } else {
            buf.push(',');
        }
        buf.push('(');
        buf.write_fmt(row)?;
        buf.push(')');
        *rows += 1;
        if *rows >= MAX_ROWS || buf.len() >= MAX_BYTES {
            self.flush(c)?;
        }
        Ok(())
    }

    fn flush(&mut self, c: &mut AnyConnection) -> anyhow::Result<()> {
        for (i, (buf, rows)) in self.bufs.iter_mut().enumerate() {
            if *rows > 0 {
                c.batch_execute(buf)
                    .with_context(|| format!("inserting into {}", TABLES[i].0))?;
                *rows = 0;
            }
        }
        Ok(())
    }
}

/// A user as the audit log remembers them.
#[derive(Clone)]
struct Who {
    id: String,
    email: String,
}

/// A tenant and its built-in roles, in [`BuiltinRole::ALL`] order.
#[derive(Clone)]
struct Made {
    id: String,
    name: String,
    roles: [String; 4],
}

/// A connected link, for the acting events.
struct Connected {
    link_id: String,
    customer_id: String,
    customer: String,
    partner: usize,
    level: &'static str,
}

struct Gen {
    w: Writer,
    rng: StdRng,
    counter: u64,
    numbers: HashSet<u32>,
    now: NaiveDateTime,
    password_hash: String,
    builtin_permissions: Vec<Vec<&'static str>>,
    /// Each generated grant's grantee, copied onto its events as `audit::record` does.
    grantee_of: HashMap<String, String>,
}

impl Gen {
    /// A UUIDv7 for something that happened at `at`: unique through a counter.
    fn id(&mut self, at: NaiveDateTime) -> String {
        self.counter += 1;
        // Random bits like the app's ids, with a counter in the middle that keeps them unique.
        let mut bytes = [0u8; 10];
        self.rng.fill_bytes(&mut bytes);
        bytes[3..9].copy_from_slice(&self.counter.to_be_bytes()[2..]);
        let millis = at.and_utc().timestamp_millis().max(0) as u64;
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes)
            .into_uuid()
            .to_string()
    }

    /// `days` ago at most, at least `min_days` ago, at random.
    fn ago(&mut self, min_days: f64, days: f64) -> NaiveDateTime {
        let secs = self.rng.gen_range(min_days * 86_400.0..days * 86_400.0);
        self.now - Duration::milliseconds((secs * 1000.0) as i64)
    }

    /// Somewhere between `from` and now.
    fn after(&mut self, from: NaiveDateTime) -> NaiveDateTime {
        let span = (self.now - from).num_milliseconds().max(1);
        from + Duration::milliseconds(self.rng.gen_range(0..span))
    }

    fn account_number(&mut self) -> u32 {
        loop {
            let n = self.rng.gen_range(100_000_000u32..1_000_000_000);
            if self.numbers.insert(n) {
                return n;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        c: &mut AnyConnection,
        at: NaiveDateTime,
        action: &'static str,
        actor: Option<&Who>,
        tenant: Option<&str>,
        grant: Option<&str>,
        subject: Option<&str>,
        detail: &str,
        ip: Option<&str>,
    ) -> anyhow::Result<()> {
        let id = self.id(at);
        let grantee = grant.and_then(|g| self.grantee_of.get(g)).cloned();
        self.w.push(
            c,
            Table::Audit,
            format_args!(
                "{},{},{},{},{},{},{},{},{},{},{}",
                Q(&id),
                T(at),
                OQ(actor.map(|a| a.id.as_str())),
                OQ(actor.map(|a| a.email.as_str())),
                OQ(tenant),
                OQ(grant),
                Q(action),
                OQ(subject),
                Q(detail),
                OQ(ip),
                OQ(grantee.as_deref())
            ),
        )
    }

    /// A user as `users::insert` makes one (with its `user.created` event).
    fn user(
        &mut self,
        c: &mut AnyConnection,
        email: &str,
        name: &str,
        at: NaiveDateTime,
    ) -> anyhow::Result<Who> {
        let id = self.id(at);
        let key = email.to_lowercase();
        let hash = std::mem::take(&mut self.password_hash);
        let pushed = self.w.push(
            c,
            Table::Users,
            format_args!(
                "{},{},{},{},{},'full',FALSE,{},{}",
                Q(&id),
                Q(email),
                Q(&key),
                Q(name),
                Q(&hash),
                T(at),
                T(at)
            ),
        );
        self.password_hash = hash;
        pushed?;
        self.event(
            c,
            at,
            actions::USER_CREATED,
            None,
            None,
            None,
            Some(&key),
            "type full",
            None,
        )?;
        Ok(Who { id, email: key })
    }

    /// A tenant as `tenants::insert` makes one: the row, the built-in roles with their
    /// permissions, the owner's membership and the `tenant.created` event.
    #[allow(clippy::too_many_arguments)]
    fn tenant(
        &mut self,
        c: &mut AnyConnection,
        name: &str,
        is_partner: bool,
        parent: Option<&str>,
        owner: Option<&Who>,
        by: Option<&Who>,
        detail: &str,
        at: NaiveDateTime,
    ) -> anyhow::Result<Made> {
        let id = self.id(at);
        let number = self.account_number();
        self.w.push(
            c,
            Table::Tenants,
            format_args!(
                "{},{},{},'{number}',{},{},FALSE,{}",
                Q(&id),
                Q(name),
                Q(&name.to_lowercase()),
                OQ(parent),
                if is_partner { "TRUE" } else { "FALSE" },
                T(at)
            ),
        )?;
        let mut roles: [String; 4] = Default::default();
        for (i, builtin) in BuiltinRole::ALL.into_iter().enumerate() {
            let role_id = self.id(at);
            self.w.push(
                c,
                Table::Roles,
                format_args!(
                    "{},{},{},{},{},{},{}",
                    Q(&role_id),
                    Q(&id),
                    Q(builtin.name()),
                    Q(builtin.description()),
                    Q(AppliesTo::ThisAndSubAccounts.as_str()),
                    Q(builtin.key()),
                    T(at)
                ),
            )?;
            for p in 0..self.builtin_permissions[i].len() {
                let permission = self.builtin_permissions[i][p];
                self.w.push(
                    c,
                    Table::RolePermissions,
                    format_args!("{},{}", Q(&role_id), Q(permission)),
                )?;
            }
            if builtin == BuiltinRole::Owner
                && let Some(owner) = owner
            {
                let membership = self.id(at);
                self.w.push(
                    c,
                    Table::Memberships,
                    format_args!(
                        "{},{},{},{},{}",
                        Q(&membership),
                        Q(&owner.id),
                        Q(&role_id),
                        Q(&id),
                        T(at)
                    ),
                )?;
            }
            roles[i] = role_id;
        }
        self.event(
            c,
            at,
            actions::TENANT_CREATED,
            by,
            Some(&id),
            None,
            Some(name),
            detail,
            None,
        )?;
        Ok(Made {
            id,
            name: name.to_string(),
            roles,
        })
    }

    /// A customer tenant created by its owner while accepting an invitation.
    fn customer(
        &mut self,
        c: &mut AnyConnection,
        name: &str,
        email: &str,
        owner_name: &str,
        at: NaiveDateTime,
    ) -> anyhow::Result<(Made, Who)> {
        let owner = self.user(c, email, owner_name, at - Duration::minutes(5))?;
        let detail = format!("owner {}", owner.email);
        let made = self.tenant(
            c,
            name,
            false,
            None,
            Some(&owner),
            Some(&owner),
            &detail,
            at,
        )?;
        Ok((made, owner))
    }
}

/// One partner link row, as the link services leave it in its status.
struct LinkRow<'a> {
    grantee: &'a str,
    owner: Option<&'a str>,
    role: &'a str,
    status: LinkStatus,
    email: &'a str,
    token_hash: Option<&'a str>,
    expires_at: NaiveDateTime,
    invited_by: &'a str,
    invited_at: NaiveDateTime,
    connected_at: Option<NaiveDateTime>,
    accepted_by: Option<&'a str>,
    ended_at: Option<NaiveDateTime>,
    end_reason: Option<&'a str>,
    updated_at: NaiveDateTime,
}

impl Gen {
    fn link(&mut self, c: &mut AnyConnection, l: LinkRow<'_>) -> anyhow::Result<String> {
        let id = self.id(l.invited_at);
        self.w.push(
            c,
            Table::Grants,
            format_args!(
                "{},{},{},{},{},{},{},{},'',{},{},{},{},{},{},{},{},{}",
                Q(&id),
                Q(links::ORIGIN),
                Q(l.grantee),
                OQ(l.owner),
                Q(l.role),
                Q(l.status.as_str()),
                Q(l.email),
                Q(&l.email.to_lowercase()),
                OQ(l.token_hash),
                T(l.expires_at),
                Q(l.invited_by),
                T(l.invited_at),
                OT(l.connected_at),
                OQ(l.accepted_by),
                OT(l.ended_at),
                OQ(l.end_reason),
                T(l.updated_at)
            ),
        )?;
        self.grantee_of.insert(id.clone(), l.grantee.to_string());
        Ok(id)
    }
}

fn count(conn: &mut AnyConnection, table: &str) -> anyhow::Result<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(conn)?;
    Ok(n.n)
}

/// Prints a phase's line with the time since the start.
struct Progress {
    start: Instant,
    quiet: bool,
}

impl Progress {
    fn done(&self, what: &str) {
        if !self.quiet {
            println!("  {:>7.1}s  {what}", self.start.elapsed().as_secs_f64());
            let _ = std::io::stdout().flush();
        }
    }
}

/// The access levels of Bench MSP's links: mostly Administrator.
fn level_of(n: usize) -> usize {
    match n % 10 {
        0..6 => 1,
        6..9 => 2,
        _ => 3,
    }
}

/// Generates the data set into an empty database and writes `bench.json` and the invitations
/// file into `out_dir`. `quiet` leaves out the progress lines.
pub fn generate(
    conn: &mut AnyConnection,
    settings: &Settings,
    scale: &Scale,
    out_dir: &Path,
    quiet: bool,
) -> anyhow::Result<Manifest> {
    let progress = Progress {
        start: Instant::now(),
        quiet,
    };
    for table in ["tenants", "users"] {
        if count(conn, table)? > 0 {
            bail!(
                "the database already has {table}: the {} data set is loaded only into an empty \
                 database (use a new --data-dir or --database-url)",
                scale.name
            );
        }
    }
    // SQLite's default page cache (2 MiB) spills a transaction this size to the WAL over and
    // over: a larger cache for the generation makes it ~3x faster. It is set inside a write
    // transaction because the generation's transactions run on the database's write connection
    // (db::writer), not on `conn`. Durability and integrity pragmas stay as the app sets them.
    let sqlite = matches!(conn, AnyConnection::Sqlite(_));
    let cache = |conn: &mut AnyConnection, kib: u32| -> anyhow::Result<()> {
        let sql = format!("PRAGMA cache_size = -{kib}");
        Ok(write_transaction(conn, |c| c.batch_execute(&sql))?)
    };
    if sqlite {
        cache(conn, GENERATION_CACHE_KIB)?;
    }
    let generated = generate_into(conn, settings, scale, out_dir, &progress);
    if sqlite {
        cache(conn, crate::db::SQLITE_CACHE_KIB)?;
    }
    generated
}

/// SQLite page cache for the generation, in KiB.
const GENERATION_CACHE_KIB: u32 = 256 * 1024;

fn generate_into(
    conn: &mut AnyConnection,
    settings: &Settings,
    scale: &Scale,
    out_dir: &Path,
    progress: &Progress,
) -> anyhow::Result<Manifest> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let mut g = Gen {
        w: Writer::new(),
        rng: StdRng::seed_from_u64(8),
        counter: 0,
        numbers: HashSet::new(),
        now: now(),
        password_hash: Hasher::new(1).hash(DEMO_PASSWORD),
        builtin_permissions: BuiltinRole::ALL
            .iter()
            .map(|b| b.permissions().iter().map(|p| p.as_str()).collect())
            .collect(),
        grantee_of: HashMap::new(),
    };
    progress.done("hashed the demo password once");
    let level_names: Vec<&'static str> = BuiltinRole::ALL.iter().map(|b| b.name()).collect();

    // Bench MSP, its admin and its links.
    let mut counts = [0usize; 5];
    let mut bench_connected: Vec<Connected> = Vec::new();
    let (bench, admin) = write_transaction(conn, |c| -> anyhow::Result<(Made, Who)> {
        let year_ago = g.now - Duration::days(366);
        let admin = g.user(c, PARTNER_ADMIN, "Bench Admin", year_ago)?;
        let detail = format!("owner {}, partner", admin.email);
        let bench = g.tenant(
            c,
            PARTNER_NAME,
            true,
            None,
            Some(&admin),
            None,
            &detail,
            year_ago + Duration::minutes(1),
        )?;
        for n in 0..scale.links {
            let status = link_status(n);
            let email = customer_email(n);
            let level = level_of(n);
            let role = bench.roles[level].clone();
            let pending = status == LinkStatus::Pending;
            let invited_at = if pending {
                g.ago(0.0, 6.0)
            } else {
                // Older links first: n grows with time, until 30 days ago, so that what
                // happened to a link since (at most 20 days later) lies in the past.
                let span = 335.0 * 86_400_000.0 / scale.links as f64;
                g.now - Duration::days(365) + Duration::milliseconds((n as f64 * span) as i64)
            };
            let expires_at = invited_at + Duration::days(INVITATION_DAYS);
            let token = pending.then(|| token::hash(&token::generate()));
            let mut row = LinkRow {
                grantee: &bench.id,
                owner: None,
                role: &role,
                status,
                email: &email,
                token_hash: token.as_deref(),
                expires_at,
                invited_by: &admin.id,
                invited_at,
                connected_at: None,
                accepted_by: None,
                ended_at: None,
                end_reason: None,
                updated_at: invited_at,
            };
            let connects =
                status == LinkStatus::Connected || (status == LinkStatus::Removed && n % 2 == 1);
            let answered = invited_at + Duration::hours(1 + (n % 47) as i64);
            let mut customer = None;
            if connects {
                let name = format!("Customer {n:06} Ltd");
                let (made, owner) = g.customer(
                    c,
                    &name,
                    &email,
                    &format!("Customer {n:06} Owner"),
                    answered,
                )?;
                customer = Some((made, owner));
            }
            let (customer_id, owner_id) = customer
                .as_ref()
                .map(|(m, o)| (m.id.clone(), o.id.clone()))
                .unzip();
            row.owner = customer_id.as_deref();
            let removed_at = answered + Duration::days(20);
            match status {
                LinkStatus::Connected => {
                    row.connected_at = Some(answered);
                    row.accepted_by = owner_id.as_deref();
                    row.updated_at = answered;
                }
                LinkStatus::Declined => {
                    row.ended_at = Some(answered);
                    row.end_reason = Some("We manage our accounts ourselves.");
                    row.updated_at = answered;
                }
                LinkStatus::Expired => {
                    row.expires_at = invited_at + Duration::days(7);
                    row.updated_at = row.expires_at;
                }
                LinkStatus::Removed => {
                    if connects {
                        row.connected_at = Some(answered);
                        row.accepted_by = owner_id.as_deref();
                    }
                    row.ended_at = Some(removed_at);
                    row.end_reason = Some("Ended by the partner.");
                    row.updated_at = removed_at;
                }
                LinkStatus::Pending => {}
            }
            let link_id = g.link(c, row)?;
            counts[status as usize] += 1;
            let grant = Some(link_id.as_str());
            let bench_id = Some(bench.id.as_str());
            g.event(
                c,
                invited_at,
                actions::LINK_INVITED,
                Some(&admin),
                bench_id,
                grant,
                Some(&email),
                level_names[level],
                None,
            )?;
            if let Some((made, owner)) = &customer {
                let detail = format!("{} connected", made.name);
                g.event(
                    c,
                    answered,
                    actions::LINK_ACCEPTED,
                    Some(owner),
                    bench_id,
                    grant,
                    Some(&email),
                    &detail,
                    None,
                )?;
            }
            match status {
                LinkStatus::Declined => {
                    // The decliner has no account here to remember.
                    g.event(
                        c,
                        answered,
                        actions::LINK_DECLINED,
                        None,
                        bench_id,
                        grant,
                        Some(&email),
                        "We manage our accounts ourselves.",
                        None,
                    )?;
                }
                LinkStatus::Removed => {
                    let action = if connects {
                        actions::LINK_REMOVED
                    } else {
                        actions::LINK_CANCELLED
                    };
                    g.event(
                        c,
                        removed_at,
                        action,
                        Some(&admin),
                        bench_id,
                        grant,
                        Some(&email),
                        "by the partner",
                        None,
                    )?;
                }
                LinkStatus::Connected => {
                    let (made, _) = customer.as_ref().expect("connected links have a customer");
                    bench_connected.push(Connected {
                        link_id: link_id.clone(),
                        customer_id: made.id.clone(),
                        customer: made.name.clone(),
                        partner: usize::MAX,
                        level: level_names[level],
                    });
                }
                _ => {}
            }
        }
        g.w.flush(c)?;
        Ok((bench, admin))
    })?;
    progress.done(&format!(
        "{PARTNER_NAME}: {} links ({} connected)",
        scale.links,
        bench_connected.len()
    ));

    // More partners, each with an admin and a few connected customers.
    let mut partners: Vec<(Made, Who)> = Vec::new();
    let mut other_connected: Vec<Connected> = Vec::new();
    write_transaction(conn, |c| -> anyhow::Result<()> {
        for p in 0..scale.partners {
            let created = g.ago(300.0, 365.0);
            let admin = g.user(
                c,
                &format!("partner{p:04}@bench.example"),
                &format!("Partner {p:04} Admin"),
                created,
            )?;
            let detail = format!("owner {}, partner", admin.email);
            let name = format!("Partner {p:04}");
            let made = g.tenant(c, &name, true, None, Some(&admin), None, &detail, created)?;
            for k in 0..scale.customers_per_partner {
                let email = format!("p{p:04}c{k}@bench.example");
                let invited_at = g.after(created) - Duration::hours(3);
                let answered = invited_at + Duration::hours(2);
                let (customer, owner) = g.customer(
                    c,
                    &format!("Partner {p:04} Customer {k}"),
                    &email,
                    &format!("Partner {p:04} Customer {k} Owner"),
                    answered,
                )?;
                let link_id = g.link(
                    c,
                    LinkRow {
                        grantee: &made.id,
                        owner: Some(&customer.id),
                        role: &made.roles[1],
                        status: LinkStatus::Connected,
                        email: &email,
                        token_hash: None,
                        expires_at: invited_at + Duration::days(7),
                        invited_by: &admin.id,
                        invited_at,
                        connected_at: Some(answered),
                        accepted_by: Some(&owner.id),
                        ended_at: None,
                        end_reason: None,
                        updated_at: answered,
                    },
                )?;
                let grant = Some(link_id.as_str());
                g.event(
                    c,
                    invited_at,
                    actions::LINK_INVITED,
                    Some(&admin),
                    Some(&made.id),
                    grant,
                    Some(&email),
                    level_names[1],
                    None,
                )?;
                let detail = format!("{} connected", customer.name);
                g.event(
                    c,
                    answered,
                    actions::LINK_ACCEPTED,
                    Some(&owner),
                    Some(&made.id),
                    grant,
                    Some(&email),
                    &detail,
                    None,
                )?;
                other_connected.push(Connected {
                    link_id,
                    customer_id: customer.id,
                    customer: customer.name,
                    partner: p,
                    level: level_names[1],
                });
            }
            partners.push((made, admin));
        }
        g.w.flush(c)?;
        Ok(())
    })?;
    progress.done(&format!(
        "{} more partners with {} connected customers",
        scale.partners,
        other_connected.len()
    ));

    // Write-path invitations: one pending invitation from every other partner to each invitee.
    let tsv_path = out_dir.join(INVITATIONS_FILE);
    let mut tsv = String::new();
    let invitation_count = write_transaction(conn, |c| -> anyhow::Result<usize> {
        let mut n = 0;
        for i in 0..scale.invitees {
            let email = invitee_email(i);
            let created = g.ago(30.0, 60.0);
            g.user(c, &email, &format!("Invitee {i:02}"), created)?;
            for (partner, admin) in &partners {
                let token = token::generate();
                let hash = token::hash(&token);
                let invited_at = g.ago(0.0, 1.0);
                let link_id = g.link(
                    c,
                    LinkRow {
                        grantee: &partner.id,
                        owner: None,
                        role: &partner.roles[1],
                        status: LinkStatus::Pending,
                        email: &email,
                        token_hash: Some(&hash),
                        expires_at: g.now + Duration::days(INVITATION_DAYS),
                        invited_by: &admin.id,
                        invited_at,
                        connected_at: None,
                        accepted_by: None,
                        ended_at: None,
                        end_reason: None,
                        updated_at: invited_at,
                    },
                )?;
                g.event(
                    c,
                    invited_at,
                    actions::LINK_INVITED,
                    Some(admin),
                    Some(&partner.id),
                    Some(&link_id),
                    Some(&email),
                    level_names[1],
                    None,
                )?;
                writeln!(tsv, "{email}\t{token}")?;
                n += 1;
            }
        }
        g.w.flush(c)?;
        Ok(n)
    })?;
    std::fs::write(&tsv_path, &tsv).with_context(|| format!("writing {}", tsv_path.display()))?;
    drop(tsv);
    progress.done(&format!(
        "{invitation_count} pending invitations to {} invitees ({})",
        scale.invitees,
        tsv_path.display()
    ));

    // The deep chain: Deep Corp and its sub-accounts, each the child of the previous.
    let (top, bottom) = write_transaction(conn, |c| -> anyhow::Result<(Made, Made)> {
        let created = g.now - Duration::days(200);
        let deep = g.user(c, DEEP_USER, "Deep Owner", created)?;
        let detail = format!("owner {}", deep.email);
        let top = g.tenant(
            c,
            DEEP_TOP_NAME,
            false,
            None,
            Some(&deep),
            None,
            &detail,
            created,
        )?;
        let mut parent = top.clone();
        for d in 1..=scale.depth {
            let at = created + Duration::minutes(d as i64);
            let detail = format!("sub-account of {} ({})", parent.name, parent.id);
            let child = g.tenant(
                c,
                &format!("{DEEP_TOP_NAME} Level {d:04}"),
                false,
                Some(&parent.id),
                None,
                Some(&deep),
                &detail,
                at,
            )?;
            parent = child;
        }
        g.w.flush(c)?;
        Ok((top, parent))
    })?;
    progress.done(&format!(
        "{DEEP_TOP_NAME}: a chain of {} sub-accounts",
        scale.depth
    ));

    // Data sources of Bench MSP, created by the service (one encryption each), shared in bulk.
    let admin_user = users::find_by_email(conn, &admin.email)?
        .ok_or_else(|| anyhow::anyhow!("{PARTNER_ADMIN} missing"))?;
    let mut datasource_ids = Vec::new();
    let per = MAX_SHARED_TENANTS
        .min(scale.shared_tenants)
        .min(bench_connected.len());
    let pool = scale.shared_tenants.min(bench_connected.len()).max(1);
    let sets: [&[Permission]; 4] = [
        &[Permission::DatasourcesView],
        &[Permission::DatasourcesView, Permission::DatasourcesUse],
        &[
            Permission::DatasourcesView,
            Permission::DatasourcesUse,
            Permission::DatasourcesModify,
        ],
        &[
            Permission::DatasourcesView,
            Permission::DatasourcesUse,
            Permission::DatasourcesModify,
            Permission::DatasourcesDelete,
            Permission::DatasourcesShare,
        ],
    ];
    for k in 0..scale.datasources {
        let input = datasources::Input {
            name: Some(format!("Bench Warehouse {k:02}")),
            kind: Some("postgresql".into()),
            host: Some(format!("warehouse{k:02}.bench.example")),
            port: Some(Some(5432)),
            database: Some("warehouse".into()),
            username: Some("reporting".into()),
            password: Some(format!("bench-only-password-{k:02}")),
            description: Some("Benchmark data source".into()),
        };
        let ds = datasources::create(
            conn,
            &settings.datasource_key,
            &admin_user,
            &bench.id,
            &input,
        )
        .map_err(|e| anyhow::anyhow!("creating a data source: {e:?}"))?;
        datasource_ids.push(ds.id.clone());
        write_transaction(conn, |c| -> anyhow::Result<()> {
            let mut shared: Vec<(String, String)> = (0..per)
                .map(|j| {
                    let t = &bench_connected[(k * per + j) % pool];
                    let set: BTreeSet<Permission> = sets[j % sets.len()].iter().copied().collect();
                    let joined = set.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",");
                    (t.customer_id.clone(), joined)
                })
                .collect();
            shared.sort();
            shared.dedup_by(|a, b| a.0 == b.0);
            for (tenant, permissions) in &shared {
                g.w.push(
                    c,
                    Table::Shares,
                    format_args!("{},{},{}", Q(&ds.id), Q(tenant), Q(permissions)),
                )?;
            }
            let detail = shared
                .iter()
                .map(|(t, p)| format!("{t}: {p}"))
                .collect::<Vec<_>>()
                .join("; ");
            let at = g.now;
            g.event(
                c,
                at,
                actions::DATASOURCE_SHARED,
                Some(&admin),
                Some(&bench.id),
                None,
                Some(&ds.name),
                &detail,
                None,
            )?;
            g.w.flush(c)?;
            Ok(())
        })?;
    }
    progress.done(&format!(
        "{} data sources shared with {} customers each",
        scale.datasources, per
    ));

    // The rest of the audit log: mostly Bench MSP's staff working inside its customers and
    // signing in, the rest other partners' staff.
    // The data source service filed its own events: count what is there.
    let written = usize::try_from(count(conn, "audit_events")?)?;
    let remaining = scale.audit_events.saturating_sub(written);
    // In time order, so that the ids (UUIDv7) and the time-ordered indexes grow at their end.
    let mut times: Vec<i64> = (0..remaining)
        .map(|_| g.rng.gen_range(0..300 * 86_400_000i64))
        .collect();
    times.sort_unstable_by(|a, b| b.cmp(a));
    write_transaction(conn, |c| -> anyhow::Result<()> {
        let from = format!("from {PARTNER_NAME} as ");
        let back = format!("back to {PARTNER_NAME}");
        for (e, ago) in times.iter().enumerate() {
            let at = g.now - Duration::milliseconds(*ago);
            let roll = g.rng.gen_range(0..100);
            let ip = format!("198.51.100.{}", e % 250 + 1);
            if roll < 10 || (bench_connected.is_empty() && other_connected.is_empty()) {
                g.event(
                    c,
                    at,
                    actions::SIGNIN_SUCCEEDED,
                    Some(&admin),
                    None,
                    None,
                    Some(&admin.email),
                    "",
                    Some(&ip),
                )?;
                continue;
            }
            let bench_side = roll < 85 && !bench_connected.is_empty() || other_connected.is_empty();
            let list = if bench_side {
                &bench_connected
            } else {
                &other_connected
            };
            let link = &list[g.rng.gen_range(0..list.len())];
            let (actor, partner_name) = if link.partner == usize::MAX {
                (&admin, PARTNER_NAME)
            } else {
                let (made, who) = &partners[link.partner];
                (who, made.name.as_str())
            };
            let (action, detail) = if e % 2 == 0 {
                let detail = if bench_side {
                    format!("{from}{}", link.level)
                } else {
                    format!("from {partner_name} as {}", link.level)
                };
                (actions::TENANT_ENTERED, detail)
            } else if bench_side {
                (actions::TENANT_LEFT, back.clone())
            } else {
                (actions::TENANT_LEFT, format!("back to {partner_name}"))
            };
            let actor = actor.clone();
            let (customer_id, customer, link_id) = (
                link.customer_id.clone(),
                link.customer.clone(),
                link.link_id.clone(),
            );
            g.event(
                c,
                at,
                action,
                Some(&actor),
                Some(&customer_id),
                Some(&link_id),
                Some(&customer),
                &detail,
                Some(&ip),
            )?;
        }
        g.w.flush(c)?;
        Ok(())
    })?;
    let audit_events = written + remaining;
    progress.done(&format!("{audit_events} audit events"));
    if matches!(conn, AnyConnection::Postgresql(_)) {
        // PostgreSQL plans from table statistics, which a bulk load leaves empty until
        // autovacuum comes by: without them it walked all 100,000 links for one page.
        conn.batch_execute("ANALYZE")?;
        progress.done("statistics (ANALYZE)");
    }

    let (search_prefix, search_matches) = scale.search_prefix();
    let manifest = Manifest {
        scale: scale.name.clone(),
        password: DEMO_PASSWORD.into(),
        partner: PartnerInfo {
            tenant_id: bench.id.clone(),
            admin_email: admin.email.clone(),
            links: scale.links,
            connected: counts[LinkStatus::Connected as usize],
            pending: counts[LinkStatus::Pending as usize],
            declined: counts[LinkStatus::Declined as usize],
            expired: counts[LinkStatus::Expired as usize],
            removed: counts[LinkStatus::Removed as usize],
        },
        search_prefix,
        search_matches,
        deep: DeepInfo {
            tenant_id: bottom.id.clone(),
            top_tenant_id: top.id.clone(),
            user_email: DEEP_USER.into(),
            depth: scale.depth,
        },
        invitations_file: INVITATIONS_FILE.into(),
        invitations: invitation_count,
        audit_events,
        datasources: datasource_ids,
        generated_in_seconds: (progress.start.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    };
    let path = manifest_path(out_dir);
    std::fs::write(&path, serde_json::to_string_pretty(&manifest)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    progress.done(&format!("wrote {}", path.display()));
    Ok(manifest)
}

pub fn manifest_path(out_dir: &Path) -> PathBuf {
    out_dir.join(MANIFEST_FILE)
}

/// `liaison demo --scale medium|large`: generates, then prints the sign-ins.
pub fn load(
    conn: &mut AnyConnection,
    settings: &Settings,
    scale: &Scale,
    out_dir: &Path,
) -> anyhow::Result<()> {
    println!(
        "Generating the {} benchmark data set into {}…",
        scale.name, settings.database
    );
    let m = generate(conn, settings, scale, out_dir, false)?;
    println!(
        "Loaded the {} data set in {:.1}s.",
        m.scale, m.generated_in_seconds
    );
    println!();
    println!(
        "Open {} and sign in with one of these (password: {DEMO_PASSWORD}):",
        settings.link("/signin")
    );
    println!(
        "  {:<30} partner admin, {PARTNER_NAME} ({} links; search `{}`)",
        m.partner.admin_email, m.partner.links, m.search_prefix
    );
    println!(
        "  {:<30} Account owner of {DEEP_TOP_NAME}, {} sub-accounts deep",
        m.deep.user_email, m.deep.depth
    );
    println!(
        "  {:<30} admin of Partner 0000 (partner0001… likewise)",
        "partner0000@bench.example"
    );
    println!(
        "  {:<30} has a pending invitation from every other partner",
        invitee_email(0)
    );
    println!(
        "Tokens of the {} pending invitations: {}",
        m.invitations,
        out_dir.join(INVITATIONS_FILE).display()
    );
    println!(
        "Manifest for the benchmark: {}",
        manifest_path(out_dir).display()
    );
    println!();
    Ok(())
}
