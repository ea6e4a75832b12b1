//! Queries run on the backend's own connection, for the hot paths.
//!
//! Through the two-backend connection ([`AnyConnection`](super::AnyConnection)) diesel renders a
//! query's whole SQL each time it walks the query (diesel's `SerializedQuery`): to collect the
//! bound values, to ask whether the statement may be cached, to find the cached statement. Even a
//! statement prepared long ago had its SQL written out two or three times per execution, a tenth
//! of an Account Management page. Run on the SQLite or PostgreSQL connection inside, a query of a
//! fixed shape finds its statement by its type and writes no SQL at all. Its statements are counted
//! and logged the same: the instrumentation lives on the connection inside.

/// Evaluates `$body` with `$c` bound to the backend's own connection inside `$conn` (an
/// `&mut AnyConnection`). The body is compiled once per backend, so a query built in it (with
/// `as_select()`, which names its backend) takes that backend's types.
#[macro_export]
macro_rules! direct {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}
