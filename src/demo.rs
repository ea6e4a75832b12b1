//! The demo data set: a partner, customers and sub-accounts, with printed sign-ins.

use crate::config::Settings;
use crate::db::AnyConnection;
use crate::db::schema::access_grants;
use crate::domain::password::Hasher;
use crate::domain::user::UserType;
use crate::services::{links, tenants, users};
use diesel::prelude::*;

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
        about: "customer owner, Daily Planet (connected to Betty's MSP)",
    },
    DemoUser {
        email: "diana@themyscira.example",
        name: "Diana Prince",
        staff: false,
        about: "customer owner, Themyscira Trading (declined Betty's MSP)",
    },
];

/// Betty's MSP has customer links in every status: Connected (Daily Planet), Pending (Wayne
/// Enterprises: accept it from the dev mailbox), Declined, Expired, and a Removed one in history.
fn partner_links(
    conn: &mut AnyConnection,
    settings: &Settings,
    partner_id: &str,
    planet_id: &str,
) -> anyhow::Result<()> {
    let find_user = |conn: &mut AnyConnection, email: &str| -> anyhow::Result<users::User> {
        users::find_by_email(conn, email)?
            .ok_or_else(|| anyhow::anyhow!("demo user {email} missing"))
    };
    let betty = find_user(conn, "betty@bettys-msp.example")?;
    let levels = links::access_levels(conn, partner_id)?;
    let level = |name: &str| -> anyhow::Result<String> {
        levels
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.role_id.clone())
            .ok_or_else(|| anyhow::anyhow!("access level {name} missing"))
    };
    let invite = |conn: &mut AnyConnection, email: &str, access: &str, message: &str| {
        links::invite(
            conn,
            settings,
            &betty,
            partner_id,
            links::Invite {
                email,
                access_level: access,
                message,
            },
        )
    };
    // Connected: Clark accepted for the Daily Planet.
    let planet = invite(
        conn,
        "clark@daily-planet.example",
        &level("Administrator")?,
        "",
    )?;
    let clark = find_user(conn, "clark@daily-planet.example")?;
    let by_id = links::InvitationKey::Id(&planet.link.id);
    links::accept(
        conn,
        settings,
        &clark,
        by_id,
        links::AcceptInto::Existing(planet_id),
    )?;
    // Declined by Diana, with a reason.
    let declined = invite(
        conn,
        "diana@themyscira.example",
        &level("Administrator")?,
        "We would like to manage your licences.",
    )?;
    let diana = find_user(conn, "diana@themyscira.example")?;
    let by_id = links::InvitationKey::Id(&declined.link.id);
    links::decline(
        conn,
        settings,
        &diana,
        by_id,
        "We manage our accounts ourselves.",
    )?;
    // Removed: an invitation Betty cancelled; it stays in history and the audit log.
    let cancelled = invite(conn, "lois@daily-planet.example", &level("Read-only")?, "")?;
    links::delete(conn, settings, &betty, partner_id, &cancelled.link.id)?;
    // Expired: an invitation nobody answered in time.
    let expired = invite(
        conn,
        "oliver@queen-industries.example",
        &level("Operator")?,
        "",
    )?;
    diesel::update(access_grants::table.find(&expired.link.id))
        .set(
            access_grants::invitation_expires_at
                .eq(crate::services::now() - chrono::Duration::days(1)),
        )
        .execute(conn)?;
    // Pending: Bruce can accept it from the dev mailbox.
    invite(
        conn,
        "bruce@wayne.example",
        &level("Operator")?,
        "Hello Bruce, this lets us look after your accounts.",
    )?;
    Ok(())
}

/// Something to see on the later pages: an app of Betty's MSP, and a data source of Wayne
/// Enterprises (its password encrypted with the configured key).
fn later_features(
    conn: &mut AnyConnection,
    settings: &Settings,
    partner_id: &str,
    wayne_id: &str,
) -> anyhow::Result<()> {
    let find_user = |conn: &mut AnyConnection, email: &str| -> anyhow::Result<users::User> {
        users::find_by_email(conn, email)?
            .ok_or_else(|| anyhow::anyhow!("demo user {email} missing"))
    };
    let betty = find_user(conn, "betty@bettys-msp.example")?;
    crate::services::apps::create(
        conn,
        &betty,
        partner_id,
        "Batcomputer Sync",
        "Keeps customers' directories in step",
    )?;
    let bruce = find_user(conn, "bruce@wayne.example")?;
    let input = crate::services::datasources::Input {
        name: Some("Wayne Analytics".into()),
        kind: Some("postgresql".into()),
        host: Some("analytics.wayne.example".into()),
        port: Some(Some(5432)),
        database: Some("analytics".into()),
        username: Some("reporting".into()),
        password: Some("demo-only-password".into()),
        description: Some("Read replica for dashboards".into()),
    };
    crate::services::datasources::create(conn, &settings.datasource_key, &bruce, wayne_id, &input)?;
    Ok(())
}

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
        let planet = add(
            conn,
            "Daily Planet",
            false,
            None,
            "clark@daily-planet.example",
        )?;
        add(
            conn,
            "Themyscira Trading",
            false,
            None,
            "diana@themyscira.example",
        )?;
        partner_links(conn, settings, &betty.id, &planet.id)?;
        later_features(conn, settings, &betty.id, &wayne.id)?;
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
    println!("Betty's MSP has customers in every status; Bruce has a pending invitation from it.");
    if settings.dev_mailbox_enabled() {
        println!(
            "Mail is kept in the dev mailbox (Bruce's invitation is there): {}",
            settings.link("/dev/mailbox")
        );
    }
    println!();
    Ok(())
}
