//! Operator tasks, run from the CLI: cooperatives, enrollment codes, devices,
//! the app's releases. Blocking: call them from a plain thread, not from
//! async code — but for [`add_release`], which is async.

use protocol::{CooperativeRef, ModerationState};
use uuid::Uuid;

use crate::db::args;
use crate::error::Error;
use crate::{
    Market, cooperative, enrollment_code, moderation, moderation_history, releases, takedown,
};

pub use crate::console::{
    OperatorInfo, Role as OperatorRole, add_operator, disable_operator, list_operators,
};
pub use crate::releases::{MAX_PACKAGE_BYTES, Release, ReleaseInput};

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

/// Fills the cooperative `slug` with the demo catalog (`hanout-market
/// demo`): the 32 products of `assets/demo/demo-catalog.csv` in ar/fr/en,
/// each with a drawn photo, published and approved, as if a device of the
/// cooperative had pushed them. Does nothing if the marketplace has
/// listings of it already. Returns how many listings it published.
pub fn fill_demo_catalog(market: &Market, slug: &str) -> anyhow::Result<usize> {
    crate::demo::fill(market, slug)
}

/// A fresh one-time enrollment code for the cooperative `slug`, formatted
/// `XXXX-XXXX`. Valid for 24 hours; the database keeps only its hash.
pub fn enrollment_code(market: &Market, slug: &str) -> anyhow::Result<String> {
    let now_ms = market.now_ms();
    let code = market
        .db()
        .write(|tx| issue_enrollment_code(tx, slug, now_ms))?;
    tracing::info!(slug, "enrollment code issued");
    Ok(code)
}

/// [`enrollment_code`] inside a transaction (the console writes its audit
/// entry in the same one). Returns the code formatted `XXXX-XXXX`.
pub(crate) fn issue_enrollment_code(
    tx: &mut crate::db::Tx<'_>,
    slug: &str,
    now_ms: i64,
) -> Result<String, Error> {
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
            break Ok(enrollment_code::display(&code));
        }
    }
}

/// Revokes a device: its token stops working at once. Revoking twice is fine.
pub fn revoke_device(market: &Market, device_id: Uuid) -> anyhow::Result<()> {
    let now_ms = market.now_ms();
    market
        .db()
        .write(|tx| revoke_device_in(tx, device_id, now_ms))?;
    tracing::info!(%device_id, "device revoked");
    Ok(())
}

/// [`revoke_device`] inside a transaction.
pub(crate) fn revoke_device_in(
    tx: &mut crate::db::Tx<'_>,
    device_id: Uuid,
    now_ms: i64,
) -> Result<(), Error> {
    let found = tx.execute(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
        args![now_ms, &device_id.to_string()],
    )?;
    if found == 0 {
        return Err(Error::UnknownDevice(device_id.to_string()));
    }
    Ok(())
}

/// Who an operator action is recorded as when the caller does not say.
pub const DEFAULT_OPERATOR: &str = "operator";

/// Approves a listing: it appears in the public catalog (unless its
/// cooperative keeps it as a draft or archived).
pub fn approve_listing(market: &Market, listing_id: Uuid) -> anyhow::Result<()> {
    approve_listing_as(market, listing_id, DEFAULT_OPERATOR)
}

/// [`approve_listing`], recorded in the history as done by `operator`.
pub fn approve_listing_as(market: &Market, listing_id: Uuid, operator: &str) -> anyhow::Result<()> {
    let now_ms = market.now_ms();
    market.db().write(|tx| {
        moderation::decide(
            tx,
            listing_id,
            ModerationState::Approved,
            None,
            operator,
            now_ms,
        )
    })?;
    tracing::info!(%listing_id, operator, "listing approved");
    Ok(())
}

/// Rejects a listing: it leaves the public catalog, and its cooperative's
/// devices get `reason` on their next pull. It stays rejected until an
/// operator approves it (or, under `manual`, the cooperative changes what
/// a buyer sees and it goes back to the queue).
pub fn reject_listing(market: &Market, listing_id: Uuid, reason: &str) -> anyhow::Result<()> {
    reject_listing_as(market, listing_id, reason, DEFAULT_OPERATOR)
}

