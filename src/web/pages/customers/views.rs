//! What the Account Management templates show: the list page and its table region, one row, the
//! Add form (a page, or a dialog with htmx), the delete confirmation, and the htmx answers to
//! actions (a row inserted, replaced or removed, with feedback).

use crate::domain::When;
use crate::domain::link::LinkStatus;
use crate::services::links::{AccessLevel, LinkRow, Summary};
use crate::web::layout::Layout;
use crate::web::pages::FormErrors;
use crate::web::plain::Plain;
use askama::Template;

/// What every row needs besides the link: where it lives and what the user may do.
#[derive(Clone)]
pub struct Ctx {
    pub tenant_id: String,
    pub csrf: Plain,
    pub can_manage: bool,
    pub can_login: bool,
    /// Rendered as an out-of-band replacement of the row already on the page.
    pub oob: bool,
}

pub struct RowView {
    pub id: Plain,
    pub email: String,
    pub customer: Option<String>,
    pub account_number: Option<String>,
    pub status: LinkStatus,
    pub access_level: String,
    pub invited: When,
    pub connected: Option<When>,
    /// When the access period ends (or ended); None: no end date.
    pub ends: Option<When>,
    /// A change of access level waits for the customer.
    pub level_change_pending: bool,
}

impl RowView {
    pub fn is_pending(&self) -> bool {
        self.status == LinkStatus::Pending
    }
    /// A row the Add dialog inserted gets a watcher of its own while it is pending.
    pub fn own_watcher(&self) -> Option<Watcher> {
        let id = self.id.as_str();
        Watcher::new(id, self.is_pending().then_some(id).into_iter(), false)
    }
    pub fn is_connected(&self) -> bool {
        self.status == LinkStatus::Connected
    }
    /// Removed links are not listed; a refreshed row may still say so.
    pub fn can_delete(&self) -> bool {
        self.status != LinkStatus::Removed
    }
    /// How a row's buttons name it to screen readers: the customer's account once connected
    /// (account names are unique), else the invited address.
    pub fn label(&self) -> &str {
        self.customer.as_deref().unwrap_or(&self.email)
    }
    /// How the customer is named in confirmations: the tenant when connected, and the email.
    pub fn named(&self) -> String {
        match &self.customer {
            Some(c) => format!("{c} ({})", self.email),
            None => self.email.clone(),
        }
    }
}

impl From<Summary> for RowView {
    fn from(row: Summary) -> Self {
        Self {
            id: Plain::new(row.id),
            email: row.email,
            customer: row.customer,
            account_number: row.customer_account_number,
            status: row.status,
            access_level: row.access_level,
            invited: When(row.invited_at),
            connected: row.connected_at.map(When),
            ends: row.access_ends_at.map(When),
            level_change_pending: row.level_change_pending,
        }
    }
}

impl From<LinkRow> for RowView {
    fn from(row: LinkRow) -> Self {
        Summary::from(row).into()
    }
}

pub struct Tab {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// The part of the list page that htmx swaps: tabs, search, table and pager.
pub struct Region {
    pub ctx: Ctx,
    pub base: String,
    pub tabs: Vec<Tab>,
    /// The status filter as typed in the URL (empty: all).
    pub status: String,
    pub status_label: &'static str,
    pub q: String,
    pub rows: Vec<RowView>,
    pub watcher: Option<Watcher>,
    pub next_link: Option<String>,
    pub first_link: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/customers/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub partner: String,
    pub region: Region,
}

#[derive(Template)]
#[template(path = "pages/customers/_region.html")]
pub struct RegionFragment {
    pub v: Region,
}

/// The Add form, on its own page or in a dialog.
pub struct Form {
    pub tenant_id: String,
    pub csrf: String,
    pub email: String,
    pub access_level: String,
    pub message: String,
    /// The end of the access period as typed; empty for none.
    pub ends_at: String,
    pub levels: Vec<AccessLevel>,
    pub errors: FormErrors,
    /// The pending invitation to this address, offered for Resend.
    pub pending_link: Option<String>,
    pub dialog: bool,
}

#[derive(Template)]
#[template(path = "pages/customers/new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub partner: String,
    pub f: Form,
}

#[derive(Template)]
#[template(path = "pages/customers/_dialog.html")]
pub struct DialogFragment {
    pub partner: String,
    pub f: Form,
}

/// The hidden element that asks every 5 s whether pending rows changed ([`super::watch`]): one
/// request for the page however many invitations are pending, where each row used to poll. `name`
/// tells the page's own watcher ("page") from one the Add dialog appended (its link's id).
pub struct Watcher {
    pub name: Plain,
    /// The watched links' ids, comma-separated.
    pub ids: Plain,
    /// Rendered as an out-of-band replacement of the watcher already on the page.
    pub oob: bool,
}

impl Watcher {
    /// None when nothing is pending: no watcher, no polling.
    pub fn new<'a>(name: &str, pending: impl Iterator<Item = &'a str>, oob: bool) -> Option<Self> {
        let ids = pending.collect::<Vec<_>>().join(",");
        (!ids.is_empty()).then(|| Self {
            name: Plain::new(name.to_string()),
            ids: Plain::new(ids),
            oob,
        })
    }
}

/// The answer to a watcher whose rows changed: those rows, out of band (the rest of the page and
/// the user's focus stay as they are), deletions for links that are gone, and the watcher again
/// with the ids still pending, or its removal.
#[derive(Template)]
#[template(path = "pages/customers/_watched.html")]
pub struct Watched {
    pub ctx: Ctx,
    pub rows: Vec<RowView>,
    pub gone: Vec<Plain>,
    pub name: Plain,
    pub watcher: Option<Watcher>,
}

/// An htmx answer to an action: rows inserted at the top, replaced or removed, and feedback.
#[derive(Template)]
#[template(path = "pages/customers/_changed.html")]
pub struct Changed {
    pub ctx: Ctx,
    pub added: Option<RowView>,
    pub replaced: Option<RowView>,
    pub removed: Option<Plain>,
    pub message: String,
}

#[derive(Template)]
#[template(path = "pages/customers/delete.html")]
pub struct DeletePage {
    pub layout: Layout,
    pub tenant_id: String,
    pub r: RowView,
}
