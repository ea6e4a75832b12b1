//! Password hashing: argon2id with at least m = 19456 KiB, t = 2, p = 1. Slow on purpose, so
//! callers run it off the async executor and through [`Hasher`], which caps how many run at once.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Condvar, Mutex, OnceLock};

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Caps the hashes computed at once: each takes ~19 MiB and a core for tens of milliseconds.
pub struct Hasher {
    free: Mutex<usize>,
    released: Condvar,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Self {
        Self {
            free: Mutex::new(concurrency.max(1)),
            released: Condvar::new(),
        }
    }

    fn with_permit<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
            while *free == 0 {
                free = self.released.wait(free).unwrap_or_else(|e| e.into_inner());
            }
            *free -= 1;
        }
        let result = f();
        *self.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.released.notify_one();
        result
    }

    pub fn hash(&self, password: &str) -> String {
        self.with_permit(|| {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .expect("argon2 hashing cannot fail with valid parameters")
                .to_string()
        })
    }

    /// Checks a password. `None` (unknown user) still costs one full verification, so a wrong
    /// email and a wrong password take the same time.
    pub fn verify(&self, stored: Option<&str>, password: &str) -> bool {
        static DUMMY: OnceLock<String> = OnceLock::new();
        let dummy = DUMMY.get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(b"no such user", &salt)
                .expect("dummy hash")
                .to_string()
        });
        let known = stored.is_some();
        let hash = stored.unwrap_or(dummy);
        self.with_permit(|| {
            let ok = PasswordHash::new(hash)
                .map(|parsed| {
                    argon2()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false);
            ok && known
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_argon2id() {
        let hasher = Hasher::new(2);
        let hash = hasher.hash("correct horse battery");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher.verify(Some(&hash), "correct horse battery"));
        assert!(!hasher.verify(Some(&hash), "wrong horse battery"));
        assert!(!hasher.verify(None, "correct horse battery"));
        assert!(!hasher.verify(Some("not a hash"), "x"));
    }
}
