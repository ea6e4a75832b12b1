//! The role form: create a custom role or change one, with grouped permission checkboxes (those
//! the user does not hold disabled, with a note) and where the role applies; refused input comes
//! back at 422 with everything the user entered.

use super::{grouped, list_url};
use crate::authz::Access;
use crate::domain::permission::Permission;
use crate::domain::role::AppliesTo;
use crate::services::roles::{self, NewRole, Role};
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, flash};
use crate::web::pages::{FormErrors, render_status, see_other};
use crate::web::{AppError, AppState, csrf};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use std::collections::BTreeSet;

pub struct PermItem {
    pub key: &'static str,
    pub description: &'static str,
    pub checked: bool,
    pub disabled: bool,
    pub note: &'static str,
}

pub struct ScopeOption {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// The role form as the user sees it: what they entered, what they may choose, the errors.
pub struct RoleForm {
    pub tenant_id: String,
    pub tenant_name: String,
    pub csrf: String,
    /// Set when changing an existing role.
    pub role_id: Option<String>,
    pub name: String,
    pub description: String,
    pub scopes: Vec<ScopeOption>,
    pub groups: Vec<(&'static str, Vec<PermItem>)>,
    pub errors: FormErrors,
}

impl RoleForm {
    fn new(own: &Access, existing: Option<&Role>, input: &NewRole, csrf: String) -> Self {
        let held = own.permissions();
        let had: BTreeSet<Permission> = existing.map(|r| r.permissions.clone()).unwrap_or_default();
        let items = Permission::ALL.iter().map(|&p| {
            let always = p == Permission::TenantView;
            let disabled = always || (!held.contains(&p) && !had.contains(&p));
            let item = PermItem {
                key: p.as_str(),
                description: p.description(),
                checked: always || input.permissions.iter().any(|s| s == p.as_str()),
                disabled,
                note: if always {
                    "always included: members can see the account"
                } else if disabled {
                    "you do not hold this permission yourself"
                } else {
                    ""
                },
            };
            (p, item)
        });
        let scopes = [
            AppliesTo::ThisAccount,
            AppliesTo::ThisAndSubAccounts,
            AppliesTo::OnlySubAccounts,
        ]
        .into_iter()
        .map(|s| ScopeOption {
            value: s.as_str(),
            label: s.label(),
            checked: input.applies_to == s.as_str(),
        })
        .collect();
        Self {
            tenant_id: own.tenant_id.clone(),
            tenant_name: own.tenant_name.clone(),
            csrf,
            role_id: existing.map(|r| r.id.clone()),
            name: input.name.chars().take(200).collect(),
            description: input.description.chars().take(2000).collect(),
            scopes,
            groups: grouped(items),
            errors: FormErrors::default(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/roles/form.html")]
struct FormPage {
    layout: Layout,
    f: RoleForm,
}

fn form_page(
    state: &AppState,
    session: &Session,
    user: &User,
    f: RoleForm,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let title = match &f.role_id {
        Some(_) => format!("Change role {} · {}", f.name, f.tenant_name),
        None => format!("New role · {}", f.tenant_name),
    };
    let layout = Layout::new(session, &state.settings, Some(user), title, "accounts");
    render_status(&FormPage { layout, f }, status)
}

/// A form body: repeated `permissions` fields are kept in order.
type Fields = web::Form<Vec<(String, String)>>;

fn parse(fields: Vec<(String, String)>) -> NewRole {
    let mut input = NewRole::default();
    for (k, v) in fields {
        match k.as_str() {
            "name" => input.name = v,
            "description" => input.description = v,
            "applies_to" => input.applies_to = v,
            "permissions" => input.permissions.push(v),
            _ => {}
        }
    }
    input
}

/// A custom role of the tenant, for its Account owners.
pub(super) fn editable(
    c: &mut crate::db::AnyConnection,
    user: &User,
    tenant_id: &str,
    role_id: &str,
) -> ServiceResult<(Access, Role)> {
    let own = roles::manager_access(c, user, tenant_id)?;
    let role = roles::get(c, user, tenant_id, role_id)?;
    if role.is_builtin() {
        return Err(ServiceError::Conflict(format!(
            "{} is a built-in role and cannot be changed or deleted.",
            role.name
        )));
    }
    Ok((own, role))
}

pub async fn new_form(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    let u = user.clone();
    let own = state
        .db(move |c| roles::manager_access(c, &u, &tenant_id))
        .await?;
    let input = NewRole {
        applies_to: AppliesTo::ThisAccount.as_str().into(),
        ..NewRole::default()
    };
    let f = RoleForm::new(&own, None, &input, csrf::token(&session));
    form_page(&state, &session, &user, f, StatusCode::OK)
}

/// Saves a new role (no `role_id`) or changes one; refused input comes back in the form.
async fn save(
    user: User,
    state: web::Data<AppState>,
    session: Session,
    tenant_id: String,
    role_id: Option<String>,
    fields: Vec<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let input = parse(fields);
    let verb = if role_id.is_some() {
        "saved"
    } else {
        "created"
    };
    let (u, t, i, r) = (user.clone(), tenant_id.clone(), input, role_id);
    let token = csrf::token(&session);
    let outcome = state
        .db(move |c| {
            let saved = match &r {
                Some(role_id) => roles::update(c, &u, &t, role_id, &i),
                None => roles::create(c, &u, &t, &i),
            };
            match saved {
                Ok(role) => Ok(Ok(role)),
                Err(ServiceError::Invalid(errors)) => {
                    let (own, existing) = match &r {
                        Some(role_id) => {
                            let (own, role) = editable(c, &u, &t, role_id)?;
                            (own, Some(role))
                        }
                        None => (roles::manager_access(c, &u, &t)?, None),
                    };
                    let mut f = RoleForm::new(&own, existing.as_ref(), &i, token);
                    f.errors = FormErrors(errors);
                    Ok(Err(f))
                }
                Err(e) => Err(e),
            }
        })
        .await?;
    match outcome {
        Ok(role) => {
            flash(&session, "success", format!("Role {} {verb}.", role.name));
            Ok(see_other(&list_url(&tenant_id)))
        }
        Err(f) => form_page(&state, &session, &user, f, StatusCode::UNPROCESSABLE_ENTITY),
    }
}

pub async fn create(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, AppError> {
    let tenant_id = path.into_inner();
    save(user, state, session, tenant_id, None, form.into_inner()).await
}

pub async fn edit_form(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, role_id) = path.into_inner();
    let u = user.clone();
    let (own, role) = state
        .db(move |c| editable(c, &u, &tenant_id, &role_id))
        .await?;
    let input = NewRole {
        name: role.name.clone(),
        description: role.description.clone(),
        permissions: role
            .permissions
            .iter()
            .map(|p| p.as_str().to_string())
            .collect(),
        applies_to: role.applies_to.as_str().into(),
    };
    let f = RoleForm::new(&own, Some(&role), &input, csrf::token(&session));
    form_page(&state, &session, &user, f, StatusCode::OK)
}

pub async fn update(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    form: Fields,
) -> Result<HttpResponse, AppError> {
    let (tenant_id, role_id) = path.into_inner();
    save(
        user,
        state,
        session,
        tenant_id,
        Some(role_id),
        form.into_inner(),
    )
    .await
}
