//! The pairing code: six digits shown on the sharing laptop and typed on
//! the other. Both ends key an HMAC-SHA256 of every bundle with it and the
//! cooperative's id, so a bundle is taken only from a laptop that was told
//! the code *and* belongs to the same cooperative, and an answer only from
//! the laptop that showed it. After a few wrong tries the code changes.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Wrong codes tolerated before a new one is drawn.
pub(crate) const MAX_WRONG: u32 = 5;

/// A fresh six-digit code.
pub fn new_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// The key both ends derive from the code and the cooperative.
pub(crate) fn key(code: &str, cooperative_id: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"hanout-peer-1\0");
    h.update(normalize(code).as_bytes());
    h.update(b"\0");
    h.update(cooperative_id.as_bytes());
    h.finalize().to_vec()
}

/// Digits only, Arabic-Indic ones read as such: `123 456`, `123-456` and
/// `١٢٣٤٥٦` are `123456`.
pub(crate) fn normalize(code: &str) -> String {
    code.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
            '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
            _ => None,
        })
        .collect()
}

/// An HMAC over a body fed in pieces.
pub(crate) struct Tagger(Hmac<Sha256>);

impl Tagger {
    pub(crate) fn new(key: &[u8]) -> Tagger {
        Tagger(Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length"))
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub(crate) fn hex(self) -> String {
        hex::encode(self.0.finalize().into_bytes())
    }

    /// Whether `tag` (hex) is this body's, compared in constant time.
    pub(crate) fn verify(self, tag: &str) -> bool {
        match hex::decode(tag) {
            Ok(tag) => self.0.verify_slice(&tag).is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_six_digits_and_typed_loosely() {
        for _ in 0..50 {
            let code = new_code();
            assert_eq!(code.len(), 6);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
        assert_eq!(normalize("123 456"), "123456");
        assert_eq!(normalize("١٢٣-٤٥٦"), "123456", "Arabic-Indic digits count");
        assert_eq!(key("123 456", "c"), key("123456", "c"));
        assert_ne!(key("123456", "c"), key("123456", "d"));
    }

    #[test]
    fn a_tag_holds_only_for_its_body_and_key() {
        let k = key("123456", "coop");
        let mut t = Tagger::new(&k);
        t.update(b"bundle");
        let tag = t.hex();
        let mut same = Tagger::new(&k);
        same.update(b"bun");
        same.update(b"dle");
        assert!(same.verify(&tag));
        let mut other = Tagger::new(&key("654321", "coop"));
        other.update(b"bundle");
        assert!(!other.verify(&tag));
        let mut changed = Tagger::new(&k);
        changed.update(b"bundlE");
        assert!(!changed.verify(&tag));
    }
}
