//! One level of the sub-account tree: a page of children (50, by name, searchable by the start of
//! the name) and the links to the next page, as a whole page or as rows appended with htmx.

use super::tree_url;
use crate::services::ServiceResult;
use crate::services::subaccounts::{self, Child, PAGE_SIZE};
use crate::services::users::User;

pub struct ChildView {
    pub id: String,
    pub name: String,
    pub account_number: String,
    pub has_children: bool,
}

impl From<Child> for ChildView {
    fn from(c: Child) -> Self {
        Self {
            id: c.tenant.id,
            name: c.tenant.name,
            account_number: c.tenant.account_number,
            has_children: c.has_children,
        }
    }
}

/// One page of a level: its rows and the "More" link (a page without JavaScript, the next rows
/// appended with htmx).
pub struct Level {
    pub rows: Vec<ChildView>,
    pub more_href: Option<String>,
    pub more_fragment: Option<String>,
}

pub(super) fn level_url(tenant_id: &str, q: &str, after: Option<&str>, fragment: bool) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if fragment {
        query.append_pair("fragment", "children");
    }
    if !q.is_empty() {
        query.append_pair("q", q);
    }
    if let Some(a) = after {
        query.append_pair("after", a);
    }
    let query = query.finish();
    if query.is_empty() {
        tree_url(tenant_id)
    } else {
        format!("{}?{query}", tree_url(tenant_id))
    }
}

pub(super) fn level(
    c: &mut crate::db::AnyConnection,
    user: &User,
    tenant_id: &str,
    q: &str,
    after: Option<&str>,
) -> ServiceResult<Level> {
    let search = Some(q).filter(|q| !q.is_empty());
    let page = subaccounts::children_page(c, user, tenant_id, search, after, PAGE_SIZE)?;
    Ok(Level {
        rows: page.rows.into_iter().map(ChildView::from).collect(),
        more_href: page
            .next
            .as_deref()
            .map(|n| level_url(tenant_id, q, Some(n), false)),
        more_fragment: page
            .next
            .as_deref()
            .map(|n| level_url(tenant_id, q, Some(n), true)),
    })
}
