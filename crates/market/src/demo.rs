//! `hanout-market demo`: the demo cooperative's catalog, so a first run
//! shows a living marketplace. The 32 products of
//! `assets/demo/demo-catalog.csv` (embedded: the binary works anywhere),
//! each with a photo drawn here in its category's colour, as display and
//! thumbnail JPEGs of the photo pipeline's sizes, written through the
//! server's own paths: the blobs as a
//! finished upload records them, the listings through the push merge
//! (`push::apply_all`) and their photos through `listing_photos::set`, on
//! behalf of a device of the cooperative made for this (revoked at once: no
//! one holds its token). So the rows are those a device would have left.

use anyhow::Context as _;
use protocol::{Change, ChangeOp, Hlc, ListingPayload, LocalizedText, Outcome};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::auth::Device;
use crate::db::args;
use crate::moderation::ModerationPolicy;
use crate::{Market, auth, cooperative, listing_photos, push};

/// The demo catalog, as a cooperative would import it in the app.
pub const CATALOG_CSV: &str = include_str!("../../../assets/demo/demo-catalog.csv");

/// What the demo device is called in `hanout-market device list`.
const DEVICE_NAME: &str = "demo catalog (hanout-market demo)";

/// The photo pipeline's sizes (`photos::DISPLAY_LONG_EDGE` and
/// `photos::THUMB_LONG_EDGE`; the market does not link the pipeline).
const DISPLAY_LONG_EDGE: u32 = 1600;
const THUMB_LONG_EDGE: u32 = 320;
/// Width of the pattern before it is scaled to those sizes.
const SKETCH_WIDTH: u32 = 160;

/// One product of the demo catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Product {
    pub category: String,
    pub title: LocalizedText,
    pub price_centimes: i64,
    pub unit: String,
    pub stock: i64,
    pub region: String,
    pub origin: String,
    pub materials: String,
}

/// The products of [`CATALOG_CSV`], in order.
pub(crate) fn products() -> anyhow::Result<Vec<Product>> {
    let mut reader = csv::Reader::from_reader(CATALOG_CSV.as_bytes());
    reader
        .records()
        .enumerate()
        .map(|(n, record)| {
            let record = record?;
            let field = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
            let line = n + 2;
            Ok(Product {
                category: field(0),
                title: LocalizedText {
                    ar: Some(field(1)),
                    fr: Some(field(2)),
                    en: Some(field(3)),
                },
                price_centimes: centimes(&field(4))
                    .with_context(|| format!("demo catalog line {line}: bad price"))?,
                unit: field(5),
                stock: field(6)
                    .parse()
                    .with_context(|| format!("demo catalog line {line}: bad stock"))?,
                region: field(7),
                origin: field(8),
                materials: field(9),
            })
        })
        .collect()
}

/// `4500.00` (MAD) as centimes. Pure.
pub(crate) fn centimes(mad: &str) -> Option<i64> {
    let (whole, frac) = mad.split_once('.').unwrap_or((mad, "0"));
    if frac.is_empty() || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(frac)
}

/// A colour per category (RGB), so the catalog reads at a glance. Pure.
fn colour(category: &str) -> [u8; 3] {
    match category {
        "carpets" => [178, 34, 52],
        "pottery" => [196, 98, 45],
        "argan-cosmetics" => [214, 170, 60],
        "food" => [110, 140, 50],
        "leather" => [140, 82, 45],
        "jewellery" => [150, 150, 170],
        "metal-lanterns" => [205, 160, 80],
        "basketry" => [190, 160, 110],
        "textiles" => [40, 90, 160],
        "woodwork" => [120, 80, 50],
        _ => [90, 90, 90],
    }
}

/// The `(display, thumb)` JPEGs of the `index`th product, at the photo
/// pipeline's sizes (`photos::DISPLAY_LONG_EDGE`, `THUMB_LONG_EDGE`; 4:3):
/// a gradient in its category's colour crossed by `index`-dependent stripes,
/// so no two products share a photo. Encoded with `image`'s baseline
/// encoder: the pipeline's mozjpeg takes about a second a photo in a debug
/// build, a minute for the catalog.
pub(crate) fn photo(category: &str, index: usize) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    Ok((
        draw(category, index, DISPLAY_LONG_EDGE)?,
        draw(category, index, THUMB_LONG_EDGE)?,
    ))
}

fn draw(category: &str, index: usize, width: u32) -> anyhow::Result<Vec<u8>> {
    let [r, g, b] = colour(category);
    // Drawn small, then scaled up.
    let (w, h) = (SKETCH_WIDTH, SKETCH_WIDTH * 3 / 4);
    let period = 4 + (index as u32 % 12);
    let sketch = image::RgbImage::from_fn(w, h, |x, y| {
        // Lighter towards the top left, stripes one shade darker.
        let light = 255 - (x + y) * 120 / (w + h);
        let stripe = if ((x + 2 * y) / period).is_multiple_of(2) {
            100
        } else {
            80
        };
        let shade = |c: u8| (u32::from(c) * light / 255 * stripe / 100).min(255) as u8;
        image::Rgb([shade(r), shade(g), shade(b)])
    });
    let picture = image::DynamicImage::ImageRgb8(sketch).resize_exact(
        width,
        width * 3 / 4,
        image::imageops::FilterType::Triangle,
    );
    let mut jpeg = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .context("could not draw a demo photo")?;
    Ok(jpeg.into_inner())
}

