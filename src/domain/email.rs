//! Email addresses: validated once, compared case-insensitively through their key.

use super::FieldError;
use std::fmt;

/// RFC 5321 limits a forward path to 254 characters.
pub const MAX_EMAIL_LEN: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_field("email", raw)
    }

    pub fn parse_field(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let address = raw.trim();
        if address.is_empty() {
            return Err(FieldError::new(field, "Enter an email address."));
        }
        if address.len() > MAX_EMAIL_LEN {
            return Err(FieldError::new(
                field,
                format!("An email address is at most {MAX_EMAIL_LEN} characters."),
            ));
        }
        // Require a dot in the domain: a portal's users are reached over the internet.
        let valid = email_address::EmailAddress::parse_with_options(
            address,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal(),
        )
        .map(|parsed| parsed.domain().contains('.'))
        .unwrap_or(false);
        if !valid {
            return Err(FieldError::new(
                field,
                "Enter a valid email address, like name@example.com.",
            ));
        }
        Ok(Self {
            address: address.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The form stored in unique columns and used for lookups.
    pub fn key(&self) -> String {
        self.address.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_keys_them_case_insensitively() {
        let e = Email::parse("  Bruce.Wayne@Wayne.Example ").unwrap();
        assert_eq!(e.as_str(), "Bruce.Wayne@Wayne.Example");
        assert_eq!(e.key(), "bruce.wayne@wayne.example");
    }

    #[test]
    fn refuses_malformed_empty_and_oversized_addresses() {
        for bad in [
            "",
            "   ",
            "plain",
            "a@b",
            "a@@b.com",
            "Bruce <b@w.com>",
            "a b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).unwrap_err().message.contains("at most"));
    }
}
