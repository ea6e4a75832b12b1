//! Users: their types and the password policy.

use super::FieldError;
use std::fmt;
use std::str::FromStr;

/// Platform user types; account sharing needs `core` or `full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    Basic,
    Core,
    Full,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Core => "core",
            Self::Full => "full",
        }
    }
}

impl FromStr for UserType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "basic" => Ok(Self::Basic),
            "core" => Ok(Self::Core),
            "full" => Ok(Self::Full),
            other => Err(format!(
                "unknown user type `{other}` (use basic, core or full)"
            )),
        }
    }
}

impl fmt::Display for UserType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Long enough for any passphrase, short enough that hashing it is no denial of service.
pub const MAX_PASSWORD_CHARS: usize = 256;

pub fn check_new_password(field: &'static str, password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            format!("Choose a password of at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            format!("A password is at most {MAX_PASSWORD_CHARS} characters."),
        ));
    }
    if password.trim().is_empty() {
        return Err(FieldError::new(field, "A password cannot be only spaces."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_types_round_trip() {
        for t in [UserType::Basic, UserType::Core, UserType::Full] {
            assert_eq!(t.as_str().parse::<UserType>().unwrap(), t);
        }
        assert!("admin".parse::<UserType>().is_err());
    }

    #[test]
    fn password_policy() {
        assert!(check_new_password("p", "short").is_err());
        assert!(check_new_password("p", "long enough pass").is_ok());
        assert!(check_new_password("p", &"x".repeat(257)).is_err());
        assert!(check_new_password("p", &" ".repeat(12)).is_err());
    }
}
