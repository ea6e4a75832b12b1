//! The append-only audit log: who (the real user), acting in which tenant, through which grant,
//! did what to what, when, from which address.

use super::{ServiceResult, new_id, now};
use crate::db::AnyConnection;
use crate::db::schema::{access_grants, audit_events};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The actions recorded; the staff page offers them as a filter.
pub mod actions {
    pub const SIGNIN_SUCCEEDED: &str = "signin.succeeded";
    pub const SIGNIN_FAILED: &str = "signin.failed";
    pub const SIGNIN_THROTTLED: &str = "signin.throttled";
    pub const SIGNOUT: &str = "signout";
    pub const SETUP_COMPLETED: &str = "setup.completed";
    pub const USER_CREATED: &str = "user.created";
    pub const USER_DISABLED: &str = "user.disabled";
    pub const USER_ENABLED: &str = "user.enabled";
    pub const PROFILE_UPDATED: &str = "profile.updated";
    pub const PASSWORD_CHANGED: &str = "password.changed";
    pub const TENANT_CREATED: &str = "tenant.created";
    pub const CSRF_REFUSED: &str = "csrf.refused";
    pub const AUTHZ_REFUSED: &str = "authz.refused";
    pub const MAIL_RETRIED: &str = "mail.retried";
    pub const LINK_INVITED: &str = "link.invited";
    pub const LINK_RESENT: &str = "link.resent";
    pub const LINK_ACCEPTED: &str = "link.accepted";
    pub const LINK_DECLINED: &str = "link.declined";
    pub const LINK_CANCELLED: &str = "link.cancelled";
    pub const LINK_REMOVED: &str = "link.removed";
    pub const TENANT_ENTERED: &str = "tenant.entered";
    pub const TENANT_LEFT: &str = "tenant.left";
    pub const TENANT_PARTNER_CHANGED: &str = "tenant.partner_changed";
    pub const ROLE_INVITATION_SENT: &str = "role_invitation.sent";
    pub const ROLE_INVITATION_RESENT: &str = "role_invitation.resent";
    pub const ROLE_INVITATION_REVOKED: &str = "role_invitation.revoked";
    pub const ROLE_INVITATION_ACCEPTED: &str = "role_invitation.accepted";
    pub const MEMBERSHIP_REVOKED: &str = "membership.revoked";
    pub const TENANT_RENAMED: &str = "tenant.renamed";
    pub const TENANT_DELETED: &str = "tenant.deleted";
    pub const ROLE_CREATED: &str = "role.created";
    pub const ROLE_UPDATED: &str = "role.updated";
    pub const ROLE_DELETED: &str = "role.deleted";
    pub const API_TOKEN_CREATED: &str = "api_token.created";
    pub const API_TOKEN_REVOKED: &str = "api_token.revoked";
    pub const API_AUTH_FAILED: &str = "api.auth_failed";
    pub const LINK_EXPIRED: &str = "link.expired";
    pub const GRANT_EXPIRED: &str = "grant.expired";
    pub const LINK_REMINDER_SENT: &str = "link.reminder_sent";
    pub const LINK_EXTENSION_REQUESTED: &str = "link.extension_requested";
    pub const LINK_EXTENDED: &str = "link.extended";
    pub const LINK_LEVEL_CHANGE_REQUESTED: &str = "link.level_change_requested";
    pub const LINK_LEVEL_CHANGE_APPROVED: &str = "link.level_change_approved";
    pub const LINK_LEVEL_CHANGE_DECLINED: &str = "link.level_change_declined";
    pub const TENANT_MULTI_TENANCY_CHANGED: &str = "tenant.multi_tenancy_changed";
    pub const SHARE_CREATED: &str = "share.created";
    pub const SHARE_CHANGED: &str = "share.changed";
    pub const SHARE_REVOKED: &str = "share.revoked";
    pub const APP_CREATED: &str = "app.created";
    pub const APP_SECRET_ROTATED: &str = "app.secret_rotated";
    pub const APP_AUTHORIZATION_REQUESTED: &str = "app_authorization.requested";
    pub const APP_AUTHORIZATION_APPROVED: &str = "app_authorization.approved";
    pub const APP_AUTHORIZATION_DECLINED: &str = "app_authorization.declined";
    pub const APP_AUTHORIZATION_EDIT_REQUESTED: &str = "app_authorization.edit_requested";
    pub const APP_AUTHORIZATION_EDITED: &str = "app_authorization.edited";
    pub const APP_AUTHORIZATION_EDIT_DECLINED: &str = "app_authorization.edit_declined";
    pub const APP_AUTHORIZATION_REMOVED: &str = "app_authorization.removed";
    pub const DATASOURCE_CREATED: &str = "datasource.created";
    pub const DATASOURCE_UPDATED: &str = "datasource.updated";
    pub const DATASOURCE_DELETED: &str = "datasource.deleted";
    pub const DATASOURCE_REVEALED: &str = "datasource.revealed";
    pub const DATASOURCE_SHARED: &str = "datasource.shared";

