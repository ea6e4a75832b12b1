//! The customer's side: open an emailed request, approve or decline it, and the tenant's
//! Authorizations page.

use super::partner::{record, tenant_name};
use super::{Page, Row, environment, list_tenant, row_by_id};
use crate::authz;
use crate::config::Settings;
use crate::db::schema::{app_authorization_requests as req, app_authorizations as auth, tenants};
use crate::db::{AnyConnection, is_unique_violation, write_transaction};
use crate::domain::link::{MAX_MESSAGE_CHARS, clean_text};
use crate::domain::permission::Permission;
use crate::domain::token;
use crate::mail::templates::AppAuthorizationAnswered;
use crate::services::audit::actions;
use crate::services::users::{self, User};
use crate::services::{ServiceError, ServiceResult, now, outbox};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = req)]
pub struct Request {
    pub id: String,
    pub authorization_id: String,
    pub kind: String,
    pub status: String,
    pub contact_email: String,
    pub on_behalf_of: String,
    pub environment: String,
    pub valid_until: Option<NaiveDateTime>,
    pub info: String,
    pub requested_by_user_id: Option<String>,
    pub expires_at: NaiveDateTime,
}

impl Request {
    pub fn is_edit(&self) -> bool {
        self.kind == "edit"
    }

    /// Why this request cannot be answered any more; None while it is open.
    pub fn closed_because(&self) -> Option<&'static str> {
        match self.status.as_str() {
            "pending" if self.expires_at <= now() => {
                Some("This request has expired. Ask the partner to send a new one.")
            }
            "pending" => None,
            "approved" => Some("This request has already been approved."),
            "declined" => Some("This request was declined."),
            _ => Some("This request was withdrawn or replaced by the partner."),
        }
    }

    pub fn is_for(&self, user: &User) -> bool {
        self.contact_email.to_lowercase() == user.email_key
    }
}

/// What the confirmation page shows: the request, the authorization and the partner.
pub struct Confirmation {
    pub request: Request,
    pub row: Row,
    pub partner: String,
    /// The environment's name as the pages show it.
    pub environment: String,
}

/// The request behind an emailed token; opening it changes nothing. Unknown tokens: NotFound.
pub fn open(
    conn: &mut AnyConnection,
    settings: &Settings,
    token: &str,
) -> ServiceResult<Confirmation> {
    let request: Request = req::table
        .filter(req::token_hash.eq(token::hash(token)))
        .select(Request::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)?;
    let row = row_by_id(conn, &request.authorization_id)?;
    let partner = tenant_name(conn, &row.authorization.partner_tenant_id)?;
    let environment = settings
        .environment(&request.environment)
        .map_or(request.environment.clone(), |e| e.name.clone());
    Ok(Confirmation {
        request,
        row,
        partner,
        environment,
    })
}

fn open_for(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    token: &str,
) -> ServiceResult<Confirmation> {
    let c = open(conn, settings, token)?;
    if let Some(why) = c.request.closed_because() {
        return Err(ServiceError::Conflict(why.into()));
    }
    if !c.request.is_for(user) {
        return Err(ServiceError::Conflict(format!(
            "This request was sent to {}, but you are signed in as {}. Sign out and sign in with that address.",
            c.request.contact_email, user.email
        )));
    }
    Ok(c)
}

/// Spends the token: exactly one pending, unexpired request row must change.
fn spend(c: &mut AnyConnection, token: &str, user: &User, status: &str) -> ServiceResult<()> {
    let at = now();
    let n = diesel::update(
        req::table
            .filter(req::token_hash.eq(token::hash(token)))
            .filter(req::status.eq("pending"))
            .filter(req::expires_at.gt(at)),
    )
    .set((
        req::status.eq(status),
        req::answered_at.eq(at),
        req::answered_by_user_id.eq(&user.id),
    ))
    .execute(c)?;
    if n != 1 {
        return Err(ServiceError::Conflict(
            "This request has already been answered.".into(),
        ));
    }
    Ok(())
}

