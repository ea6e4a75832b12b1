//! The actix-session store backed by the `sessions` table (see services::sessions).

use crate::db::Pool;
use crate::domain::token;
use crate::services::{ServiceError, sessions};
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::web;
use std::collections::HashMap;
use std::time::Duration;

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    idle: Duration,
    /// Run the queries on the calling thread (SQLite: see `web::run_inline`).
    inline: bool,
}

impl DbSessionStore {
    pub fn new(pool: Pool, idle: Duration, inline: bool) -> Self {
        Self { pool, idle, inline }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut crate::db::AnyConnection) -> Result<T, ServiceError> + Send + 'static,
    ) -> anyhow::Result<T> {
        if self.inline {
            return super::run_inline(&self.pool, work).map_err(anyhow::Error::from);
        }
        let pool = self.pool.clone();
        let tally = super::query_log::tally();
        web::block(move || {
            tally.run(|| {
                let mut conn = pool.get()?;
                work(&mut conn)
            })
        })
        .await?
        .map_err(anyhow::Error::from)
    }

    fn deadline(&self, ttl: &CookieDuration) -> chrono::NaiveDateTime {
        let secs = ttl
            .whole_seconds()
            .clamp(60, self.idle.as_secs().max(60) as i64);
        crate::services::now() + chrono::Duration::seconds(secs)
    }
}

fn new_key() -> SessionKey {
    SessionKey::try_from(token::generate()).expect("a generated token is a valid session key")
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let key = key.as_ref().to_string();
        // The idle deadline slides here rather than in update_ttl, which would cost every
        // request a write (the middleware calls update_ttl only when the state changed).
        let extend_to = self.deadline(&CookieDuration::seconds(self.idle.as_secs() as i64));
        self.run(move |c| sessions::load(c, &key, extend_to))
            .await
            .map_err(LoadError::Other)
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        let key = new_key();
        let raw = key.as_ref().to_string();
        let expires = self.deadline(ttl);
        self.run(move |c| sessions::insert(c, &raw, &state, expires))
            .await
            .map_err(SaveError::Other)?;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let raw = key.as_ref().to_string();
        let expires = self.deadline(ttl);
        let state_again = state.clone();
        let updated = self
            .run(move |c| sessions::update(c, &raw, &state, expires))
            .await
            .map_err(UpdateError::Other)?;
        if updated {
            return Ok(key);
        }
        // The session ended meanwhile (signed out elsewhere, expired): start a fresh one.
        self.save(state_again, ttl).await.map_err(|e| match e {
            SaveError::Serialization(e) => UpdateError::Serialization(e),
            SaveError::Other(e) => UpdateError::Other(e),
        })
    }

    async fn update_ttl(
        &self,
        key: &SessionKey,
        ttl: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        let raw = key.as_ref().to_string();
        let expires = self.deadline(ttl);
        self.run(move |c| sessions::touch(c, &raw, expires)).await
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        let raw = key.as_ref().to_string();
        self.run(move |c| sessions::delete(c, &raw)).await
    }
}
