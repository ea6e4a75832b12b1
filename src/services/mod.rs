//! One module per capability: transactions and rules, used by the pages, the API and the CLI.

pub mod access;
pub mod activity;
pub mod api_tokens;
pub mod app_authorizations;
pub mod apps;
pub mod audit;
pub mod datasources;
pub mod grant_periods;
pub mod links;
pub mod memberships;
pub mod outbox;
pub mod role_invitations;
pub mod roles;
pub mod sessions;
pub mod setup;
pub mod shares;
pub mod signin;
pub mod subaccounts;
pub mod subtree;
pub mod tenants;
pub mod users;

use crate::domain::FieldError;
use chrono::NaiveDateTime;

/// What a service can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// User input broke a rule; the form shows the messages next to their fields.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// The request clashes with the current state (a taken name, a used token).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(vec![e])
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// The current time, UTC, at the precision both backends store.
pub fn now() -> NaiveDateTime {
    let t = chrono::Utc::now().naive_utc();
    // PostgreSQL keeps microseconds; truncating keeps values equal after a round trip.
    t - chrono::Duration::nanoseconds(i64::from(t.and_utc().timestamp_subsec_nanos() % 1000))
}

/// Application-generated ids (the multi-backend has no RETURNING): UUIDv7, ordered by time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
