//! Edit and Remove, the partner's side: an edit is emailed to the customer's contact and applied
//! when they approve; a removal ends the authorization at once.

use super::partner::{Change, expiry, insert_request, own, push, record, tenant_name};
use super::{Row, Status, environment, row_by_id};
use crate::config::Settings;
use crate::db::schema::{app_authorization_requests as req, app_authorizations as auth};
use crate::db::{AnyConnection, write_transaction};
use crate::domain::email::Email;
use crate::domain::link::{MAX_MESSAGE_CHARS, clean_text, required_reason};
use crate::domain::permission::Permission;
use crate::domain::{clean_name, token, when};
use crate::mail::templates::{AppAuthorizationRemoved, AppAuthorizationRequested};
use crate::services::audit::actions;
use crate::services::links::partner_access;
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult, grant_periods, now, outbox};
use diesel::prelude::*;

/// What the partner typed in Edit.
#[derive(Debug, Clone, Default)]
pub struct EditRequest {
    /// Whom the partner submits the request on behalf of.
    pub on_behalf_of: String,
    pub contact_email: String,
    pub environment: String,
    pub valid_until: String,
    pub info: String,
}

/// Edit: emails the contact a confirmation of the changes; applied when they approve. A newer
/// edit replaces a pending one.
pub fn edit(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    id: &str,
    input: &EditRequest,
) -> ServiceResult<Row> {
    partner_access(conn, user, partner_id, Permission::AuthorizationsManage)?;
    let current = own(conn, partner_id, id)?;
    if current.status() != Status::Active && current.status() != Status::Expired {
        return Err(ServiceError::Conflict(format!(
            "This authorization is {}; only an approved authorization can be edited.",
            current.status().label()
        )));
    }
    let mut errors = Vec::new();
    let on_behalf_of = clean_name(
        "on_behalf_of",
        "whom you submit this for",
        &input.on_behalf_of,
        100,
    )
    .map_err(|e| errors.push(e))
    .ok();
    let email = Email::parse_field("contact_email", &input.contact_email)
        .map_err(|e| errors.push(e))
        .ok();
    let env = environment(settings, "environment", &input.environment)
        .map_err(|e| push(&mut errors, e))
        .ok()
        .cloned();
    let info = clean_text("info", &input.info, MAX_MESSAGE_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    let at = now();
    let valid_until = grant_periods::parse_ends_at("valid_until", &input.valid_until, at)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(on_behalf_of), Some(email), Some(env), Some(info), Some(valid_until)) =
        (on_behalf_of, email, env, info, valid_until)
    else {
        return Err(ServiceError::Invalid(errors));
    };
    let token = token::generate();
    let expires_at = expiry(settings, at)?;
    write_transaction(conn, |c| {
        diesel::update(
            req::table
                .filter(req::authorization_id.eq(id))
                .filter(req::status.eq("pending")),
        )
        .set((req::status.eq("cancelled"), req::answered_at.eq(at)))
        .execute(c)?;
        let change = Change {
            kind: "edit",
            contact_email: email.as_str(),
            on_behalf_of: &on_behalf_of,
            environment: &env.key,
            valid_until,
            info: &info,
        };
        insert_request(c, id, &change, user, &token, expires_at)?;
        let row = row_by_id(c, id)?;
        record(
            c,
            user,
            partner_id,
            id,
            actions::APP_AUTHORIZATION_EDIT_REQUESTED,
            &row.tenant,
            &format!("{} in {}", row.app, env.name),
        )?;
        let message = AppAuthorizationRequested {
            edit: true,
            partner: tenant_name(c, partner_id)?,
            requester: user.name.clone(),
            app: row.app.clone(),
            environment: env.name.clone(),
            customer_name: row.tenant.clone(),
            account_number: current.account_number.clone(),
            on_behalf_of: on_behalf_of.clone(),
            info: info.clone(),
            valid_until: valid_until.as_ref().map(when).unwrap_or_default(),
            expires_at: when(&expires_at),
            url: settings.link(&format!("/app-authorizations/{token}")),
        };
        outbox::enqueue(c, email.as_str(), &message)?;
        Ok(row)
    })
}

/// Remove: the authorization ends at once (the app loses access), the contact is emailed.
/// Both the contact's email and a reason are required. Nothing else is deleted.
pub fn remove(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    id: &str,
    contact_email: &str,
    reason: &str,
) -> ServiceResult<Row> {
    partner_access(conn, user, partner_id, Permission::AuthorizationsManage)?;
    let current = own(conn, partner_id, id)?;
    let mut errors = Vec::new();
    let email = Email::parse_field("contact_email", contact_email)
        .map_err(|e| errors.push(e))
        .ok();
    let reason = required_reason("reason", reason)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(email), Some(reason)) = (email, reason) else {
        return Err(ServiceError::Invalid(errors));
    };
    let at = now();
    write_transaction(conn, |c| {
        let n = diesel::update(
            auth::table
                .find(id)
                .filter(auth::status.eq_any(["pending", "active"])),
        )
        .set((
            auth::status.eq("removed"),
            auth::ended_at.eq(at),
            auth::end_reason.eq(&reason),
            auth::updated_at.eq(at),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(ServiceError::Conflict(format!(
                "This authorization is already {}.",
                current.status().label()
            )));
        }
        diesel::update(
            req::table
                .filter(req::authorization_id.eq(id))
                .filter(req::status.eq("pending")),
        )
        .set((req::status.eq("cancelled"), req::answered_at.eq(at)))
        .execute(c)?;
        let row = row_by_id(c, id)?;
        let env = settings
            .environment(&current.environment)
            .map_or(current.environment.clone(), |e| e.name.clone());
        record(
            c,
            user,
            partner_id,
            id,
            actions::APP_AUTHORIZATION_REMOVED,
            &row.tenant,
            &format!("{} in {env}: {reason}", row.app),
        )?;
        let message = AppAuthorizationRemoved {
            partner: tenant_name(c, partner_id)?,
            app: row.app.clone(),
            environment: env,
            customer: row.tenant.clone(),
            reason: reason.clone(),
        };
        outbox::enqueue(c, email.as_str(), &message)?;
        Ok(row)
    })
}
