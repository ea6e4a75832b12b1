//! The demo data set: a partner, customers and sub-accounts, with printed sign-ins.

use crate::config::Settings;
use crate::db::AnyConnection;
use crate::domain::password::Hasher;
use crate::domain::user::UserType;
use crate::services::{tenants, users};

/// Every demo user shares this password; it is printed, so never use the demo in production.
pub const DEMO_PASSWORD: &str = "liaison-demo-password";

struct DemoUser {
    email: &'static str,
    name: &'static str,
    staff: bool,
    about: &'static str,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        email: "support@liaison.example",
        name: "Sam Support",
        staff: true,
        about: "support staff",
    },
    DemoUser {
        email: "betty@bettys-msp.example",
        name: "Betty Admin",
        staff: false,
        about: "partner admin, Betty's MSP",
    },
    DemoUser {
        email: "bruce@wayne.example",
        name: "Bruce Wayne",
        staff: false,
        about: "customer owner, Wayne Enterprises",
    },
    DemoUser {
        email: "clark@daily-planet.example",
        name: "Clark Kent",
        staff: false,
        about: "customer owner, Daily Planet",
    },
];

/// Loads the demo data once; running it again only prints the sign-ins.
pub fn load(conn: &mut AnyConnection, settings: &Settings) -> anyhow::Result<()> {
    if tenants::find_by_name(conn, "Betty's MSP")?.is_none() {
        let hasher = Hasher::new(2);
        for u in USERS {
            if users::find_by_email(conn, u.email)?.is_none() {
                let input = users::NewUser {
                    email: u.email,
                    name: u.name,
                    password: DEMO_PASSWORD,
                    user_type: UserType::Full,
                    is_staff: u.staff,
                };
                users::create(conn, &hasher, input, None)?;
            }
        }
        let add = |conn: &mut AnyConnection,
                   name: &str,
                   partner: bool,
                   parent: Option<&str>,
                   owner: &str| {
            tenants::create(
                conn,
                tenants::NewTenant {
                    name,
                    is_partner: partner,
                    parent_id: parent,
                    owner_email: owner,
                },
                None,
            )
        };
        let betty = add(conn, "Betty's MSP", true, None, "betty@bettys-msp.example")?;
        add(
            conn,
            "Betty's MSP Lab",
            false,
            Some(&betty.id),
            "betty@bettys-msp.example",
        )?;
        let wayne = add(
            conn,
            "Wayne Enterprises",
            false,
            None,
            "bruce@wayne.example",
        )?;
        let gotham = add(
            conn,
            "Wayne Enterprises Gotham",
            false,
            Some(&wayne.id),
            "bruce@wayne.example",
        )?;
        add(
            conn,
            "Wayne Enterprises Gotham Research",
            false,
            Some(&gotham.id),
            "bruce@wayne.example",
        )?;
        add(
            conn,
            "Daily Planet",
            false,
            None,
            "clark@daily-planet.example",
        )?;
        println!("Loaded the demo data.");
    } else {
        println!("The demo data is already loaded.");
    }
    println!();
    println!(
        "Open {} and sign in with one of these (password: {DEMO_PASSWORD}):",
        settings.link("/signin")
    );
    for u in USERS {
        println!("  {:<30} {}", u.email, u.about);
    }
    if settings.dev_mailbox_enabled() {
        println!(
            "Mail is kept in the dev mailbox: {}",
            settings.link("/dev/mailbox")
        );
    }
    println!();
    Ok(())
}
