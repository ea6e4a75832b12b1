//! Account shares: the optional end date a sharer picks.

use super::FieldError;
use chrono::{Months, NaiveDate, NaiveDateTime};

/// How far ahead a share may end, at most.
pub const MAX_MONTHS_AHEAD: u32 = 24;

/// The earliest and latest end dates allowed on `today`: tomorrow, and two years from today.
pub fn end_date_range(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let min = today.succ_opt().unwrap_or(today);
    let max = today
        .checked_add_months(Months::new(MAX_MONTHS_AHEAD))
        .unwrap_or(min);
    (min, max)
}

/// Reads an end date (`YYYY-MM-DD`; empty for none). The share ends at the start of that day,
/// UTC, which must be 1 day to 2 years ahead of `today`.
pub fn parse_end_date(
    field: &'static str,
    raw: &str,
    today: NaiveDate,
) -> Result<Option<NaiveDateTime>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let (min, max) = end_date_range(today);
    let out_of_range = || {
        FieldError::new(
            field,
            format!("Choose an end date from {min} to {max}, or leave it empty for no end date."),
        )
    };
    let date = Some(raw)
        .filter(|r| r.len() == 10)
        .and_then(|r| NaiveDate::parse_from_str(r, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            FieldError::new(
                field,
                "Enter the end date as YYYY-MM-DD, or leave it empty for no end date.",
            )
        })?;
    if date < min || date > max {
        return Err(out_of_range());
    }
    Ok(date.and_hms_opt(0, 0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_dates_are_one_day_to_two_years_ahead() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(parse_end_date("e", "", today).unwrap(), None);
        assert_eq!(parse_end_date("e", "  ", today).unwrap(), None);
        let tomorrow = parse_end_date("e", "2026-12-01", today).unwrap().unwrap();
        assert_eq!(tomorrow.to_string(), "2026-12-01 00:00:00");
        assert!(parse_end_date("e", "2028-11-30", today).unwrap().is_some());
        for bad in ["2026-11-30", "2026-11-29", "2028-12-01", "2099-01-01"] {
            let e = parse_end_date("e", bad, today).unwrap_err();
            assert!(e.message.contains("from 2026-12-01 to 2028-11-30"), "{bad}");
        }
        for bad in ["tomorrow", "2026-13-01", "01/12/2026", "2026-12-1x"] {
            let e = parse_end_date("e", bad, today).unwrap_err();
            assert!(e.message.contains("YYYY-MM-DD"), "{bad}");
        }
    }
}