/// Approve: the contact must administer (tenant.manage through their own roles) the tenant with
/// the given Cust ID, whose name must match the customer name (case-insensitively).
pub fn approve(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    token: &str,
) -> ServiceResult<Row> {
    let c = open_for(conn, settings, user, token)?;
    let a = &c.row.authorization;
    let tenant_id = match &a.tenant_id {
        Some(id) => id.clone(),
        None => {
            let found: Option<(String, String)> = tenants::table
                .filter(tenants::account_number.eq(&a.account_number))
                .select((tenants::id, tenants::name_key))
                .first(conn)
                .optional()?;
            let refused = || {
                ServiceError::Conflict(format!(
                    "You do not administer an account with Cust ID {}. Sign in with an administrator of that account, or ask the partner to correct the request.",
                    a.account_number
                ))
            };
            let (id, name_key) = found.ok_or_else(refused)?;
            if !administers(conn, user, &id)? {
                return Err(refused());
            }
            if name_key != a.customer_name.to_lowercase() {
                return Err(ServiceError::Conflict(format!(
                    "The customer name “{}” does not match the account with Cust ID {}. Ask the partner to correct the request.",
                    a.customer_name, a.account_number
                )));
            }
            id
        }
    };
    if a.tenant_id.is_some() && !administers(conn, user, &tenant_id)? {
        return Err(ServiceError::Conflict(
            "You do not administer the account this authorization belongs to.".into(),
        ));
    }
    let at = now();
    write_transaction(conn, |tx| {
        spend(tx, token, user, "approved")?;
        let changed = if c.request.is_edit() {
            diesel::update(auth::table.find(&a.id).filter(auth::status.eq("active")))
                .set((
                    auth::environment.eq(&c.request.environment),
                    auth::valid_until.eq(c.request.valid_until),
                    auth::info.eq(&c.request.info),
                    auth::updated_at.eq(at),
                ))
                .execute(tx)
        } else {
            diesel::update(auth::table.find(&a.id).filter(auth::status.eq("pending")))
                .set((
                    auth::status.eq("active"),
                    auth::tenant_id.eq(&tenant_id),
                    auth::authorized_by_user_id.eq(&user.id),
                    auth::authorized_at.eq(at),
                    auth::updated_at.eq(at),
                ))
                .execute(tx)
        };
        match changed {
            Ok(1) => {}
            Ok(_) => {
                return Err(ServiceError::Conflict(
                    "This authorization has ended in the meantime.".into(),
                ));
            }
            Err(e) if is_unique_violation(&e) => {
                return Err(ServiceError::Conflict(format!(
                    "This account already authorized {} in {}.",
                    c.row.app, c.environment
                )));
            }
            Err(e) => return Err(e.into()),
        }
        let action = if c.request.is_edit() {
            actions::APP_AUTHORIZATION_EDITED
        } else {
            actions::APP_AUTHORIZATION_APPROVED
        };
        let detail = format!("{} in {}", c.row.app, c.environment);
        record(tx, user, &tenant_id, &a.id, action, &c.row.tenant, &detail)?;
        notify_partner(tx, settings, &c, true, "")?;
        row_by_id(tx, &a.id)
    })
}

fn administers(conn: &mut AnyConnection, user: &User, tenant_id: &str) -> ServiceResult<bool> {
    Ok(authz::access(conn, &user.id, tenant_id)?
        .own()
        .allows(Permission::TenantManage))
}

/// Decline, with an optional reason; the partner is emailed. A declined request leaves the
/// authorization Declined; a declined edit leaves it as it was.
pub fn decline(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    token: &str,
    reason: &str,
) -> ServiceResult<Row> {
    let reason = clean_text("reason", reason, MAX_MESSAGE_CHARS)?;
    let c = open_for(conn, settings, user, token)?;
    let a = &c.row.authorization;
    let at = now();
    write_transaction(conn, |tx| {
        spend(tx, token, user, "declined")?;
        if !c.request.is_edit() {
            diesel::update(auth::table.find(&a.id).filter(auth::status.eq("pending")))
                .set((
                    auth::status.eq("declined"),
                    auth::ended_at.eq(at),
                    auth::end_reason.eq(&reason),
                    auth::updated_at.eq(at),
                ))
                .execute(tx)?;
        }
        let action = if c.request.is_edit() {
            actions::APP_AUTHORIZATION_EDIT_DECLINED
        } else {
            actions::APP_AUTHORIZATION_DECLINED
        };
        let detail = format!("{} in {}", c.row.app, c.environment);
        record(
            tx,
            user,
            &a.partner_tenant_id,
            &a.id,
            action,
            &c.row.tenant,
            &detail,
        )?;
        notify_partner(tx, settings, &c, false, &reason)?;
        row_by_id(tx, &a.id)
    })
}

fn notify_partner(
    tx: &mut AnyConnection,
    settings: &Settings,
    c: &Confirmation,
    approved: bool,
    reason: &str,
) -> ServiceResult<()> {
    let Some(requester) = c.request.requested_by_user_id.as_deref() else {
        return Ok(());
    };
    let Some(requester) = users::find(tx, requester)? else {
        return Ok(());
    };
    let message = AppAuthorizationAnswered {
        approved,
        edit: c.request.is_edit(),
        contact: c.request.contact_email.clone(),
        app: c.row.app.clone(),
        environment: c.environment.clone(),
        customer: c.row.tenant.clone(),
        reason: reason.to_string(),
        url: settings.link(&format!(
            "/accounts/{}/app-tenants?environment={}&app={}",
            c.row.authorization.partner_tenant_id,
            c.request.environment,
            c.row.authorization.app_id
        )),
    };
    outbox::enqueue(tx, &requester.email, &message)
}

/// The tenant's Authorizations page: the apps it authorized, for those who may view the tenant.
pub fn for_tenant(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    before: Option<&str>,
) -> ServiceResult<Page> {
    authz::require(conn, &user.id, tenant_id, Permission::TenantView)?;
    list_tenant(conn, tenant_id, before)
}

/// Checks an environment key against the settings (for the pages' tabs).
pub fn check_environment(settings: &Settings, key: &str) -> ServiceResult<()> {
    environment(settings, "environment", key).map(|_| ())
}
