//! Timestamps read without diesel's guessing on SQLite.
//!
//! SQLite has no timestamp type: diesel stores `2026-11-25 10:49:12.123456` as text and, reading
//! it back, tries up to 18 strftime patterns, parsing each pattern anew; on a page of 50 links that
//! was a twentieth of the request. These types read the one layout this application writes by
//! hand and leave anything else (older rows, other layouts) to diesel. On PostgreSQL they are
//! diesel's own. Use them with `#[diesel(deserialize_as = …)]` where many rows are read.

use super::MultiBackend;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType, SqliteValue};

/// A `Timestamp` column, as a [`NaiveDateTime`].
pub struct DbTime(NaiveDateTime);

/// A `Nullable<Timestamp>` column, as an `Option<NaiveDateTime>`.
pub struct DbTimeOpt(Option<NaiveDateTime>);

impl From<DbTime> for NaiveDateTime {
    fn from(t: DbTime) -> Self {
        t.0
    }
}

impl From<DbTimeOpt> for Option<NaiveDateTime> {
    fn from(t: DbTimeOpt) -> Self {
        t.0
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of up to nine digits, as diesel writes it.
fn parse_written(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let value = num(20..b.len())?;
            value * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let time = NaiveTime::from_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)?;
    Some(date.and_time(time))
}

impl FromSql<Timestamp, Sqlite> for DbTime {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if value.value_type() == Some(SqliteType::Text)
            && let Some(t) = parse_written(value.read_text())
        {
            return Ok(Self(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Pg> for DbTime {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, MultiBackend> for DbTime {
    fn from_sql(value: super::MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl<DB: Backend> FromSql<Nullable<Timestamp>, DB> for DbTimeOpt
where
    DbTime: FromSql<Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        <DbTime as FromSql<Timestamp, DB>>::from_sql(value).map(|t| Self(Some(t.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(v) => Self::from_sql(v),
            None => Ok(Self(None)),
        }
    }
}

// Single columns load themselves (diesel implements this for its own types one by one).
impl<DB: Backend> Queryable<Timestamp, DB> for DbTime
where
    DbTime: FromSql<Timestamp, DB>,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

impl<DB: Backend> Queryable<Nullable<Timestamp>, DB> for DbTimeOpt
where
    DbTimeOpt: FromSql<Nullable<Timestamp>, DB>,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_written;
    use chrono::NaiveDateTime;

    fn diesel_format(t: &NaiveDateTime) -> String {
        // The layout diesel writes (its ENCODE_NAIVE_DATETIME_FORMAT).
        t.format("%F %T%.f").to_string()
    }

    #[test]
    fn reads_what_diesel_writes() {
        for text in [
            "2026-11-25 10:49:12",
            "2026-11-25 10:49:12.5",
            "2026-02-28 23:59:59.123456",
            "1999-12-31 00:00:00.000000001",
        ] {
            let expected = NaiveDateTime::parse_from_str(text, "%F %T%.f").unwrap();
            assert_eq!(parse_written(text), Some(expected), "{text}");
            assert_eq!(parse_written(&diesel_format(&expected)), Some(expected));
        }
    }

    #[test]
    fn leaves_other_layouts_to_diesel() {
        for text in [
            "",
            "2026-11-25",
            "2026-11-25T10:49:12",
            "2026-11-25 10:49",
            "2026-11-25 10:49:12Z",
            "2026-11-25 10:49:12.",
            "2026-11-25 10:49:12.1234567890",
            "2026-13-25 10:49:12",
            "2026-02-30 10:49:12",
            "2026-11-25 24:00:00",
            "2026-1a-25 10:49:12",
            "2460274.5",
        ] {
            assert_eq!(parse_written(text), None, "{text}");
        }
    }
}
