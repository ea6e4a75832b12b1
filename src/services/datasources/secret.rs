//! Data source passwords at rest: XChaCha20-Poly1305 with the configured key
//! (`--datasource-key`), a random 24-byte nonce per encryption, stored as
//! base64(nonce ‖ ciphertext). The empty password is stored as the empty string.

use crate::services::{ServiceError, ServiceResult};
use anyhow::anyhow;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE_BYTES: usize = 24;

pub fn encrypt(key: &[u8; 32], plain: &str) -> ServiceResult<String> {
    if plain.is_empty() {
        return Ok(String::new());
    }
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(&nonce, plain.as_bytes())
        .map_err(|_| ServiceError::Other(anyhow!("encrypting a data source password failed")))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(STANDARD.encode(out))
}

pub fn decrypt(key: &[u8; 32], stored: &str) -> ServiceResult<String> {
    if stored.is_empty() {
        return Ok(String::new());
    }
    let fail = || {
        ServiceError::Other(anyhow!(
            "a data source password cannot be decrypted: is --datasource-key the key it was stored with?"
        ))
    };
    let raw = STANDARD.decode(stored).map_err(|_| fail())?;
    if raw.len() < NONCE_BYTES {
        return Err(fail());
    }
    let (nonce, sealed) = raw.split_at(NONCE_BYTES);
    let cipher = XChaCha20Poly1305::new(key.into());
    let plain = cipher
        .decrypt(XNonce::from_slice(nonce), sealed)
        .map_err(|_| fail())?;
    String::from_utf8(plain).map_err(|_| fail())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_a_fresh_nonce_and_fails_with_another_key() {
        let key = [7u8; 32];
        let a = encrypt(&key, "s3cret").unwrap();
        let b = encrypt(&key, "s3cret").unwrap();
        assert_ne!(a, b);
        assert!(!a.contains("s3cret"));
        assert_eq!(decrypt(&key, &a).unwrap(), "s3cret");
        assert!(decrypt(&[8u8; 32], &a).is_err());
        assert_eq!(encrypt(&key, "").unwrap(), "");
    }
}
