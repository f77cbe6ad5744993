//! Operators' accounts and console sessions.
//!
//! `hanout-market operator add EMAIL --role moderator|admin` stores the
//! account with no password and prints a one-time setup link; the operator
//! opens it and chooses a password, hashed with argon2id (the `argon2`
//! crate's defaults: OWASP's m = 19 MiB, t = 2, p = 1). A login opens a
//! session: a random token in an HttpOnly, Secure, SameSite=Strict cookie,
//! of which the database keeps only the SHA-256, and a CSRF token every
//! form of that session carries.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Market;
use crate::audit;
use crate::db::{Tx, args};
use crate::error::{Error, Result};

/// A session lasts a working day.
pub(crate) const SESSION_MS: i64 = 12 * 3600 * 1000;
/// A setup link works for three days.
const SETUP_MS: i64 = 3 * 24 * 3600 * 1000;
/// Shortest password the setup page accepts.
pub(crate) const MIN_PASSWORD_CHARS: usize = 12;

/// What an operator may do. Moderators moderate (queue, decisions,
/// reports); admins also manage cooperatives, devices, labels and
/// operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A signed-in operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub id: String,
    pub email: String,
    pub role: Role,
}

/// An operator as `operator list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorInfo {
    pub email: String,
    pub role: Role,
    /// Has chosen a password (the setup link was used).
    pub active: bool,
    pub disabled: bool,
    pub created_at_ms: i64,
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Lower-cased and trimmed; refuses what cannot be an address.
pub(crate) fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(Error::InvalidEmail(email))
    }
}

/// Adds an operator with no password yet, or gives an existing one a new
/// setup link (their password stops working until they set a new one: the
/// way to reset a forgotten password). Returns the setup token.
pub(crate) fn add(
    tx: &mut Tx<'_>,
    email: &str,
    role: Role,
    by: &str,
    now_ms: i64,
) -> Result<String> {
    let email = normalize_email(email)?;
    let token = random_token();
    let setup_hash = sha256_hex(&token);
    let expires = now_ms + SETUP_MS;
    let updated = tx.execute(
        "UPDATE operators SET role = ?1, password_hash = NULL, setup_hash = ?2,
             setup_expires_ms = ?3, disabled = 0
         WHERE email = ?4",
        args![role.as_str(), &setup_hash, expires, &email],
    )?;
    if updated == 0 {
        tx.execute(
            "INSERT INTO operators (id, email, role, setup_hash, setup_expires_ms, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![
                &Uuid::now_v7().to_string(),
                &email,
                role.as_str(),
                &setup_hash,
                expires,
                now_ms
            ],
        )?;
    } else {
        // A reset: sign them out everywhere.
        tx.execute(
            "DELETE FROM operator_sessions WHERE operator_id =
                 (SELECT id FROM operators WHERE email = ?1)",
            args![&email],
        )?;
    }
    let action = if updated == 0 {
        "operator.add"
    } else {
        "operator.reset"
    };
    audit::record(tx, now_ms, by, action, Some(&email), Some(role.as_str()))?;
    Ok(token)
}

/// Disables an operator: their sessions end and they cannot sign in.
pub(crate) fn disable(tx: &mut Tx<'_>, email: &str, by: &str, now_ms: i64) -> Result<bool> {
    let email = normalize_email(email)?;
    let found = tx.execute(
        "UPDATE operators SET disabled = 1, setup_hash = NULL WHERE email = ?1",
        args![&email],
    )?;
    if found == 0 {
        return Ok(false);
    }
    tx.execute(
        "DELETE FROM operator_sessions WHERE operator_id =
             (SELECT id FROM operators WHERE email = ?1)",
        args![&email],
    )?;
    audit::record(tx, now_ms, by, "operator.disable", Some(&email), None)?;
    Ok(true)
}

pub(crate) fn list(tx: &mut Tx<'_>) -> Result<Vec<OperatorInfo>> {
    tx.query(
        "SELECT email, role, password_hash IS NOT NULL, disabled, created_at_ms
         FROM operators ORDER BY email",
        &[],
    )?
    .iter()
    .map(|row| {
        let role: String = row.get(1)?;
        Ok(OperatorInfo {
            email: row.get(0)?,
            role: Role::parse(&role).ok_or_else(|| Error::Column(format!("role `{role}`")))?,
            active: row.get(2)?,
            disabled: row.get(3)?,
            created_at_ms: row.get(4)?,
        })
    })
    .collect()
}

/// The operator a live setup token belongs to.
pub(crate) fn by_setup_token(
    tx: &mut Tx<'_>,
    token: &str,
    now_ms: i64,
) -> Result<Option<Operator>> {
    let row = tx.query_opt(
        "SELECT id, email, role FROM operators
         WHERE setup_hash = ?1 AND setup_expires_ms > ?2 AND disabled = 0",
        args![&sha256_hex(token), now_ms],
    )?;
    row.map(|row| operator_from(&row)).transpose()
}

fn operator_from(row: &crate::db::Row) -> Result<Operator> {
    let role: String = row.get(2)?;
    Ok(Operator {
        id: row.get(0)?,
        email: row.get(1)?,
        role: Role::parse(&role).ok_or_else(|| Error::Column(format!("role `{role}`")))?,
    })
}

/// Sets the password of the operator whose setup token this is and uses
/// the token up. `None` if the token is unknown, used or expired.
pub(crate) fn finish_setup(
    tx: &mut Tx<'_>,
    token: &str,
    password_hash: &str,
    now_ms: i64,
) -> Result<Option<Operator>> {
    let Some(operator) = by_setup_token(tx, token, now_ms)? else {
        return Ok(None);
    };
    tx.execute(
        "UPDATE operators SET password_hash = ?1, setup_hash = NULL, setup_expires_ms = NULL
         WHERE id = ?2",
        args![password_hash, &operator.id],
    )?;
    audit::record(
        tx,
        now_ms,
        &operator.email,
        "operator.password_set",
        Some(&operator.email),
        None,
    )?;
    Ok(Some(operator))
}

