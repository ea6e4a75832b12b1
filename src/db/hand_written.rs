//! Hand-written SQL (recursive CTEs, multi-row inserts) on either backend, with its prepared
//! statements cached like the query builder's.

use super::AnyConnection;

/// A parameter of a hand-written query.
#[derive(Debug, Clone, Copy)]
pub enum SqlParam<'a> {
    Text(&'a str),
    Timestamp(chrono::NaiveDateTime),
}

/// Loads the rows of a hand-written query (recursive CTEs the query builder cannot express). The
/// SQL is written once with `?` placeholders and only text parameters; PostgreSQL gets them
/// numbered (`$1`, `$2`, …). Keep `?` out of string literals in such SQL.
pub fn load_sql<R>(
    conn: &mut AnyConnection,
    sql: &str,
    params: &[&str],
) -> diesel::QueryResult<Vec<R>>
where
    R: diesel::QueryableByName<diesel::sqlite::Sqlite>
        + diesel::QueryableByName<diesel::pg::Pg>
        + 'static,
{
    let params: Vec<SqlParam<'_>> = params.iter().map(|p| SqlParam::Text(p)).collect();
    load_sql_with(conn, sql, &params)
}

/// [`load_sql`] with typed parameters (timestamps compare as timestamps on both backends).
pub fn load_sql_with<R>(
    conn: &mut AnyConnection,
    sql: &str,
    params: &[SqlParam<'_>],
) -> diesel::QueryResult<Vec<R>>
where
    R: diesel::QueryableByName<diesel::sqlite::Sqlite>
        + diesel::QueryableByName<diesel::pg::Pg>
        + 'static,
{
    use diesel::RunQueryDsl;
    let query = HandWritten { sql, params };
    match conn {
        AnyConnection::Sqlite(c) => query.load(c),
        AnyConnection::Postgresql(c) => query.load(c),
    }
}

/// Runs a hand-written statement (`?` placeholders, as [`load_sql_with`]); the rows it changed.
pub fn execute_sql(
    conn: &mut AnyConnection,
    sql: &str,
    params: &[SqlParam<'_>],
) -> diesel::QueryResult<usize> {
    use diesel::RunQueryDsl;
    let statement = HandWritten { sql, params };
    match conn {
        AnyConnection::Sqlite(c) => statement.execute(c),
        AnyConnection::Postgresql(c) => statement.execute(c),
    }
}

/// A hand-written query that, unlike `diesel::sql_query`, keeps its prepared statement in the
/// connection's cache (keyed by the SQL text): the authorization queries run on every request,
/// and preparing their recursive CTEs again each time cost more than running them.
struct HandWritten<'a> {
    sql: &'a str,
    params: &'a [SqlParam<'a>],
}

impl diesel::query_builder::QueryId for HandWritten<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for HandWritten<'_> {
    type SqlType = diesel::sql_types::Untyped;
}

impl<Conn> diesel::RunQueryDsl<Conn> for HandWritten<'_> {}

impl<DB> diesel::query_builder::QueryFragment<DB> for HandWritten<'_>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<diesel::sql_types::Text>
        + diesel::sql_types::HasSqlType<diesel::sql_types::Timestamp>,
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    chrono::NaiveDateTime: diesel::serialize::ToSql<diesel::sql_types::Timestamp, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        use diesel::sql_types::{Text, Timestamp};
        // Each `?` becomes the backend's placeholder (`?` on SQLite, `$n` on PostgreSQL).
        let mut params = self.params.iter();
        for (i, chunk) in self.sql.split('?').enumerate() {
            if i > 0 {
                match params.next() {
                    Some(SqlParam::Text(t)) => out.push_bind_param::<Text, str>(t)?,
                    Some(SqlParam::Timestamp(t)) => out.push_bind_param::<Timestamp, _>(t)?,
                    None => {
                        return Err(diesel::result::Error::QueryBuilderError(
                            "more placeholders than parameters".into(),
                        ));
                    }
                }
            }
            out.push_sql(chunk);
        }
        if params.next().is_some() {
            return Err(diesel::result::Error::QueryBuilderError(
                "more parameters than placeholders".into(),
            ));
        }
        Ok(())
    }
}
