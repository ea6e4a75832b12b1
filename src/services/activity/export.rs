//! The CSV export of a tenant's timeline: the same filters as the page, every matching event in
//! batches of [`BATCH`] (one bounded query each), capped at [`CSV_MAX_ROWS`] rows with a last
//! comment row saying so. RFC 4180 quoting is the `csv` crate's; cells that a spreadsheet would
//! read as a formula are defused with a leading `'`.

use super::{ActivityEvent, Filter, list};
use crate::db::AnyConnection;
use crate::services::ServiceResult;
use std::borrow::Cow;

/// At most this many events are exported; narrower filters export the rest.
pub const CSV_MAX_ROWS: usize = 100_000;
/// Events read per query.
const BATCH: i64 = 500;

const HEADER: [&str; 11] = [
    "Event id",
    "When (UTC)",
    "Who",
    "Acting from",
    "Through",
    "Access level",
    "In account",
    "Action",
    "Action code",
    "About",
    "Detail",
];

/// A cell as written: one starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading `'` so that a spreadsheet shows it as text instead of running it as a formula.
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// An export in progress: each [`Export::next_chunk`] reads one batch and answers its CSV bytes.
pub struct Export {
    tenant_id: String,
    filter: Filter,
    cursor: Option<String>,
    written: usize,
    started: bool,
    done: bool,
}

impl Export {
    /// For a caller already authorized by [`super::authorize`].
    pub fn new(tenant_id: &str, filter: Filter) -> Self {
        Self {
            tenant_id: tenant_id.to_string(),
            filter,
            cursor: None,
            written: 0,
            started: false,
            done: false,
        }
    }

    /// The next piece of the file (the header row first), or None once it is complete.
    pub fn next_chunk(&mut self, c: &mut AnyConnection) -> ServiceResult<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(Vec::new());
        if !self.started {
            self.started = true;
            out.write_record(HEADER).map_err(anyhow::Error::from)?;
        }
        let room = (CSV_MAX_ROWS - self.written) as i64;
        let page = list(
            c,
            &self.tenant_id,
            &self.filter,
            self.cursor.as_deref(),
            BATCH.min(room),
        )?;
        for event in &page.events {
            out.write_record(record(event).iter().map(|v| safe_cell(v).into_owned()))
                .map_err(anyhow::Error::from)?;
        }
        self.written += page.events.len();
        self.cursor = page.next;
        if self.cursor.is_none() {
            self.done = true;
        } else if self.written >= CSV_MAX_ROWS {
            self.done = true;
            out.write_record([format!(
                "# Capped at {CSV_MAX_ROWS} rows: older events were left out. Narrow the \
                 filters to export them."
            )])
            .map_err(anyhow::Error::from)?;
        }
        let bytes = out
            .into_inner()
            .map_err(|e| anyhow::anyhow!("csv writer: {e}"))?;
        Ok(Some(bytes))
    }
}

fn record(e: &ActivityEvent) -> [String; 11] {
    let tenant = |t: &Option<super::TenantRef>| t.as_ref().map(|t| t.name.clone());
    [
        e.id.clone(),
        e.occurred_at
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        e.actor_email.clone().unwrap_or_default(),
        tenant(&e.acting_tenant).unwrap_or_default(),
        e.grant
            .as_ref()
            .map(|g| g.kind_words().to_string())
            .unwrap_or_default(),
        e.grant
            .as_ref()
            .map(|g| g.access_level.clone())
            .unwrap_or_default(),
        tenant(&e.in_tenant).unwrap_or_default(),
        e.action_words(),
        e.action.clone(),
        e.subject.clone().unwrap_or_default(),
        e.detail.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::safe_cell;

    #[test]
    fn formula_cells_are_defused() {
        for bad in ["=HYPERLINK(\"x\")", "+1", "-1", "@x", "\tx", "\rx"] {
            assert_eq!(safe_cell(bad), format!("'{bad}"));
        }
        for fine in ["plain", "a=b", "", "'quoted"] {
            assert_eq!(safe_cell(fine), fine);
        }
    }
}
