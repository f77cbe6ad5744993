//! A large synthetic catalog for `cargo xtask bench catalog`
//! (`benches/catalog.rs`): not an API, `#[doc(hidden)]`.
//!
//! [`fill`] publishes `listings` listings from `cooperatives` cooperatives
//! through the server's own write paths, like `demo.rs`: per cooperative,
//! a device (revoked at once), one `push::apply_all` transaction with all
//! its listings (so `search_text`, the change feed, `received_at_ms` and
//! moderation — approved — are what real pushes leave), then
//! `listing_photos::set` for each listing in the same transaction. The
//! listings cycle through the 32 products of the demo catalog in all three
//! languages, each title followed by a number (`Tapis Azilal coloré 17`),
//! so searches have many near-identical rows to tell apart; prices vary
//! around the product's, one listing in 20 is out of stock. Photos: one
//! display + thumbnail pair per demo product (`demo::photo`), stored once
//! in the blob store; a listing shows 1 to 3 of them, its own product's
//! first. About 4,000 listings a second on SQLite.

use anyhow::Context as _;
use protocol::{Change, ChangeOp, Hlc, ListingPayload, LocalizedText, Outcome};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::auth::Device;
use crate::db::args;
use crate::demo::{self, Product};
use crate::moderation::ModerationPolicy;
use crate::{Market, admin, auth, listing_photos, push};

/// Moved on whenever [`fill`] would write a different catalog, so a
/// catalog cached by the bench is made again.
const GENERATOR_VERSION: u32 = 1;

/// Artisans' names the listings cycle through.
const ARTISANS: [&str; 8] = [
    "Fatima Ait Lahcen",
    "Aicha Ouhammou",
    "Khadija Bennani",
    "Mohamed Amrani",
    "Zahra Id Brahim",
    "Rachid El Idrissi",
    "Naima Ouchen",
    "Youssef Alaoui",
];

/// What to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub listings: usize,
    pub cooperatives: usize,
}

/// A name for what [`fill`] makes of `spec` on this build: the schema
/// (the number of migrations of each engine), the generator's version and
/// the sizes. Two equal fingerprints: the same catalog.
pub fn fingerprint(spec: Spec) -> String {
    format!(
        "s{}-p{}-g{GENERATOR_VERSION}-{}x{}",
        crate::db::sqlite_schema_version(),
        crate::db::postgres_schema_version(),
        spec.listings,
        spec.cooperatives
    )
}

/// Publishes the catalog of `spec` into an empty marketplace. Blocking.
/// Returns the ids of the listings, in the order they were written.
pub fn fill(market: &Market, spec: Spec) -> anyhow::Result<Vec<Uuid>> {
    anyhow::ensure!(
        spec.cooperatives > 0 && spec.listings >= spec.cooperatives,
        "a catalog needs at least one cooperative and a listing per cooperative"
    );
    let products = demo::products()?;
    let coops = (0..spec.cooperatives)
        .map(|c| {
            admin::add_cooperative(
                market,
                &format!("coop-{c:04}"),
                &format!("Coopérative {} {c}", products[c % products.len()].origin),
            )
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    // One photo pair per product, stored once, owned by the first
    // cooperative (ownership only counts against a quota).
    let staging = market.data_dir().join("uploads");
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("could not create {}", staging.display()))?;
    let mut photos = Vec::with_capacity(products.len());
    let mut blobs = Vec::new();
    for (index, product) in products.iter().enumerate() {
        let (display, thumb) = demo::photo(&product.category, index)?;
        let mut pair = Vec::with_capacity(2);
        for jpeg in [display, thumb] {
            let sha256 = hex::encode(Sha256::digest(&jpeg));
            let file = tempfile::NamedTempFile::new_in(&staging)?;
            std::fs::write(file.path(), &jpeg)?;
            let (_, path) = file.keep().map_err(|err| err.error)?;
            admin::blocking(market.blobs().put_file(&sha256, path))?;
            blobs.push((sha256.clone(), jpeg.len() as i64));
            pair.push(sha256);
        }
        photos.push((pair[0].clone(), pair[1].clone()));
    }
    let now_ms = market.now_ms();
    market.db().write(|tx| {
        for (sha256, size) in &blobs {
            crate::blobs::record_for(tx, sha256, *size, coops[0].id, now_ms)?;
        }
        Ok(())
    })?;

    let mut ids = Vec::with_capacity(spec.listings);
    let per_coop = spec.listings / spec.cooperatives;
    let mut n = 0;
    for (c, coop) in coops.iter().enumerate() {
        // The first cooperatives take the remainder.
        let count = per_coop + usize::from(c < spec.listings % spec.cooperatives);
        let now_ms = market.now_ms();
        let device = Device {
            id: Uuid::now_v7(),
            cooperative_id: coop.id,
        };
        let numbers: Vec<usize> = (n..n + count).collect();
        n += count;
        let changes: Vec<Change> = numbers
            .iter()
            .map(|&n| change(&products, n, &coop.name, now_ms))
            .collect();
        let listing_ids: Vec<Uuid> = changes.iter().map(|c| c.listing_id).collect();
        let token_hash = auth::token_hash(&auth::new_token());
        market.db().write(|tx| {
            tx.execute(
                "INSERT INTO devices (id, cooperative_id, name, token_hash, created_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                args![
                    &device.id.to_string(),
                    &coop.id.to_string(),
                    "bench catalog",
                    &token_hash,
                    now_ms
                ],
            )?;
            let results = push::apply_all(tx, device, changes, ModerationPolicy::Auto, now_ms)?;
            if let Some(refused) = results.iter().find(|r| r.outcome != Outcome::Applied) {
                return Err(crate::Error::DemoRefused(format!(
                    "the bench listing of change {} was not applied: {:?}",
                    refused.change_id, refused.outcome
                )));
            }
            for (&n, listing_id) in numbers.iter().zip(&listing_ids) {
                let set: Vec<(String, String)> = (0..=n % 3)
                    .map(|k| photos[(n + 7 * k) % photos.len()].clone())
                    .collect();
                if listing_photos::set(
                    tx,
                    device,
                    *listing_id,
                    &set,
                    None,
                    false,
                    ModerationPolicy::Auto,
                    now_ms,
                )?
                .is_some()
                {
                    return Err(crate::Error::DemoRefused(format!(
                        "the bench listing {listing_id} did not take its photos"
                    )));
                }
            }
            Ok(())
        })?;
        ids.extend(listing_ids);
    }
    tracing::info!(
        listings = ids.len(),
        cooperatives = coops.len(),
        "bench catalog published"
    );
    Ok(ids)
}