/// Fills the cooperative `slug` with the demo catalog, unless the
/// marketplace has listings of it already (even deleted ones: running
/// `demo` again never duplicates anything). Returns how many listings it
/// published. Blocking.
pub(crate) fn fill(market: &Market, slug: &str) -> anyhow::Result<usize> {
    let coop_id = market.db().read(|tx| {
        let coop = cooperative::by_slug(tx, slug)?
            .ok_or_else(|| crate::Error::UnknownCooperative(slug.to_owned()))?;
        let listed = tx
            .query_opt(
                "SELECT 1 FROM listings WHERE cooperative_id = ?1 LIMIT 1",
                args![&coop.id.to_string()],
            )?
            .is_some();
        Ok::<_, crate::Error>((!listed).then_some(coop.id))
    })?;
    let Some(coop_id) = coop_id else {
        tracing::info!(slug, "the demo cooperative has listings already");
        return Ok(0);
    };
    let products = products()?;

    // The photos first, into the blob store as a finished upload puts them.
    let mut photos = Vec::with_capacity(products.len());
    let staging = market.data_dir().join("uploads");
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("could not create {}", staging.display()))?;
    for (index, product) in products.iter().enumerate() {
        let (display, thumb) = photo(&product.category, index)?;
        let mut pair = Vec::with_capacity(2);
        for jpeg in [display, thumb] {
            let sha256 = hex::encode(Sha256::digest(&jpeg));
            let file = tempfile::NamedTempFile::new_in(&staging)?;
            std::fs::write(file.path(), &jpeg)?;
            let (_, path) = file.keep().map_err(|err| err.error)?;
            crate::admin::blocking(market.blobs().put_file(&sha256, path))?;
            pair.push((sha256, jpeg.len() as i64));
        }
        photos.push(pair);
    }

    let now_ms = market.now_ms();
    let device = Device {
        id: Uuid::now_v7(),
        cooperative_id: coop_id,
    };
    let changes: Vec<Change> = products
        .iter()
        .enumerate()
        .map(|(index, product)| Change {
            change_id: Uuid::now_v7(),
            listing_id: Uuid::now_v7(),
            op: ChangeOp::Upsert {
                listing: ListingPayload {
                    title: product.title.clone(),
                    price_centimes: product.price_centimes,
                    updated_at_ms: now_ms,
                    category: Some(product.category.clone()),
                    stock: Some(product.stock),
                    unit: Some(product.unit.clone()),
                    materials: Some(product.materials.clone()).filter(|m| !m.is_empty()),
                    origin: Some(product.origin.clone()).filter(|o| !o.is_empty()),
                    region: Some(product.region.clone()).filter(|r| !r.is_empty()),
                    status: Some("published".to_owned()),
                    ..ListingPayload::default()
                },
            },
            hlc: Some(Hlc {
                ms: now_ms,
                counter: u32::try_from(index).unwrap_or(u32::MAX),
            }),
            base_version: None,
            fields: None,
            stock_delta: None,
            field_hlcs: None,
            stock_parts: Vec::new(),
        })
        .collect();
    let listing_ids: Vec<Uuid> = changes.iter().map(|c| c.listing_id).collect();
    let token_hash = auth::token_hash(&auth::new_token());
    market.db().write(|tx| {
        tx.execute(
            "INSERT INTO devices (id, cooperative_id, name, token_hash, created_at, revoked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            args![
                &device.id.to_string(),
                &coop_id.to_string(),
                DEVICE_NAME,
                &token_hash,
                now_ms
            ],
        )?;
        for pair in &photos {
            for (sha256, size) in pair {
                crate::blobs::record_for(tx, sha256, *size, coop_id, now_ms)?;
            }
        }
        // Approved at once, whatever the server's policy: a demo.
        let results = push::apply_all(tx, device, changes, ModerationPolicy::Auto, now_ms)?;
        if let Some(refused) = results.iter().find(|r| r.outcome != Outcome::Applied) {
            return Err(crate::Error::DemoRefused(format!(
                "the demo listing of change {} was not applied: {:?}",
                refused.change_id, refused.outcome
            )));
        }
        for (listing_id, pair) in listing_ids.iter().zip(&photos) {
            let set = [(pair[0].0.clone(), pair[1].0.clone())];
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
                    "the demo listing {listing_id} did not take its photo"
                )));
            }
        }
        Ok(())
    })?;
    tracing::info!(slug, listings = listing_ids.len(), "demo catalog published");
    Ok(listing_ids.len())
}
