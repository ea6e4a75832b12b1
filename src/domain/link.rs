//! Partner link states (DESIGN §4) and the rules on what a partner types.

use super::FieldError;
use chrono::NaiveDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    Pending,
    Connected,
    Declined,
    Expired,
    Removed,
}

impl LinkStatus {
    pub const LISTED: [LinkStatus; 4] = [
        Self::Pending,
        Self::Connected,
        Self::Declined,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Connected => "connected",
            Self::Declined => "declined",
            Self::Expired => "expired",
            Self::Removed => "removed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Connected => "Connected",
            Self::Declined => "Declined",
            Self::Expired => "Expired",
            Self::Removed => "Removed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Connected,
            Self::Declined,
            Self::Expired,
            Self::Removed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// The status a user sees: a pending invitation past its expiry is Expired, even before
    /// anything rewrote the row.
    pub fn effective(stored: &str, expires_at: Option<NaiveDateTime>, now: NaiveDateTime) -> Self {
        match Self::parse(stored) {
            Some(Self::Pending) if expires_at.is_some_and(|e| e <= now) => Self::Expired,
            Some(status) => status,
            None => Self::Removed,
        }
    }
}

/// The longest optional message a partner may attach to an invitation, and reasons.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// Optional free text (an invitation message, a decline reason): trimmed, bounded, and free of
/// control characters other than line breaks.
pub fn clean_text(field: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("This text must be at most {max} characters."),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "This text cannot contain control characters.",
        ));
    }
    Ok(text.replace("\r\n", "\n"))
}

/// A required reason (removing access, staff deletion).
pub fn required_reason(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let text = clean_text(field, raw, MAX_MESSAGE_CHARS)?;
    if text.is_empty() {
        return Err(FieldError::new(field, "Enter a reason."));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_past_expiry_shows_as_expired() {
        let now = chrono::Utc::now().naive_utc();
        let past = Some(now - chrono::Duration::seconds(1));
        let future = Some(now + chrono::Duration::days(1));
        assert_eq!(
            LinkStatus::effective("pending", past, now),
            LinkStatus::Expired
        );
        assert_eq!(
            LinkStatus::effective("pending", future, now),
            LinkStatus::Pending
        );
        assert_eq!(
            LinkStatus::effective("connected", past, now),
            LinkStatus::Connected
        );
    }

    #[test]
    fn texts_are_bounded_and_reasons_required() {
        assert_eq!(clean_text("m", "  hi\r\nthere ", 20).unwrap(), "hi\nthere");
        assert!(clean_text("m", &"x".repeat(21), 20).is_err());
        assert!(clean_text("m", "a\u{0}b", 20).is_err());
        assert_eq!(
            required_reason("r", "  ").unwrap_err().message,
            "Enter a reason."
        );
    }
}
