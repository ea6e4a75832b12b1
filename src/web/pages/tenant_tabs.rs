//! The tab strip of every tenant page (Overview, Sub-accounts, Users & roles, …): which tabs a
//! user sees is decided here, once, from their access to the tenant; each tab page's template
//! extends `pages/accounts/tabbed.html`, and [`respond`] answers a tab switch made with htmx with
//! the panel alone (plus the strip and the flashes out of band) instead of the whole page.

use crate::authz::{self, Access};
use crate::db::AnyConnection;
use crate::domain::permission::Permission;
use crate::services::users::User;
use crate::services::{ServiceError, ServiceResult, links};
use crate::web::AppError;
use crate::web::layout::Layout;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

/// The element the tab links swap, without the `#`.
pub const PANEL_ID: &str = "tab-panel";

/// A tab of the tenant page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Authorizations,
    SubAccounts,
    Users,
    PartnerAccess,
    Shares,
    DataSources,
    Activity,
}

/// One tab as data: adding a page to the strip is one entry here (and a variant above).
struct TabDef {
    tab: Tab,
    label: &'static str,
    /// After `/accounts/{id}`.
    path: &'static str,
    visible: fn(&Access) -> bool,
}

/// The strip, in order.
const TABS: &[TabDef] = &[
    TabDef {
        tab: Tab::Overview,
        label: "Overview",
        path: "",
        visible: |_| true,
    },
    TabDef {
        tab: Tab::Authorizations,
        label: "Authorizations",
        path: "/authorizations",
        // The apps a tenant authorized are visible to whoever sees the tenant
        // (services::app_authorizations::for_tenant).
        visible: |a| a.allows(Permission::TenantView),
    },
    TabDef {
        tab: Tab::SubAccounts,
        label: "Sub-accounts",
        path: "/sub-accounts",
        visible: |a| a.allows(Permission::TenantView),
    },
    TabDef {
        tab: Tab::Users,
        label: "Users & roles",
        path: "/users",
        // Invitations go through the user's own roles (services::role_invitations).
        visible: |a| a.own().allows(Permission::UsersInvite),
    },
    TabDef {
        tab: Tab::PartnerAccess,
        label: "Partner access",
        path: "/partner-access",
        visible: links::is_own_admin,
    },
    TabDef {
        tab: Tab::Shares,
        label: "Shared accounts",
        path: "/shares",
        visible: |a| a.allows(Permission::TenantView),
    },
    TabDef {
        tab: Tab::DataSources,
        label: "Data sources",
        path: "/datasources",
        visible: |a| a.allows(Permission::DatasourcesView),
    },
    TabDef {
        tab: Tab::Activity,
        label: "Activity",
        path: "/activity",
        visible: |a| a.allows(Permission::AuditView),
    },
];

pub struct TabLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// The tenant's name and the tabs this user may see, the current one marked.
pub struct TenantTabs {
    pub tenant_id: String,
    pub tenant_name: String,
    pub items: Vec<TabLink>,
}

impl TenantTabs {
    /// The strip for an access already loaded (the tenant must be visible to the user).
    pub fn of(access: &Access, current: Tab) -> Self {
        let base = format!("/accounts/{}", access.tenant_id);
        let items = TABS
            .iter()
            .filter(|d| d.tab == current || (d.visible)(access))
            .map(|d| TabLink {
                label: d.label,
                href: format!("{base}{}", d.path),
                current: d.tab == current,
            })
            .collect();
        Self {
            tenant_id: access.tenant_id.clone(),
            tenant_name: access.tenant_name.clone(),
            items,
        }
    }
}

/// The strip of `tenant_id` for `user`; NotFound when they cannot see the tenant at all.
pub fn load(
    conn: &mut AnyConnection,
    user: &User,
    tenant_id: &str,
    current: Tab,
) -> ServiceResult<TenantTabs> {
    let access = authz::access(conn, &user.id, tenant_id)?;
    if access.is_empty() {
        return Err(ServiceError::NotFound);
    }
    Ok(TenantTabs::of(&access, current))
}

/// A page shown as a tab: it has the layout, the strip, and a `tab` block (the panel). Implement
/// it with [`tabbed_page!`].
pub trait Tabbed: Template {
    fn layout(&self) -> &Layout;
    fn tabs(&self) -> &TenantTabs;
    fn render_panel(&self, out: &mut String) -> askama::Result<()>;
}

/// Implements [`Tabbed`] for a page struct with `layout` and `tabs` fields and
/// `#[template(blocks = ["tab"])]`.
macro_rules! tabbed_page {
    ($page:ty) => {
        impl $crate::web::pages::tenant_tabs::Tabbed for $page {
            fn layout(&self) -> &$crate::web::layout::Layout {
                &self.layout
            }
            fn tabs(&self) -> &$crate::web::pages::tenant_tabs::TenantTabs {
                &self.tabs
            }
            fn render_panel(&self, out: &mut String) -> askama::Result<()> {
                askama::Template::render_into(&self.as_tab(), out)
            }
        }
    };
}
pub(crate) use tabbed_page;

/// What an htmx tab switch receives besides the panel: the title, the strip with the new current
/// tab, and the flashes, swapped out of band.
#[derive(Template)]
#[template(path = "pages/accounts/_tab_oob.html")]
struct OutOfBand<'a> {
    layout: &'a Layout,
    tabs: &'a TenantTabs,
}

/// True for an htmx request that swaps the tab panel (a tab link), not for a history restore,
/// which needs the whole page.
pub fn wants_panel(req: &HttpRequest) -> bool {
    let h = req.headers();
    h.contains_key("HX-Request")
        && !h.contains_key("HX-History-Restore-Request")
        && h.get("HX-Target").and_then(|v| v.to_str().ok()) == Some(PANEL_ID)
}

/// The whole page, or only its panel for a tab switch made with htmx.
pub fn respond(
    req: &HttpRequest,
    page: &impl Tabbed,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = if wants_panel(req) {
        let mut out = String::new();
        page.render_panel(&mut out)?;
        OutOfBand {
            layout: page.layout(),
            tabs: page.tabs(),
        }
        .render_into(&mut out)?;
        out
    } else {
        page.render()?
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Vary", "HX-Request, HX-Target"))
        .body(body))
}
