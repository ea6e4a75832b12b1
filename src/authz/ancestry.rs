//! A tenant's ancestry (itself, its parent, … up to the root), kept in memory.
//!
//! A tenant never moves (sub-accounts are created under a parent and only ever deleted), so its
//! ancestry never changes: every instance may cache it without invalidation. This turns the
//! walk up a 1,000-level hierarchy, a thousand index lookups on every authorization, into a hash
//! lookup. The cache is bounded by the number of ids it holds and starts over when full.

use crate::db::{AnyConnection, load_sql};
use crate::services::ServiceResult;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Ids held at most (about 100 bytes each), whatever the depth of the hierarchies.
const MAX_CACHED_IDS: usize = 200_000;

/// A tenant and its ancestors, with each one's distance from the tenant.
#[derive(Debug)]
pub struct Ancestry {
    depth_of: HashMap<String, i64>,
}

impl Ancestry {
    /// How far above the tenant `id` is (0 for the tenant itself), if it is an ancestor.
    pub fn depth_of(&self, id: &str) -> Option<i64> {
        self.depth_of.get(id).copied()
    }

    fn len(&self) -> usize {
        self.depth_of.len()
    }

    fn is_empty(&self) -> bool {
        self.depth_of.is_empty()
    }
}

#[derive(Default)]
struct Cache {
    by_tenant: HashMap<String, Arc<Ancestry>>,
    ids: usize,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);

#[derive(QueryableByName)]
struct Link {
    #[diesel(sql_type = Text)]
    id: String,
}

const WALK_UP: &str = "WITH RECURSIVE chain(id, depth) AS ( \
       SELECT id, CAST(0 AS BIGINT) FROM tenants WHERE id = ? \
       UNION ALL \
       SELECT t.parent_id, chain.depth + 1 FROM chain JOIN tenants t ON t.id = chain.id \
       WHERE t.parent_id IS NOT NULL) \
     SELECT id FROM chain ORDER BY depth";

/// The ancestry of `tenant_id`; empty when there is no such tenant (never cached).
pub fn of(conn: &mut AnyConnection, tenant_id: &str) -> ServiceResult<Arc<Ancestry>> {
    if let Some(found) = lock().by_tenant.get(tenant_id) {
        return Ok(found.clone());
    }
    let links: Vec<Link> = load_sql(conn, WALK_UP, &[tenant_id])?;
    let ancestry = Arc::new(Ancestry {
        depth_of: links
            .into_iter()
            .enumerate()
            .map(|(depth, link)| (link.id, depth as i64))
            .collect(),
    });
    if !ancestry.is_empty() {
        let mut cache = lock();
        if cache.ids + ancestry.len() > MAX_CACHED_IDS {
            *cache = Cache::default();
        }
        cache.ids += ancestry.len();
        cache
            .by_tenant
            .insert(tenant_id.to_string(), ancestry.clone());
    }
    Ok(ancestry)
}

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    // The cache holds no invariant a panic could break: recover it.
    CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
