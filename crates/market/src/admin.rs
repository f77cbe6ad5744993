//! Operator tasks, run from the CLI: cooperatives, enrollment codes, devices.
//! Blocking: call them from a plain thread, not from async code.

use protocol::{CooperativeRef, ModerationState};
use uuid::Uuid;

use crate::db::args;
use crate::error::Error;
use crate::{Market, cooperative, enrollment_code, moderation};

/// Adds a cooperative. Fails if the slug is taken.
pub fn add_cooperative(market: &Market, slug: &str, name: &str) -> anyhow::Result<CooperativeRef> {
    let coop = upsert_cooperative(market, slug, name, false)?;
    tracing::info!(slug, id = %coop.id, "cooperative added");
    Ok(coop)
}

/// Returns the cooperative with this slug, adding it if there is none. An
/// existing cooperative keeps its name.
pub fn ensure_cooperative(
    market: &Market,
    slug: &str,
    name: &str,
) -> anyhow::Result<CooperativeRef> {
    Ok(upsert_cooperative(market, slug, name, true)?)
}

fn upsert_cooperative(
    market: &Market,
    slug: &str,
    name: &str,
    existing_ok: bool,
) -> Result<CooperativeRef, Error> {
    cooperative::check_slug(slug)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::EmptyName);
    }
    let now_ms = market.now_ms();
    market
        .db()
        .write(|tx| match cooperative::by_slug(tx, slug)? {
            Some(coop) if existing_ok => Ok(coop),
            Some(_) => Err(Error::SlugTaken(slug.to_owned())),
            None => cooperative::insert(tx, slug, name, now_ms),
        })
}

/// A fresh one-time enrollment code for the cooperative `slug`, formatted
/// `XXXX-XXXX`. Valid for 24 hours; the database keeps only its hash.
pub fn enrollment_code(market: &Market, slug: &str) -> anyhow::Result<String> {
    let now_ms = market.now_ms();
    let code = market.db().write(|tx| {
        let coop = cooperative::by_slug(tx, slug)?
            .ok_or_else(|| Error::UnknownCooperative(slug.to_owned()))?;
        // Expired codes can never be used again: drop them so the table
        // stays small and a new code only has to avoid the live ones.
        tx.execute(
            "DELETE FROM enrollment_codes WHERE expires_at <= ?1",
            args![now_ms],
        )?;
        loop {
            let code = enrollment_code::generate();
            let inserted = tx.execute(
                "INSERT INTO enrollment_codes (code_hash, cooperative_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code_hash) DO NOTHING",
                args![
                    &enrollment_code::hash(&code),
                    &coop.id.to_string(),
                    now_ms,
                    now_ms + enrollment_code::LIFETIME_MS
                ],
            )?;
            // 0 rows: a live code already has these 40 bits; draw again.
            if inserted == 1 {
                break Ok(code);
            }
        }
    })?;
    tracing::info!(slug, "enrollment code issued");
    Ok(enrollment_code::display(&code))
}

/// Revokes a device: its token stops working at once. Revoking twice is fine.
pub fn revoke_device(market: &Market, device_id: Uuid) -> anyhow::Result<()> {
    let now_ms = market.now_ms();
    let found = market.db().write(|tx| {
        tx.execute(
            "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
            args![now_ms, &device_id.to_string()],
        )
    })?;
    if found == 0 {
        return Err(Error::UnknownDevice(device_id.to_string()).into());
    }
    tracing::info!(%device_id, "device revoked");
    Ok(())
}

/// Approves a listing: it appears in the public catalog (if its
/// cooperative has not unpublished it).
pub fn approve_listing(market: &Market, listing_id: Uuid) -> anyhow::Result<()> {
    market
        .db()
        .write(|tx| moderation::decide(tx, listing_id, ModerationState::Approved, None))?;
    tracing::info!(%listing_id, "listing approved");
    Ok(())
}

/// Rejects a listing: it leaves the public catalog, and its cooperative's
/// devices get `reason` on their next pull.
pub fn reject_listing(market: &Market, listing_id: Uuid, reason: &str) -> anyhow::Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::EmptyReason.into());
    }
    market
        .db()
        .write(|tx| moderation::decide(tx, listing_id, ModerationState::Rejected, Some(reason)))?;
    tracing::info!(%listing_id, "listing rejected");
    Ok(())
}

/// A device as `hanout-market device list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub id: Uuid,
    pub cooperative_slug: String,
    pub name: String,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

/// The devices of the cooperative `slug`, or of all cooperatives, oldest
/// first (revoked ones included).
pub fn list_devices(market: &Market, slug: Option<&str>) -> anyhow::Result<Vec<DeviceInfo>> {
    let devices = market.db().read(|tx| {
        if let Some(slug) = slug {
            cooperative::by_slug(tx, slug)?
                .ok_or_else(|| Error::UnknownCooperative(slug.to_owned()))?;
        }
        tx.query(
            "SELECT d.id, c.slug, d.name, d.created_at, d.revoked_at
             FROM devices d JOIN cooperatives c ON c.id = d.cooperative_id
             WHERE CAST(?1 AS TEXT) IS NULL OR c.slug = ?1
             ORDER BY d.created_at, d.id",
            args![slug],
        )?
        .iter()
        .map(|row| {
            Ok(DeviceInfo {
                id: row.get(0)?,
                cooperative_slug: row.get(1)?,
                name: row.get(2)?,
                created_at_ms: row.get(3)?,
                revoked_at_ms: row.get(4)?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()
    })?;
    Ok(devices)
}
