//! The search of Account Management by prefix, driven by indexes.
//!
//! A LIKE filter on the email or the customer's name cannot use an index across the join, so alone
//! it made a search walk every link of the partner: a second with 100,000 links. This condition
//! names the matching links through the two prefix indexes instead, `access_grants(grantee,
//! email_key)` and `tenants(name_key)`. It is exact, so the page needs no LIKE on top: the strings
//! that start with `key` are exactly those from `key` up to, not including, `key` with its last
//! code point counted one up ([`upper_bound`]), since UTF-8 compared byte-wise (as SQLite does, and
//! PostgreSQL on these columns' C collation) orders strings by code point.
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
            upper: upper_bound(key),
        }
    }
}

/// The least string above every string that starts with `key`: `key` with its last code point
/// counted one up (skipping the surrogates, which are no characters), or with its trailing U+10FFFFs
/// dropped first. A key of nothing but U+10FFFF has no such bound; it gets one that misses only
/// strings going on with yet more U+10FFFF, which no email or account name holds.
pub fn upper_bound(key: &str) -> String {
    let mut chars: Vec<char> = key.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(c as u32 + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    format!("{key}\u{10FFFF}")
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

#[cfg(test)]
mod tests {
    use super::upper_bound;

    /// Every string that starts with the key sorts below the bound, byte-wise as the databases
    /// compare, and the bound itself and what follows it do not start with the key.
    #[test]
    fn the_bound_closes_exactly_the_strings_that_start_with_the_key() {
        for key in [
            "customer0421",
            "a",
            "zz",
            "wayne é",
            "x\u{D7FF}",
            "y\u{10FFFF}",
            "🦀",
        ] {
            let upper = upper_bound(key);
            assert!(key < upper.as_str(), "{key:?}");
            for rest in [
                "",
                "0",
                "~",
                "\u{7F}",
                "é",
                "\u{FFFF}",
                "\u{10FFFF}",
                "\u{10FFFF}zz",
            ] {
                let s = format!("{key}{rest}");
                assert!(
                    key <= s.as_str() && s < upper,
                    "{s:?} not in [{key:?}, {upper:?})"
                );
            }
            assert!(!upper.starts_with(key), "{upper:?}");
        }
        assert_eq!(upper_bound("customer0421"), "customer0422");
        assert_eq!(upper_bound("ab\u{10FFFF}"), "ac");
        assert_eq!(upper_bound("x\u{D7FF}"), "x\u{E000}");
    }
}