    pub const ALL: &[&str] = &[
        SIGNIN_SUCCEEDED,
        SIGNIN_FAILED,
        SIGNIN_THROTTLED,
        SIGNOUT,
        SETUP_COMPLETED,
        USER_CREATED,
        USER_DISABLED,
        USER_ENABLED,
        PROFILE_UPDATED,
        PASSWORD_CHANGED,
        TENANT_CREATED,
        CSRF_REFUSED,
        AUTHZ_REFUSED,
        MAIL_RETRIED,
        LINK_INVITED,
        LINK_RESENT,
        LINK_ACCEPTED,
        LINK_DECLINED,
        LINK_CANCELLED,
        LINK_REMOVED,
        TENANT_ENTERED,
        TENANT_LEFT,
        TENANT_PARTNER_CHANGED,
        ROLE_INVITATION_SENT,
        ROLE_INVITATION_RESENT,
        ROLE_INVITATION_REVOKED,
        ROLE_INVITATION_ACCEPTED,
        MEMBERSHIP_REVOKED,
        TENANT_RENAMED,
        TENANT_DELETED,
        ROLE_CREATED,
        ROLE_UPDATED,
        ROLE_DELETED,
        API_TOKEN_CREATED,
        API_TOKEN_REVOKED,
        API_AUTH_FAILED,
        LINK_EXPIRED,
        GRANT_EXPIRED,
        LINK_REMINDER_SENT,
        LINK_EXTENSION_REQUESTED,
        LINK_EXTENDED,
        LINK_LEVEL_CHANGE_REQUESTED,
        LINK_LEVEL_CHANGE_APPROVED,
        LINK_LEVEL_CHANGE_DECLINED,
        TENANT_MULTI_TENANCY_CHANGED,
        SHARE_CREATED,
        SHARE_CHANGED,
        SHARE_REVOKED,
        APP_CREATED,
        APP_SECRET_ROTATED,
        APP_AUTHORIZATION_REQUESTED,
        APP_AUTHORIZATION_APPROVED,
        APP_AUTHORIZATION_DECLINED,
        APP_AUTHORIZATION_EDIT_REQUESTED,
        APP_AUTHORIZATION_EDITED,
        APP_AUTHORIZATION_EDIT_DECLINED,
        APP_AUTHORIZATION_REMOVED,
        DATASOURCE_CREATED,
        DATASOURCE_UPDATED,
        DATASOURCE_DELETED,
        DATASOURCE_REVEALED,
        DATASOURCE_SHARED,
    ];
}

/// The user who acted, as the log remembers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub email: String,
}

#[derive(Debug, Clone, Default)]
pub struct Event {
    pub action: &'static str,
    pub actor: Option<Actor>,
    pub tenant_id: Option<String>,
    pub grant_id: Option<String>,
    pub subject: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
}

impl Event {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            ..Default::default()
        }
    }
    pub fn actor(mut self, actor: Option<Actor>) -> Self {
        self.actor = actor;
        self
    }
    pub fn tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
    pub fn grant(mut self, grant_id: impl Into<String>) -> Self {
        self.grant_id = Some(grant_id.into());
        self
    }
    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }
}

pub fn record(conn: &mut AnyConnection, event: Event) -> ServiceResult<()> {
    // Kept on the event so a grantee's timeline reads one index (see services::activity).
    let grantee: Option<String> = match &event.grant_id {
        Some(grant_id) => access_grants::table
            .find(grant_id)
            .select(access_grants::grantee_tenant_id)
            .first(conn)
            .optional()?,
        None => None,
    };
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::id.eq(new_id()),
            audit_events::occurred_at.eq(now()),
            audit_events::actor_user_id.eq(event.actor.as_ref().map(|a| a.user_id.clone())),
            audit_events::actor_email.eq(event.actor.as_ref().map(|a| a.email.clone())),
            audit_events::tenant_id.eq(event.tenant_id),
            audit_events::grant_id.eq(event.grant_id),
            audit_events::action.eq(event.action),
            audit_events::subject.eq(event.subject),
            audit_events::detail.eq(event.detail),
            audit_events::ip.eq(event.ip),
            audit_events::grantee_tenant_id.eq(grantee),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_email: Option<String>,
    pub tenant_id: Option<String>,
    pub grant_id: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact action, e.g. `signin.failed`.
    pub action: Option<String>,
    /// Start of the actor's email or of the subject.
    pub who: Option<String>,
    /// Show events older than this id (keyset pagination, newest first).
    pub before: Option<String>,
}

pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// The cursor of the next (older) page, if there is one.
    pub next: Option<String>,
}

/// Escapes LIKE wildcards so user input matches literally.
pub fn like_prefix(input: &str) -> String {
    let escaped = input
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("{escaped}%")
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    limit: i64,
) -> ServiceResult<AuditPage> {
    let mut query = audit_events::table
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(who) = &filter.who {
        let pattern = like_prefix(&who.to_lowercase());
        query = query.filter(
            audit_events::actor_email
                .like(pattern.clone())
                .escape('\\')
                .or(audit_events::subject.like(pattern).escape('\\')),
        );
    }
    if let Some(before) = &filter.before {
        query = query.filter(audit_events::id.lt(before.clone()));
    }
    let mut rows: Vec<AuditRow> = query
        .order(audit_events::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    Ok(AuditPage { rows, next })
}

/// How many `action` events about `subject` happened since `since`.
pub fn count_for_subject(
    conn: &mut AnyConnection,
    action: &str,
    subject: &str,
    since: NaiveDateTime,
) -> ServiceResult<i64> {
    Ok(audit_events::table
        .filter(audit_events::action.eq(action))
        .filter(audit_events::subject.eq(subject))
        .filter(audit_events::occurred_at.gt(since))
        .count()
        .get_result(conn)?)
}

/// How many `action` events came from `ip` since `since`.
pub fn count_for_ip(
    conn: &mut AnyConnection,
    action: &str,
    ip: &str,
    since: NaiveDateTime,
) -> ServiceResult<i64> {
    Ok(audit_events::table
        .filter(audit_events::action.eq(action))
        .filter(audit_events::ip.eq(ip))
        .filter(audit_events::occurred_at.gt(since))
        .count()
        .get_result(conn)?)
}
