//! Pure types and rules: no database, no web.

pub mod email;
pub mod link;
pub mod password;
pub mod period;
pub mod permission;
pub mod role;
pub mod token;
pub mod user;

/// A rule broken by user input, addressed to one form field so the page can show it inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// A timestamp as pages and emails show it.
pub fn when(t: &chrono::NaiveDateTime) -> String {
    When(*t).to_string()
}

/// A timestamp as pages and emails show it, written where it is shown: a list of 50 rows
/// rendered three of these a row through strings of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When(pub chrono::NaiveDateTime);

impl std::fmt::Display for When {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::{Datelike, Timelike};
        let t = &self.0;
        // By hand: `format` parses its pattern on every call.
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute()
        )
    }
}

/// Trims a free-text name and checks it: required, at most `max` characters, no control
/// characters.
pub fn clean_name(
    field: &'static str,
    label: &str,
    raw: &str,
    max: usize,
) -> Result<String, FieldError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(FieldError::new(field, format!("Enter {label}.")));
    }
    // "a name" → "The name must …"
    let noun = label.trim_start_matches("a ").trim_start_matches("an ");
    if name.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("The {noun} must be at most {max} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("The {noun} cannot contain control characters."),
        ));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(clean_name("name", "a name", "  Ada  ", 10).unwrap(), "Ada");
        assert_eq!(
            clean_name("name", "a name", "   ", 10).unwrap_err().message,
            "Enter a name."
        );
        assert!(
            clean_name("name", "a name", &"x".repeat(11), 10)
                .unwrap_err()
                .message
                .contains("at most 10")
        );
        assert!(clean_name("name", "a name", "a\u{7}b", 10).is_err());
    }
}
