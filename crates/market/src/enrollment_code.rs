//! One-time enrollment codes: 8 characters of Crockford base32 (40 bits),
//! shown as `XXXX-XXXX`. Only their SHA-256 is stored.

use sha2::{Digest, Sha256};

/// Crockford's alphabet: no I, L, O or U, so a code read aloud or copied by
/// hand survives.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 8;

/// How long a code stays valid.
pub(crate) const LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

/// A fresh random code in canonical form (8 characters, no dash).
pub(crate) fn generate() -> String {
    let bytes: [u8; 5] = rand::random();
    let bits = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    (0..LEN)
        .rev()
        .map(|i| char::from(ALPHABET[((bits >> (5 * i)) & 0x1f) as usize]))
        .collect()
}

/// How a canonical code is shown to people: `XXXX-XXXX`.
pub(crate) fn display(normalized: &str) -> String {
    let (head, tail) = normalized.split_at(normalized.len() / 2);
    format!("{head}-{tail}")
}

/// The canonical form of what a person typed: dashes and spaces dropped,
/// upper case, and Crockford's look-alikes mapped (I, L → 1; O → 0).
/// `None` if it cannot be a code.
pub(crate) fn normalize(input: &str) -> Option<String> {
    let mut code = String::with_capacity(LEN);
    for c in input.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        code.push(c);
    }
    (code.len() == LEN).then_some(code)
}

/// What the database stores for a normalised code.
pub(crate) fn hash(normalized: &str) -> String {
    hex::encode(Sha256::digest(normalized.as_bytes()))
}
