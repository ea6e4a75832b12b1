//! The command line: `serve` (the default), `migrate`, `user`, `tenant` and `demo`.

use crate::config::{ServeArgs, Settings, StoreArgs};
use crate::domain::password::Hasher;
use crate::domain::user::UserType;
use crate::services::{ServiceError, tenants, users};
use crate::{db, demo, server};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use std::io::BufRead;

/// Liaison: a self-hosted portal for delegated access between tenants.
///
/// Every option can also be set with the LIAISON_* environment variable shown next to it.
#[derive(Parser, Debug)]
#[command(name = "liaison", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the portal (the default when no command is given).
    Serve(ServeArgs),
    /// Create or update the database schema, then exit.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage tenants (accounts).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Load the demo data set and print its sign-ins; with --serve, start the portal.
    Demo {
        /// Start the portal after loading the demo data.
        #[arg(long = "serve", env = "LIAISON_DEMO_SERVE")]
        start: bool,
        /// How much data: `small` is the hand-made demo; `medium` and `large` generate a
        /// benchmark data set into an empty database and write bench.json and
        /// bench-invitations.tsv into the data directory.
        #[arg(long, value_enum, env = "LIAISON_DEMO_SCALE", default_value_t = demo::DemoScale::Small)]
        scale: demo::DemoScale,
        #[command(flatten)]
        serve: ServeArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. The password is read from standard input (first line).
    Add {
        /// The user's email address; they sign in with it.
        #[arg(long, env = "LIAISON_USER_EMAIL")]
        email: String,
        /// The user's name, as shown in the portal.
        #[arg(long, env = "LIAISON_USER_NAME")]
        name: String,
        /// Make the user support staff.
        #[arg(long, env = "LIAISON_USER_STAFF")]
        staff: bool,
        /// The platform user type: basic, core or full (account sharing needs core or full).
        #[arg(long = "type", env = "LIAISON_USER_TYPE", default_value = "full", value_parser = parse_user_type)]
        user_type: UserType,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Disable a user: they cannot sign in and their sessions end at once.
    Disable {
        /// The user's email address.
        #[arg(long, env = "LIAISON_USER_EMAIL")]
        email: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Enable a disabled user again.
    Enable {
        /// The user's email address.
        #[arg(long, env = "LIAISON_USER_EMAIL")]
        email: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum TenantCommand {
    /// Add a tenant with its built-in roles; prints the new tenant's id alone on the last line.
    Add {
        /// The tenant's name, unique regardless of case.
        #[arg(long, env = "LIAISON_TENANT_NAME")]
        name: String,
        /// Give the tenant the partner entitlement.
        #[arg(long, env = "LIAISON_TENANT_PARTNER")]
        partner: bool,
        /// Id of the parent tenant, to create a sub-account.
        #[arg(long, env = "LIAISON_TENANT_PARENT")]
        parent: Option<String>,
        /// Email of an existing user who becomes the Account owner.
        #[arg(long, env = "LIAISON_TENANT_OWNER")]
        owner: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

fn parse_user_type(s: &str) -> Result<UserType, String> {
    s.parse()
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => server::serve(Settings::from_args(&cli.serve)?),
        Some(Command::Serve(args)) => server::serve(Settings::from_args(&args)?),
        Some(Command::Migrate { store }) => {
            let mut conn = connect(&store)?;
            let applied = db::migrate(&mut conn)?;
            if applied.is_empty() {
                println!("The database schema is up to date.");
            } else {
                println!(
                    "Applied {} migration(s): {}",
                    applied.len(),
                    applied.join(", ")
                );
            }
            Ok(())
        }
        Some(Command::User(command)) => user(command),
        Some(Command::Tenant(TenantCommand::Add {
            name,
            partner,
            parent,
            owner,
            store,
        })) => {
            let mut conn = connect(&store)?;
            db::migrate(&mut conn)?;
            let input = tenants::NewTenant {
                name: &name,
                is_partner: partner,
                parent_id: parent.as_deref(),
                owner_email: &owner,
            };
            let tenant = tenants::create(&mut conn, input, None).map_err(explain)?;
            println!(
                "Created the account \"{}\" (account number {}).",
                tenant.name, tenant.account_number
            );
            println!("{}", tenant.id);
            Ok(())
        }
        Some(Command::Demo {
            start,
            scale,
            serve,
        }) => {
            let settings = Settings::from_args(&serve)?;
            let pool = server::open_database(&settings)?;
            let mut conn = pool.get()?;
            demo::load_scale(&mut conn, &settings, scale, &serve.store.data_dir)?;
            drop(conn);
            drop(pool);
            if start {
                server::serve(settings)
            } else {
                Ok(())
            }
        }
    }
}

fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            email,
            name,
            staff,
            user_type,
            store,
        } => {
            let password = read_password()?;
            let mut conn = connect(&store)?;
            db::migrate(&mut conn)?;
            let input = users::NewUser {
                email: &email,
                name: &name,
                password: &password,
                user_type,
                is_staff: staff,
            };
            let user = users::create(&mut conn, &Hasher::new(1), input, None).map_err(explain)?;
            println!(
                "Created the user {} ({}{}).",
                user.email,
                user.user_type,
                if user.is_staff { ", support staff" } else { "" }
            );
            println!("{}", user.id);
            Ok(())
        }
        UserCommand::Disable { email, store } => {
            let mut conn = connect(&store)?;
            let user = users::set_disabled(&mut conn, &email, true, None).map_err(explain)?;
            println!("Disabled {}; their sessions have ended.", user.email);
            Ok(())
        }
        UserCommand::Enable { email, store } => {
            let mut conn = connect(&store)?;
            let user = users::set_disabled(&mut conn, &email, false, None).map_err(explain)?;
            println!("Enabled {}.", user.email);
            Ok(())
        }
    }
}

fn connect(store: &StoreArgs) -> anyhow::Result<db::AnyConnection> {
    let url = store.database()?;
    if let db::DatabaseUrl::Sqlite(path) = &url
        && let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    db::establish(&url).with_context(|| format!("cannot connect to {url}"))
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        bail!(
            "no password on standard input: pipe it in, e.g. `echo 'a long password' | liaison user add …`"
        );
    }
    Ok(password)
}

/// Turns a service error into words for the terminal.
fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        ServiceError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::Error::from(other),
    }
}
