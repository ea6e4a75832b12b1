//! The partner's side: counts per environment, the tenant listing, and request, edit and remove.

use super::{Authorization, Filter, Page, Row, environment, find, list_partner, row_by_id};
use crate::config::Settings;
use crate::db::schema::{app_authorization_requests as req, app_authorizations as auth};
use crate::db::{AnyConnection, write_transaction};
use crate::domain::email::Email;
use crate::domain::link::{MAX_MESSAGE_CHARS, clean_text};
use crate::domain::permission::Permission;
use crate::domain::{clean_name, token, when};
use crate::mail::templates::AppAuthorizationRequested;
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

pub(super) fn own(
    conn: &mut AnyConnection,
    partner_id: &str,
    id: &str,
) -> ServiceResult<Authorization> {
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
        // A request whose link ran out unanswered no longer blocks a new one.
        let stale = req::table
            .filter(req::status.eq("pending"))
            .filter(req::expires_at.le(at))
            .select(req::authorization_id);
        diesel::update(
            auth::table
                .filter(auth::app_id.eq(&app.id))
                .filter(auth::environment.eq(&env.key))
                .filter(auth::account_number.eq(&number))
                .filter(auth::status.eq("pending"))
                .filter(auth::id.eq_any(stale)),
        )
        .set((
            auth::status.eq("expired"),
            auth::ended_at.eq(at),
            auth::updated_at.eq(at),
        ))
        .execute(c)?;
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

pub(super) fn push(errors: &mut Vec<crate::domain::FieldError>, e: ServiceError) {
    if let ServiceError::Invalid(mut list) = e {
        errors.append(&mut list);
    }
}

pub(super) fn expiry(settings: &Settings, at: NaiveDateTime) -> ServiceResult<NaiveDateTime> {
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

pub(super) fn insert_request(
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
