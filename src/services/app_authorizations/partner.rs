//! The partner's side: counts per environment, the tenant listing, and request, edit and remove.

use super::{Authorization, Filter, Page, Row, Status, environment, find, list_partner, row_by_id};
use crate::config::Settings;
use crate::db::schema::{app_authorization_requests as req, app_authorizations as auth};
use crate::db::{AnyConnection, write_transaction};
use crate::domain::email::Email;
use crate::domain::link::{MAX_MESSAGE_CHARS, clean_text, required_reason};
use crate::domain::permission::Permission;
use crate::domain::{clean_name, token, when};
use crate::mail::templates::{AppAuthorizationRemoved, AppAuthorizationRequested};
use crate::services::apps::{self, App};
use crate::services::audit::{self, Event, actions};
use crate::services::links::partner_access;
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult, grant_periods, new_id, now, outbox};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const MAX_ACCOUNT_NUMBER_CHARS: usize = 64;

/// Tenants that authorized an app in one environment.
#[derive(Debug, Clone)]
pub struct EnvironmentCount {
    pub key: String,
    pub name: String,
    pub active: i64,
    pub pending: i64,
}

/// The app's Tenants section: every configured environment with its counts (one grouped query).
pub fn counts(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    app_id: &str,
) -> ServiceResult<(App, Vec<EnvironmentCount>)> {
    let app = apps::get(conn, user, partner_id, app_id)?;
    let at = now();
    let rows: Vec<(String, String, i64)> = auth::table
        .filter(auth::app_id.eq(&app.id))
        .filter(auth::status.eq_any(["pending", "active"]))
        .filter(auth::valid_until.is_null().or(auth::valid_until.gt(at)))
        .group_by((auth::environment, auth::status))
        .select((auth::environment, auth::status, diesel::dsl::count_star()))
        .load(conn)?;
    let counts = settings
        .environments
        .iter()
        .map(|e| {
            let of = |status: &str| {
                rows.iter()
                    .find(|(env, s, _)| *env == e.key && s == status)
                    .map_or(0, |r| r.2)
            };
            EnvironmentCount {
                key: e.key.clone(),
                name: e.name.clone(),
                active: of("active"),
                pending: of("pending"),
            }
        })
        .collect();
    Ok((app, counts))
}

/// The tenant listing: one environment, optionally one app, searchable, paginated.
pub fn list_for_partner(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    filter: &Filter,
) -> ServiceResult<Page> {
    apps::view_access(conn, user, partner_id)?;
    environment(settings, "environment", &filter.environment)?;
    if let Some(app) = &filter.app_id {
        apps::own_app(conn, partner_id, app)?;
    }
    list_partner(conn, partner_id, filter)
}

/// One of the partner's authorizations; another partner's is NotFound.
pub fn get_for_partner(
    conn: &mut AnyConnection,
    user: &User,
    partner_id: &str,
    id: &str,
) -> ServiceResult<Row> {
    apps::view_access(conn, user, partner_id)?;
    own(conn, partner_id, id)?;
    row_by_id(conn, id)
}

fn own(conn: &mut AnyConnection, partner_id: &str, id: &str) -> ServiceResult<Authorization> {
    match find(conn, id)? {
        Some(a) if a.partner_tenant_id == partner_id => Ok(a),
        _ => Err(ServiceError::NotFound),
    }
}

/// What the partner typed in Request Authorization.
#[derive(Debug, Clone, Default)]
pub struct NewRequest {
    pub app_id: String,
    pub environment: String,
    pub customer_name: String,
    pub account_number: String,
    pub contact_email: String,
    pub info: String,
    /// Empty for no end; a date as [`grant_periods::parse_ends_at`] reads it.
    pub valid_until: String,
}