/// [`reject_listing`], recorded in the history as done by `operator`.
pub fn reject_listing_as(
    market: &Market,
    listing_id: Uuid,
    reason: &str,
    operator: &str,
) -> anyhow::Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::EmptyReason.into());
    }
    let now_ms = market.now_ms();
    market.db().write(|tx| {
        moderation::decide(
            tx,
            listing_id,
            ModerationState::Rejected,
            Some(reason),
            operator,
            now_ms,
        )
    })?;
    tracing::info!(%listing_id, operator, "listing rejected");
    Ok(())
}

/// A listing waiting for a moderator, as `hanout-market listing pending`
/// shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingListing {
    pub id: Uuid,
    pub cooperative_slug: String,
    /// In the first language it has: ar, fr, en.
    pub title: String,
    /// When the server received what waits for review.
    pub since_ms: i64,
}

/// The moderation queue, oldest first: listings pending review that their
/// cooperative wants public (drafts and archived listings wait unseen).
pub fn pending_listings(market: &Market) -> anyhow::Result<Vec<PendingListing>> {
    let listings = market.db().read(|tx| {
        tx.query(
            "SELECT l.id, c.slug, COALESCE(l.title_ar, l.title_fr, l.title_en, ''),
                    l.received_at_ms
             FROM listings l JOIN cooperatives c ON c.id = l.cooperative_id
             WHERE l.moderation = 'pending' AND l.deleted = 0 AND l.published = 1
             ORDER BY l.received_at_ms, l.id",
            &[],
        )?
        .iter()
        .map(|row| {
            Ok(PendingListing {
                id: row.get(0)?,
                cooperative_slug: row.get(1)?,
                title: row.get(2)?,
                since_ms: row.get(3)?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()
    })?;
    Ok(listings)
}

/// The moderation history of a listing, oldest first.
pub fn listing_history(
    market: &Market,
    listing_id: Uuid,
) -> anyhow::Result<Vec<moderation_history::Event>> {
    Ok(market
        .db()
        .read(|tx| moderation_history::of_listing(tx, listing_id))?)
}

/// Takes a photo down everywhere (`hanout-market photo purge`): it leaves
/// every listing that shows it and the blob store, and is refused if
/// uploaded again. Returns the listings that showed it. Purging twice, or
/// a photo the store never had, is fine (it is still refused from then on).
pub fn purge_photo(
    market: &Market,
    sha256: &str,
    operator: &str,
    reason: Option<&str>,
) -> anyhow::Result<Vec<Uuid>> {
    let sha256 = sha256.trim().to_ascii_lowercase();
    if !crate::blobs::is_sha256(&sha256) {
        return Err(Error::NotASha256(sha256).into());
    }
    let now_ms = market.now_ms();
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let listings = market
        .db()
        .write(|tx| takedown::purge(tx, &sha256, operator, reason, now_ms))?;
    // After the commit: from now on nothing serves it, even if deleting
    // the bytes fails (then purge again).
    blocking(market.blobs().delete(&sha256))?;
    tracing::info!(%sha256, operator, listings = listings.len(), "photo purged");
    Ok(listings)
}

/// Adds a release of the desktop app (`hanout-market release add`): checks
/// the version (semver), the platform key (`linux-x86_64`,
/// `windows-x86_64-nsis`…), the signature (what `tauri signer sign`
/// wrote) and the file (not empty, at most [`MAX_PACKAGE_BYTES`]), copies
/// the file into the blob store and records it, replacing the same version
/// and platform. Async, unlike the other tasks: the copy streams into the
/// blob store; from blocking code, run it on a runtime (the CLI does).
pub async fn add_release(market: &Market, input: ReleaseInput) -> anyhow::Result<Release> {
    Ok(releases::add(market, input).await?)
}

/// Every release, newest version first, then by platform.
pub fn list_releases(market: &Market) -> anyhow::Result<Vec<Release>> {
    Ok(releases::list(market)?)
}

/// Runs a future of the blob store from blocking code (the CLI, a test),
/// on a thread of its own so it also works when called from async code.
pub(crate) fn blocking<T: Send>(
    future: impl std::future::Future<Output = Result<T, Error>> + Send,
) -> Result<T, Error> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?
                    .block_on(future)
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Text a device sent (a name, a title), without what could take over an
/// operator's terminal: control characters and bidi overrides.
pub fn clean_for_terminal(text: &str) -> String {
    crate::enroll::clean_device_name(text)
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
                // Cleaned at enrollment; again here for names from before.
                name: crate::enroll::clean_device_name(&row.get::<String>(2)?),
                created_at_ms: row.get(3)?,
                revoked_at_ms: row.get(4)?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()
    })?;
    Ok(devices)
}