/// Argon2id PHC string of `password`. CPU-heavy (tens of ms): call it off
/// the async threads.
pub(crate) fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| Error::PasswordHash(err.to_string()))
}

/// Whether `password` matches the PHC string. CPU-heavy, like
/// [`hash_password`].
pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// The hash a login for an unknown email is checked against, so that it
/// takes as long as a real one (no "which emails exist" by timing).
pub(crate) fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// The active operator with this email and their password hash.
pub(crate) fn for_login(tx: &mut Tx<'_>, email: &str) -> Result<Option<(Operator, String)>> {
    let Ok(email) = normalize_email(email) else {
        return Ok(None);
    };
    let row = tx.query_opt(
        "SELECT id, email, role, password_hash FROM operators
         WHERE email = ?1 AND disabled = 0 AND password_hash IS NOT NULL",
        args![&email],
    )?;
    row.map(|row| Ok((operator_from(&row)?, row.get(3)?)))
        .transpose()
}

/// A new session: returns the cookie's token and the session's CSRF token.
pub(crate) fn open_session(
    tx: &mut Tx<'_>,
    operator: &Operator,
    now_ms: i64,
) -> Result<(String, String)> {
    let token = random_token();
    let csrf = random_token();
    tx.execute(
        "DELETE FROM operator_sessions WHERE expires_ms <= ?1",
        args![now_ms],
    )?;
    tx.execute(
        "INSERT INTO operator_sessions (token_hash, operator_id, csrf, created_ms, expires_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        args![
            &sha256_hex(&token),
            &operator.id,
            &csrf,
            now_ms,
            now_ms + SESSION_MS
        ],
    )?;
    audit::record(tx, now_ms, &operator.email, "operator.login", None, None)?;
    Ok((token, csrf))
}

/// The operator and CSRF token of a live session.
pub(crate) fn session(
    tx: &mut Tx<'_>,
    token: &str,
    now_ms: i64,
) -> Result<Option<(Operator, String)>> {
    let row = tx.query_opt(
        "SELECT o.id, o.email, o.role, s.csrf
         FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
         WHERE s.token_hash = ?1 AND s.expires_ms > ?2 AND o.disabled = 0",
        args![&sha256_hex(token), now_ms],
    )?;
    row.map(|row| Ok((operator_from(&row)?, row.get(3)?)))
        .transpose()
}

pub(crate) fn close_session(tx: &mut Tx<'_>, token: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM operator_sessions WHERE token_hash = ?1",
        args![&sha256_hex(token)],
    )?;
    Ok(())
}

/// `hanout-market operator add`: the one-time setup token; the operator
/// opens `{public URL}/admin/setup/{token}`.
pub fn add_operator(market: &Market, email: &str, role: Role) -> anyhow::Result<String> {
    let now_ms = market.now_ms();
    Ok(market
        .db()
        .write(|tx| add(tx, email, role, "cli", now_ms))?)
}

/// `hanout-market operator list`.
pub fn list_operators(market: &Market) -> anyhow::Result<Vec<OperatorInfo>> {
    Ok(market.db().read(list)?)
}

/// `hanout-market operator disable`.
pub fn disable_operator(market: &Market, email: &str) -> anyhow::Result<()> {
    let now_ms = market.now_ms();
    if !market.db().write(|tx| disable(tx, email, "cli", now_ms))? {
        anyhow::bail!("no operator has the email `{email}`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("a long enough password").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("a long enough password", &hash));
        assert!(!verify_password("a long enough passworD", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            normalize_email("  Amina@Chambre.MA ").unwrap(),
            "amina@chambre.ma"
        );
        for bad in ["", "amina", "@chambre.ma", "amina@ma", "a b@c.ma"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn setup_tokens_work_once_and_a_reset_ends_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let market = Market::open(dir.path()).unwrap();
        let db = market.db();
        let token = db
            .write(|tx| add(tx, "amina@chambre.ma", Role::Admin, "cli", 1_000))
            .unwrap();
        let hash = hash_password("correct horse battery").unwrap();
        assert!(
            db.write(|tx| finish_setup(tx, "wrong", &hash, 2_000))
                .unwrap()
                .is_none()
        );
        let op = db
            .write(|tx| finish_setup(tx, &token, &hash, 2_000))
            .unwrap()
            .unwrap();
        assert_eq!(op.role, Role::Admin);
        assert!(
            db.write(|tx| finish_setup(tx, &token, &hash, 2_000))
                .unwrap()
                .is_none(),
            "a setup token works once"
        );
        let (cookie, _csrf) = db.write(|tx| open_session(tx, &op, 3_000)).unwrap();
        assert!(db.read(|tx| session(tx, &cookie, 4_000)).unwrap().is_some());
        assert!(
            db.read(|tx| session(tx, &cookie, 3_000 + SESSION_MS))
                .unwrap()
                .is_none(),
            "sessions expire"
        );
        // `operator add` again: a reset; the old session ends.
        let again = db
            .write(|tx| add(tx, "AMINA@chambre.ma", Role::Moderator, "cli", 5_000))
            .unwrap();
        assert!(db.read(|tx| session(tx, &cookie, 5_000)).unwrap().is_none());
        assert!(
            db.read(|tx| for_login(tx, "amina@chambre.ma"))
                .unwrap()
                .is_none()
        );
        // A setup token expires.
        assert!(
            db.read(|tx| by_setup_token(tx, &again, 5_000 + SETUP_MS))
                .unwrap()
                .is_none()
        );
    }
}