/// Request Authorization: a Pending authorization, its hashed token, the audit event and the
/// email to the contact, in one transaction.
pub fn request(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    partner_id: &str,
    input: &NewRequest,
) -> ServiceResult<Row> {
    partner_access(conn, user, partner_id, Permission::AuthorizationsManage)?;
    let mut errors = Vec::new();
    let app = match input.app_id.trim() {
        "" => {
            errors.push(crate::domain::FieldError::new(
                "app",
                "Choose an application.",
            ));
            None
        }
        id => Some(apps::own_app(conn, partner_id, id)?),
    };
    let env = environment(settings, "environment", &input.environment)
        .map_err(|e| push(&mut errors, e))
        .ok()
        .cloned();
    let name = clean_name(
        "customer_name",
        "the customer name",
        &input.customer_name,
        100,
    )
    .map_err(|e| errors.push(e))
    .ok();
    let number = clean_name(
        "account_number",
        "the Cust ID",
        &input.account_number,
        MAX_ACCOUNT_NUMBER_CHARS,
    )
    .map_err(|e| errors.push(e))
    .ok();
    let email = Email::parse_field("contact_email", &input.contact_email)
        .map_err(|e| errors.push(e))
        .ok();
    let info = clean_text("info", &input.info, MAX_MESSAGE_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    let at = now();
    let valid_until = grant_periods::parse_ends_at("valid_until", &input.valid_until, at)
        .map_err(|e| errors.push(e))
        .ok();
    let (
        Some(app),
        Some(env),
        Some(name),
        Some(number),
        Some(email),
        Some(info),
        Some(valid_until),
    ) = (app, env, name, number, email, info, valid_until)
    else {
        return Err(ServiceError::Invalid(errors));
    };
    let id = new_id();
    let token = token::generate();
    let expires_at = expiry(settings, at)?;
    write_transaction(conn, |c| {
        let open: i64 = auth::table
            .filter(auth::app_id.eq(&app.id))
            .filter(auth::environment.eq(&env.key))
            .filter(auth::account_number.eq(&number))
            .filter(auth::status.eq_any(["pending", "active"]))
            .count()
            .get_result(c)?;
        if open > 0 {
            return Err(ServiceError::invalid(
                "account_number",
                format!(
                    "{} already has a pending or active authorization of {} in {}.",
                    number, app.name, env.name
                ),
            ));
        }
        diesel::insert_into(auth::table)
            .values((
                auth::id.eq(&id),
                auth::app_id.eq(&app.id),
                auth::partner_tenant_id.eq(partner_id),
                auth::customer_name.eq(&name),
                auth::customer_name_key.eq(name.to_lowercase()),
                auth::account_number.eq(&number),
                auth::environment.eq(&env.key),
                auth::status.eq("pending"),
                auth::valid_until.eq(valid_until),
                auth::contact_email.eq(email.as_str()),
                auth::contact_email_key.eq(email.key()),
                auth::info.eq(&info),
                auth::requested_by_user_id.eq(&user.id),
                auth::requested_at.eq(at),
                auth::updated_at.eq(at),
            ))
            .execute(c)?;
        let change = Change {
            kind: "request",
            contact_email: email.as_str(),
            on_behalf_of: "",
            environment: &env.key,
            valid_until,
            info: &info,
        };
        insert_request(c, &id, &change, user, &token, expires_at)?;
        record(
            c,
            user,
            partner_id,
            &id,
            actions::APP_AUTHORIZATION_REQUESTED,
            &name,
            &format!("{} in {}", app.name, env.name),
        )?;
        let message = AppAuthorizationRequested {
            edit: false,
            partner: tenant_name(c, partner_id)?,
            requester: user.name.clone(),
            app: app.name.clone(),
            environment: env.name.clone(),
            customer_name: name.clone(),
            account_number: number.clone(),
            on_behalf_of: String::new(),
            info: info.clone(),
            valid_until: valid_until.as_ref().map(when).unwrap_or_default(),
            expires_at: when(&expires_at),
            url: settings.link(&format!("/app-authorizations/{token}")),
        };
        outbox::enqueue(c, email.as_str(), &message)?;
        row_by_id(c, &id)
    })
}

fn push(errors: &mut Vec<crate::domain::FieldError>, e: ServiceError) {
    if let ServiceError::Invalid(mut list) = e {
        errors.append(&mut list);
    }
}

fn expiry(settings: &Settings, at: NaiveDateTime) -> ServiceResult<NaiveDateTime> {
    Ok(at + chrono::Duration::from_std(settings.invitation_ttl).map_err(anyhow::Error::from)?)
}

pub(super) fn tenant_name(c: &mut AnyConnection, id: &str) -> ServiceResult<String> {
    use crate::db::schema::tenants;
    Ok(tenants::table.find(id).select(tenants::name).first(c)?)
}

/// What an emailed request asks for.
pub(super) struct Change<'a> {
    pub kind: &'static str,
    pub contact_email: &'a str,
    pub on_behalf_of: &'a str,
    pub environment: &'a str,
    pub valid_until: Option<NaiveDateTime>,
    pub info: &'a str,
}

fn insert_request(
    c: &mut AnyConnection,
    authorization_id: &str,
    change: &Change<'_>,
    user: &User,
    token: &str,
    expires_at: NaiveDateTime,
) -> ServiceResult<()> {
    diesel::insert_into(req::table)
        .values((
            req::id.eq(new_id()),
            req::authorization_id.eq(authorization_id),
            req::kind.eq(change.kind),
            req::token_hash.eq(token::hash(token)),
            req::status.eq("pending"),
            req::contact_email.eq(change.contact_email),
            req::on_behalf_of.eq(change.on_behalf_of),
            req::environment.eq(change.environment),
            req::valid_until.eq(change.valid_until),
            req::info.eq(change.info),
            req::requested_by_user_id.eq(&user.id),
            req::requested_at.eq(now()),
            req::expires_at.eq(expires_at),
        ))
        .execute(c)?;
    Ok(())
}

pub(super) fn record(
    c: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    authorization_id: &str,
    action: &'static str,
    subject: &str,
    detail: &str,
) -> ServiceResult<()> {
    audit::record(
        c,
        Event::new(action)
            .actor(Some(user.actor()))
            .tenant(tenant_id)
            .subject(subject)
            .detail(format!("{detail} (authorization {authorization_id})")),
    )
}

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
