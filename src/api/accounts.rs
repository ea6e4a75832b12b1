//! Accounts: the acting tenant's subtree. List, create a sub-account of the acting tenant, read,
//! rename and delete. An account outside the subtree is a 404 on every route; every rule is in
//! `services::subtree` and `services::subaccounts`.

use super::body::text;
use super::error::ErrorBody;
use super::{ApiCaller, ApiError, ApiJson, created, cursor, db, timestamp};
use crate::services::subaccounts;
use crate::services::subtree;
use crate::services::tenants::Tenant;
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An account of the acting tenant's subtree.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountJson {
    pub id: String,
    pub name: String,
    /// Nine digits, shown to people on invoices and support calls.
    pub account_number: String,
    /// Null for a top-level account.
    #[schema(required = true)]
    pub parent_id: Option<String>,
    /// How far below the acting tenant: 0 for that tenant itself, 1 for its sub-accounts.
    pub depth: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl AccountJson {
    pub fn new(t: Tenant, depth: i64) -> Self {
        Self {
            created_at: timestamp(&t.created_at),
            id: t.id,
            name: t.name,
            account_number: t.account_number,
            parent_id: t.parent_id,
            depth,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountList {
    pub items: Vec<AccountJson>,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Start of the account name (any case).
    q: Option<String>,
    /// Accounts a page, 1 to 100 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// The most characters a name search may have: a tenant name's limit.
const MAX_SEARCH_CHARS: usize = crate::services::tenants::MAX_TENANT_NAME_CHARS;

/// Every account below the acting tenant (not the tenant itself), in creation order. Needs
/// `tenant.view` on the acting tenant.
#[utoipa::path(
    get,
    path = "/api/v1/accounts",
    tag = "accounts",
    operation_id = "listAccounts",
    params(ListParams),
    responses(
        (status = 200, description = "A page of the subtree", body = AccountList),
        (status = 422, description = "A bad search, limit or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    state: web::Data<AppState>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = query.into_inner();
    let search = params.q.map(|q| q.trim().to_string());
    if search
        .as_ref()
        .is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARS)
    {
        return Err(ApiError::invalid(
            "q",
            format!("The search must be at most {MAX_SEARCH_CHARS} characters."),
        ));
    }
    let after = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(cursor::decode(c)?),
        None => None,
    };
    let limit = cursor::limit(params.limit.as_deref())?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let page = db(&state, move |c| {
        subaccounts::subtree_page(
            c,
            &user,
            &tenant,
            search.as_deref(),
            after.as_deref(),
            limit,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(AccountList {
        items: page
            .rows
            .into_iter()
            .map(|r| AccountJson::new(r.tenant, r.depth))
            .collect(),
        next_cursor: page.next.as_deref().map(cursor::encode),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AccountName {
    /// 1 to 100 characters, no control characters; unique among all accounts, in any case.
    #[schema(value_type = String)]
    pub name: serde_json::Value,
}

/// Creates a sub-account of the acting tenant (needs `subtenants.create` there). Nobody becomes
/// its member: the roles of the acting tenant and its ancestors that apply to sub-accounts give
/// access to it.
#[utoipa::path(
    post,
    path = "/api/v1/accounts",
    tag = "accounts",
    operation_id = "createAccount",
    request_body = AccountName,
    responses(
        (status = 201, description = "The new sub-account", body = AccountJson),
        (status = 403, description = "No subtenants.create in the acting account (or no api.access)", body = ErrorBody),
        (status = 409, description = "An account with this name exists", body = ErrorBody),
        (status = 422, description = "A missing or bad name", body = ErrorBody),
    )
)]
pub async fn create(
    caller: ApiCaller,
    state: web::Data<AppState>,
    body: ApiJson<AccountName>,
) -> Result<HttpResponse, ApiError> {
    let name = text("name", &body.0.name)?;
    let (user, tenant) = (caller.user, caller.tenant_id);
    let account = db(&state, move |c| {
        subaccounts::create_sub_account(c, &user, &tenant, &name)
    })
    .await?;
    Ok(created(AccountJson::new(account, 1)))
}

/// One account: the acting tenant or one below it. Needs `tenant.view` on it.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{id}",
    tag = "accounts",
    operation_id = "getAccount",
    params(("id" = String, Path, description = "The account id")),
    responses(
        (status = 200, description = "The account", body = AccountJson),
        (status = 404, description = "No such account in the acting account's subtree", body = ErrorBody),
    )
)]
pub async fn get(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, root) = (caller.user, caller.tenant_id);
    let (account, depth) = db(&state, move |c| subtree::get(c, &user, &root, &id)).await?;
    Ok(HttpResponse::Ok().json(AccountJson::new(account, depth)))
}

/// Renames an account of the subtree. Needs `tenant.manage` on it.
#[utoipa::path(
    patch,
    path = "/api/v1/accounts/{id}",
    tag = "accounts",
    operation_id = "renameAccount",
    params(("id" = String, Path, description = "The account id")),
    request_body = AccountName,
    responses(
        (status = 200, description = "The renamed account", body = AccountJson),
        (status = 403, description = "No tenant.manage on the account", body = ErrorBody),
        (status = 404, description = "No such account in the acting account's subtree", body = ErrorBody),
        (status = 409, description = "Another account has this name", body = ErrorBody),
        (status = 422, description = "A missing or bad name", body = ErrorBody),
    )
)]
pub async fn rename(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<AccountName>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let name = text("name", &body.0.name)?;
    let (user, root) = (caller.user, caller.tenant_id);
    let (account, depth) = db(&state, move |c| {
        subtree::rename(c, &user, &root, &id, &name)
    })
    .await?;
    Ok(HttpResponse::Ok().json(AccountJson::new(account, depth)))
}

/// Deletes an empty sub-account of the subtree: no sub-accounts, members, links or shares.
/// Needs `tenant.manage` on it.
#[utoipa::path(
    delete,
    path = "/api/v1/accounts/{id}",
    tag = "accounts",
    operation_id = "deleteAccount",
    params(("id" = String, Path, description = "The account id")),
    responses(
        (status = 200, description = "The deleted account", body = AccountJson),
        (status = 403, description = "No tenant.manage on the account", body = ErrorBody),
        (status = 404, description = "No such account in the acting account's subtree", body = ErrorBody),
        (status = 409, description = "The account is not empty, or is a top-level account", body = ErrorBody),
    )
)]
pub async fn delete(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::path_id(path)?;
    let (user, root) = (caller.user, caller.tenant_id);
    let (account, depth) = db(&state, move |c| subtree::delete(c, &user, &root, &id)).await?;
    Ok(HttpResponse::Ok().json(AccountJson::new(account, depth)))
}
