//! Access periods (partner links and shares): an optional end date "from 1 day to 2 years". One
//! rule for every form and the API.

use super::FieldError;
use chrono::{DateTime, Duration, Months, NaiveDate, NaiveDateTime};

/// How far ahead an access may end, at most.
pub const MAX_MONTHS_AHEAD: u32 = 24;

/// The dates a date field may offer on `today`: tomorrow to two years from today.
pub fn end_date_range(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let min = today.succ_opt().unwrap_or(today);
    let max = today
        .checked_add_months(Months::new(MAX_MONTHS_AHEAD))
        .unwrap_or(min);
    (min, max)
}

/// Reads an end date as typed: empty for none; a date (`2027-03-01`: the access ends at the
/// start of that day, UTC), from tomorrow to two years from today; or an RFC 3339 date-time (or
/// a browser's `2027-03-01T09:30`), at least 1 day and at most 2 years after `now`.
pub fn parse_end(
    field: &'static str,
    raw: &str,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let (min_date, max_date) = end_date_range(now.date());
    let too_soon = || {
        FieldError::new(
            field,
            format!("The end date must be at least 1 day from now (from {min_date})."),
        )
    };
    let too_late = || {
        FieldError::new(
            field,
            format!("The end date must be at most 2 years from now (until {max_date})."),
        )
    };
    let malformed = || {
        FieldError::new(
            field,
            "Enter the end date as YYYY-MM-DD (or an RFC 3339 date and time), or leave it empty \
             for no end date.",
        )
    };
    if raw.len() == 10 {
        let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| malformed())?;
        if date < min_date {
            return Err(too_soon());
        }
        if date > max_date {
            return Err(too_late());
        }
        return Ok(date.and_hms_opt(0, 0, 0));
    }
    let at = DateTime::parse_from_rfc3339(raw)
        .map(|t| t.naive_utc())
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M"))
        .map_err(|_| malformed())?;
    let at = at - Duration::nanoseconds(i64::from(at.and_utc().timestamp_subsec_nanos()));
    if at - now < Duration::days(1) {
        return Err(too_soon());
    }
    let latest = now
        .checked_add_months(Months::new(MAX_MONTHS_AHEAD))
        .unwrap_or(now + Duration::days(730));
    if at > latest {
        return Err(too_late());
    }
    Ok(Some(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn end_dates_are_one_day_to_two_years_ahead() {
        let now = at("2026-12-01 10:00:00");
        assert_eq!(parse_end("f", "  ", now), Ok(None));
        assert_eq!(
            parse_end("f", "2026-12-02", now),
            Ok(Some(at("2026-12-02 00:00:00")))
        );
        assert_eq!(
            parse_end("f", "2028-12-01", now),
            Ok(Some(at("2028-12-01 00:00:00")))
        );
        assert_eq!(
            parse_end("f", "2026-12-03T12:00:00+02:00", now),
            Ok(Some(at("2026-12-03 10:00:00")))
        );
        assert_eq!(
            parse_end("f", "2028-12-01T10:00:00Z", now),
            Ok(Some(at("2028-12-01 10:00:00")))
        );
        for (bad, says) in [
            ("2026-12-01", "at least 1 day"),
            ("2026-11-30", "at least 1 day"),
            ("2026-12-02T09:59:59Z", "at least 1 day"),
            ("2028-12-02", "at most 2 years"),
            ("2028-12-01T10:00:01Z", "at most 2 years"),
            ("tomorrow", "YYYY-MM-DD"),
            ("2027-13-01", "YYYY-MM-DD"),
            ("01/12/2026", "YYYY-MM-DD"),
        ] {
            let e = parse_end("f", bad, now).unwrap_err();
            assert_eq!(e.field, "f");
            assert!(e.message.contains(says), "{bad}: {}", e.message);
        }
    }
}