/// The ids of every public listing, newest first. Blocking.
pub fn public_listing_ids(market: &Market) -> anyhow::Result<Vec<Uuid>> {
    let rows = market.db().read(|tx| {
        tx.query(
            "SELECT l.id FROM listings l
             WHERE l.deleted = 0 AND l.published = 1 AND l.moderation = 'approved'
             ORDER BY l.received_at_ms DESC, l.id DESC",
            &[],
        )
    })?;
    rows.iter()
        .map(|row| {
            let id: String = row.get(0)?;
            Ok(Uuid::parse_str(&id)?)
        })
        .collect()
}

/// The `n`th listing: product `n % 32`, numbered `n / 32 + 1`. Pure but
/// for its fresh ids.
fn change(products: &[Product], n: usize, cooperative: &str, now_ms: i64) -> Change {
    let product = &products[n % products.len()];
    let number = n / products.len() + 1;
    let numbered = |t: &Option<String>| t.as_ref().map(|t| format!("{t} {number}"));
    let title = LocalizedText {
        ar: numbered(&product.title.ar),
        fr: numbered(&product.title.fr),
        en: numbered(&product.title.en),
    };
    let of = |t: &Option<String>| t.clone().unwrap_or_default();
    let description = LocalizedText {
        ar: Some(format!(
            "{} من صنع يدوي، {} ({})، {}.",
            of(&product.title.ar),
            product.origin,
            product.region,
            cooperative
        )),
        fr: Some(format!(
            "{}, fait main à {} ({}) par la {}. Matières : {}.",
            of(&product.title.fr),
            product.origin,
            product.region,
            cooperative,
            product.materials
        )),
        en: Some(format!(
            "{}, handmade in {} ({}) by {}.",
            of(&product.title.en),
            product.origin,
            product.region,
            cooperative
        )),
    };
    // ±15 % around the product's price, in whole dirhams.
    let step = (n % 7) as i64 - 3;
    let price_centimes = (product.price_centimes + product.price_centimes * step / 20) / 100 * 100;
    Change {
        change_id: Uuid::now_v7(),
        listing_id: Uuid::now_v7(),
        op: ChangeOp::Upsert {
            listing: ListingPayload {
                title,
                price_centimes,
                updated_at_ms: now_ms,
                description,
                category: Some(product.category.clone()),
                stock: Some(if n % 20 == 19 { 0 } else { product.stock }),
                unit: Some(product.unit.clone()),
                materials: Some(product.materials.clone()).filter(|m| !m.is_empty()),
                origin: Some(product.origin.clone()).filter(|o| !o.is_empty()),
                region: Some(product.region.clone()).filter(|r| !r.is_empty()),
                artisan: Some(ARTISANS[n % ARTISANS.len()].to_owned()),
                status: Some("published".to_owned()),
                ..ListingPayload::default()
            },
        },
        hlc: Some(Hlc {
            ms: now_ms,
            counter: u32::try_from(n).unwrap_or(u32::MAX),
        }),
        base_version: None,
        fields: None,
        stock_delta: None,
        field_hlcs: None,
        stock_parts: Vec::new(),
    }
}
