//! The search of Account Management by prefix, driven by indexes.
//!
//! The page's LIKE filter (email or customer name) cannot use an index across the join, so alone
//! it made a search walk every link of the partner: a second with 100,000 links. This condition
//! names the candidate links through the two prefix indexes instead, `access_grants(grantee,
//! email_key)` and `tenants(name_key)`; the LIKE filter still decides, so the range only has to
//! contain every match: all strings that start with `key` sort between `key` and `key` followed by
//! the last code point (byte-wise, as SQLite and PostgreSQL's C collation compare).
//!
//! A type of its own rather than `diesel::dsl::sql`, whose statements are never cached: this one
//! is prepared once per connection like the rest of the page's query.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Bool, HasSqlType, Text};

pub struct PrefixCandidates {
    partner_id: String,
    key: String,
    upper: String,
}

impl PrefixCandidates {
    pub fn new(partner_id: &str, key: &str) -> Self {
        Self {
            partner_id: partner_id.to_string(),
            key: key.to_string(),
            upper: format!("{key}\u{10FFFF}"),
        }
    }
}

impl Expression for PrefixCandidates {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for PrefixCandidates {}
impl<QS> SelectableExpression<QS> for PrefixCandidates {}

impl<GB> ValidGrouping<GB> for PrefixCandidates {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl QueryId for PrefixCandidates {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryFragment<DB> for PrefixCandidates
where
    DB: Backend + HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        out.push_sql(
            "access_grants.id IN (SELECT g.id FROM access_grants g WHERE g.grantee_tenant_id = ",
        );
        out.push_bind_param::<Text, _>(&self.partner_id)?;
        out.push_sql(" AND g.email_key >= ");
        out.push_bind_param::<Text, _>(&self.key)?;
        out.push_sql(" AND g.email_key < ");
        out.push_bind_param::<Text, _>(&self.upper)?;
        out.push_sql(
            " UNION ALL SELECT g.id FROM tenants t JOIN access_grants g \
             ON g.owner_tenant_id = t.id WHERE t.name_key >= ",
        );
        out.push_bind_param::<Text, _>(&self.key)?;
        out.push_sql(" AND t.name_key < ");
        out.push_bind_param::<Text, _>(&self.upper)?;
        out.push_sql(")");
        Ok(())
    }
}
