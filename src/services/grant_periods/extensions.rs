//! Extensions: the grantee asks for a later end date, the owner confirms it from the emailed link
//! (a token stored only as a hash, spent once, expiring) or from its own page.

use super::{PeriodGrant, names, parse_ends_at};
use crate::authz;
use crate::config::Settings;
use crate::db::schema::{access_grants, grant_extensions};
use crate::db::{AnyConnection, write_transaction};
use crate::domain::permission::Permission;
use crate::domain::{token, when};
use crate::mail::templates::ExtensionRequested;
use crate::services::audit::{self, Event, actions};
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult, new_id, now, outbox};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const PENDING: &str = "pending";
pub const CONFIRMED: &str = "confirmed";
pub const SUPERSEDED: &str = "superseded";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = grant_extensions)]
pub struct Extension {
    pub id: String,
    pub grant_id: String,
    pub requested_ends_at: NaiveDateTime,
    pub requested_by_user_id: Option<String>,
    pub requested_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub status: String,
    pub answered_at: Option<NaiveDateTime>,
}

impl Extension {
    pub fn is_open(&self, at: NaiveDateTime) -> bool {
        self.status == PENDING && self.expires_at > at
    }
}

fn grant(conn: &mut AnyConnection, id: &str) -> ServiceResult<PeriodGrant> {
    access_grants::table
        .find(id)
        .select(PeriodGrant::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

/// The grantee side's own admins ask: for partner links those who manage customers.
fn require_grantee(conn: &mut AnyConnection, user: &User, g: &PeriodGrant) -> ServiceResult<()> {
    if g.is_partner_link() {
        crate::services::links::partner_access(
            conn,
            user,
            &g.grantee_tenant_id,
            Permission::CustomersManage,
        )?;
        return Ok(());
    }
    let access = authz::access(conn, &user.id, &g.grantee_tenant_id)?;
    access.own().require(Permission::TenantManage)?;
    Ok(())
}

/// Who confirms an extension on the owner side: the customer address a partner link was sent
/// to, or the user who made a share.
fn owner_contacts(c: &mut AnyConnection, g: &PeriodGrant) -> ServiceResult<Vec<String>> {
    if g.is_partner_link() {
        return Ok(vec![g.email.clone()]);
    }
    let sharer = match g.invited_by_user_id.as_deref() {
        Some(id) => crate::services::users::find(c, id)?,
        None => None,
    };
    Ok(sharer.map(|u| u.email).into_iter().collect())
}

/// The owner side's own admins confirm (never someone inside through a grant).
fn require_owner(conn: &mut AnyConnection, user: &User, g: &PeriodGrant) -> ServiceResult<()> {
    let permission = if g.is_partner_link() {
        Permission::TenantManage
    } else {
        Permission::GrantsManage
    };
    let access = authz::access(conn, &user.id, g.owner_id())?;
    if access.is_empty() {
        return Err(ServiceError::NotFound);
    }
    access.own().require(permission)?;
    Ok(())
}

/// The open extension request of a grant, if any.
pub fn pending_extension(
    conn: &mut AnyConnection,
    grant_id: &str,
) -> ServiceResult<Option<Extension>> {
    Ok(grant_extensions::table
        .filter(grant_extensions::grant_id.eq(grant_id))
        .filter(grant_extensions::status.eq(PENDING))
        .filter(grant_extensions::expires_at.gt(now()))
        .order(grant_extensions::requested_at.desc())
        .select(Extension::as_select())
        .first(conn)
        .optional()?)
}

/// Open requests stop counting when a newer one replaces them or the grant ends.
pub(super) fn close_pending(
    c: &mut AnyConnection,
    grant_id: &str,
    at: NaiveDateTime,
) -> ServiceResult<()> {
    diesel::update(
        grant_extensions::table
            .filter(grant_extensions::grant_id.eq(grant_id))
            .filter(grant_extensions::status.eq(PENDING)),
    )
    .set((
        grant_extensions::status.eq(SUPERSEDED),
        grant_extensions::answered_at.eq(at),
    ))
    .execute(c)?;
    Ok(())
}

/// The grantee asks for a new end date (`raw_ends_at`, as when inviting, and later than the
/// current end). The owner side's contact is emailed a confirm link; nothing changes until then.
/// `grantee_id` is the caller's tenant: another tenant's grant is NotFound.
pub fn request_extension(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    grantee_id: &str,
    grant_id: &str,
    raw_ends_at: &str,
) -> ServiceResult<Extension> {
    let g = grant(conn, grant_id)?;
    if g.grantee_tenant_id != grantee_id {
        return Err(ServiceError::NotFound);
    }
    require_grantee(conn, user, &g)?;
    let at = now();
    let Some(current) = g.access_ends_at.filter(|_| g.status == "connected") else {
        return Err(ServiceError::Conflict(
            "Only a connected access with an end date can be extended.".into(),
        ));
    };
    let Some(ends_at) = parse_ends_at("ends_at", raw_ends_at, at)? else {
        return Err(ServiceError::invalid("ends_at", "Enter the new end date."));
    };
    if ends_at <= current {
        return Err(ServiceError::invalid(
            "ends_at",
            format!(
                "Choose a date after the current end date, {}.",
                when(&current)
            ),
        ));
    }
    let secret = token::generate();
    let id = new_id();
    let expires_at =
        at + chrono::Duration::from_std(settings.invitation_ttl).map_err(anyhow::Error::from)?;
    write_transaction(conn, |c| {
        close_pending(c, grant_id, at)?;
        diesel::insert_into(grant_extensions::table)
            .values((
                grant_extensions::id.eq(&id),
                grant_extensions::grant_id.eq(grant_id),
                grant_extensions::token_hash.eq(token::hash(&secret)),
                grant_extensions::requested_ends_at.eq(ends_at),
                grant_extensions::requested_by_user_id.eq(&user.id),
                grant_extensions::requested_at.eq(at),
                grant_extensions::expires_at.eq(expires_at),
                grant_extensions::status.eq(PENDING),
            ))
            .execute(c)?;
        let mut event = Event::new(actions::LINK_EXTENSION_REQUESTED)
            .actor(Some(user.actor()))
            .tenant(&g.grantee_tenant_id)
            .subject(&g.email)
            .detail(format!("until {}", when(&ends_at)));
        event.grant_id = Some(g.id.clone());
        audit::record(c, event)?;
        let (grantee, owner) = names(c, &g)?;
        let message = ExtensionRequested {
            grantee,
            owner,
            requested_by: user.name.clone(),
            current_ends_at: when(&current),
            requested_ends_at: when(&ends_at),
            expires_at: when(&expires_at),
            confirm_url: settings.link(&format!("/extensions/{secret}")),
        };
        for to in owner_contacts(c, &g)? {
            outbox::enqueue(c, &to, &message)?;
        }
        find(c, &id)
    })
}

fn find(conn: &mut AnyConnection, id: &str) -> ServiceResult<Extension> {
    grant_extensions::table
        .find(id)
        .select(Extension::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

/// How the owner names the request: the emailed token, or the grant on its own page.
#[derive(Clone, Copy)]
pub enum ExtensionKey<'a> {
    Token(&'a str),
    /// The open request of this grant, owned by this tenant.
    Grant {
        owner_id: &'a str,
        grant_id: &'a str,
    },
}

/// What a confirm page shows: the request, its grant and both sides' names.
#[derive(Debug, Clone)]
pub struct ExtensionView {
    pub extension: Extension,
    pub grant: PeriodGrant,
    pub grantee: String,
    pub owner: String,
}

impl ExtensionView {
    /// Why this request cannot be confirmed any more; None while it is open.
    pub fn closed_because(&self) -> Option<&'static str> {
        if self.extension.status == CONFIRMED {
            Some("This extension has already been confirmed.")
        } else if self.extension.status != PENDING {
            Some("This extension request was replaced or the access has ended.")
        } else if self.extension.expires_at <= now() {
            Some("This extension link has expired. Ask for a new extension.")
        } else if self.grant.status != "connected" {
            Some("This access has ended; it can no longer be extended.")
        } else {
            None
        }
    }
}

/// The request behind a key, for its owner's admins; unknown tokens are NotFound.
pub fn extension(
    conn: &mut AnyConnection,
    user: &User,
    key: ExtensionKey<'_>,
) -> ServiceResult<ExtensionView> {
    let extension = match key {
        ExtensionKey::Token(t) => grant_extensions::table
            .filter(grant_extensions::token_hash.eq(token::hash(t)))
            .select(Extension::as_select())
            .first(conn)
            .optional()?,
        ExtensionKey::Grant { grant_id, .. } => pending_extension(conn, grant_id)?,
    }
    .ok_or(ServiceError::NotFound)?;
    let g = grant(conn, &extension.grant_id)?;
    if let ExtensionKey::Grant { owner_id, .. } = key
        && g.owner_tenant_id.as_deref() != Some(owner_id)
    {
        return Err(ServiceError::NotFound);
    }
    require_owner(conn, user, &g)?;
    let (grantee, owner) = names(conn, &g)?;
    Ok(ExtensionView {
        extension,
        grant: g,
        grantee,
        owner,
    })
}

/// The owner confirms: the request is spent atomically (one row must change: pending and not
/// expired), and the grant takes the new end date, its reminders due again.
pub fn confirm_extension(
    conn: &mut AnyConnection,
    user: &User,
    key: ExtensionKey<'_>,
) -> ServiceResult<ExtensionView> {
    let view = extension(conn, user, key)?;
    if let Some(why) = view.closed_because() {
        return Err(ServiceError::Conflict(why.into()));
    }
    let ext = view.extension.clone();
    write_transaction(conn, |c| {
        let at = now();
        let spent = diesel::update(
            grant_extensions::table
                .find(&ext.id)
                .filter(grant_extensions::status.eq(PENDING))
                .filter(grant_extensions::expires_at.gt(at)),
        )
        .set((
            grant_extensions::status.eq(CONFIRMED),
            grant_extensions::answered_at.eq(at),
        ))
        .execute(c)?;
        if spent != 1 {
            return Err(ServiceError::Conflict(
                "This extension has already been answered.".into(),
            ));
        }
        let extended = diesel::update(
            access_grants::table
                .find(&ext.grant_id)
                .filter(access_grants::status.eq("connected")),
        )
        .set((
            access_grants::access_ends_at.eq(ext.requested_ends_at),
            access_grants::reminded_7d_at.eq(None::<NaiveDateTime>),
            access_grants::reminded_1d_at.eq(None::<NaiveDateTime>),
            access_grants::updated_at.eq(at),
        ))
        .execute(c)?;
        if extended != 1 {
            return Err(ServiceError::Conflict(
                "This access has ended; it can no longer be extended.".into(),
            ));
        }
        let mut event = Event::new(actions::LINK_EXTENDED)
            .actor(Some(user.actor()))
            .tenant(&view.grant.grantee_tenant_id)
            .subject(&view.grant.email)
            .detail(format!("until {}", when(&ext.requested_ends_at)));
        event.grant_id = Some(ext.grant_id.clone());
        audit::record(c, event)?;
        Ok(())
    })?;
    Ok(ExtensionView {
        extension: find(conn, &view.extension.id)?,
        grant: grant(conn, &view.grant.id)?,
        ..view
    })
}
