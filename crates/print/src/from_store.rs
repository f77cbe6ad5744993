//! What the catalog says, turned into labels and a catalogue: the CLI and
//! the window print through these, so both print the same thing.

use std::path::Path;

use store::{LedgerState, Listing, ListingId, SettingKey, Status, Store};

use crate::{Catalogue, LabelItem, Product, Result};

/// Where the QR codes point: the marketplace's address and the cooperative's
/// slug as enrollment recorded them.
struct Addresses {
    market: Option<String>,
    slug: Option<String>,
}

impl Addresses {
    fn of(store: &Store) -> Result<Addresses> {
        Ok(Addresses {
            market: store
                .setting(SettingKey::MarketUrl)?
                .map(|url| url.trim_end_matches('/').to_owned()),
            slug: store.setting(SettingKey::CooperativeSlug)?,
        })
    }

    /// The cooperative's public page; the marketplace's home when the slug
    /// is unknown (enrolled before it was recorded); none when not connected.
    fn cooperative(&self) -> Option<String> {
        let market = self.market.as_deref()?;
        Some(match &self.slug {
            Some(slug) => format!("{market}/c/{slug}"),
            None => format!("{market}/"),
        })
    }

    /// The listing's public page once it is live, else the cooperative's.
    fn listing(&self, store: &Store, listing: &Listing) -> Result<Option<String>> {
        if let Some(market) = &self.market
            && is_live(store, listing)?
        {
            return Ok(Some(format!("{market}/l/{}", listing.id)));
        }
        Ok(self.cooperative())
    }
}

/// On the marketplace as it is here: sent, approved (or not moderated),
/// not kept off as a draft or archive (`Store::ledger`).
fn is_live(store: &Store, listing: &Listing) -> Result<bool> {
    Ok(store.ledger(listing.id)?.state == LedgerState::Live)
}

/// The cooperative's names, Arabic and French, from its profile, else the
/// name the marketplace gave at enrollment.
fn cooperative_names(store: &Store) -> Result<(Option<String>, Option<String>)> {
    let coop = store.cooperative()?;
    let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let (ar, fr) = (clean(coop.name_ar), clean(coop.name_fr));
    if ar.is_none() && fr.is_none() {
        let name = clean(store.setting(SettingKey::CooperativeName)?);
        return Ok(match name {
            Some(n) if n.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) => (Some(n), None),
            n => (None, n),
        });
    }
    Ok((ar, fr))
}

fn origin(listing: &Listing) -> Option<String> {
    let parts: Vec<&str> = [listing.origin.as_deref(), listing.region.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The labels of the listings `ids`, in that order (one label per id: ask
/// twice for two). `store::Error::NotFound` for an id not in the catalog.
pub fn label_items(store: &Store, ids: &[ListingId]) -> Result<Vec<LabelItem>> {
    let addresses = Addresses::of(store)?;
    let (coop_ar, coop_fr) = cooperative_names(store)?;
    let cooperative: Vec<String> = [coop_ar, coop_fr].into_iter().flatten().collect();
    ids.iter()
        .map(|&id| {
            let listing = store
                .listing(id)?
                .filter(|l| !l.deleted)
                .ok_or_else(|| store::Error::NotFound(id.to_string()))?;
            Ok(LabelItem {
                url: addresses.listing(store, &listing)?,
                title_ar: listing.titles.ar.clone(),
                title_fr: listing.titles.fr.clone(),
                price: listing.price,
                cooperative: cooperative.clone(),
                origin: origin(&listing),
            })
        })
        .collect()
}

/// What goes into a catalogue besides the catalog itself.
#[derive(Debug, Clone, Default)]
pub struct CatalogueOptions {
    /// Only the listings live on the marketplace (else every listing that
    /// is not a draft or archived).
    pub only_live: bool,
    /// Printed on the cover as given.
    pub date: Option<String>,
}

/// The catalogue of the catalog's listings, with the display photos kept
/// under `data_dir` (a photo not downloaded yet is left out, not waited for).
pub fn catalogue_from_store(
    store: &Store,
    data_dir: &Path,
    options: &CatalogueOptions,
) -> Result<Catalogue> {
    let addresses = Addresses::of(store)?;
    let (cooperative_ar, cooperative_fr) = cooperative_names(store)?;
    let mut listings = store.listings()?;
    // Grouped by category, then by French (else Arabic) title: the order a
    // buyer leafs through, stable from one printing to the next.
    listings.sort_by(|a, b| {
        (a.category.as_str(), a.titles.display("fr"))
            .cmp(&(b.category.as_str(), b.titles.display("fr")))
    });
    let mut products = Vec::new();
    for listing in listings {
        if matches!(listing.status, Status::Draft | Status::Archived)
            || (options.only_live && !is_live(store, &listing)?)
        {
            continue;
        }
        let photo = listing.photos.first().and_then(|sha| {
            let path = photos::photo_path(data_dir, sha);
            std::fs::read(&path)
                .inspect_err(|e| tracing::info!(path = %path.display(), "photo left out: {e}"))
                .ok()
        });
        products.push(Product {
            url: addresses.listing(store, &listing)?,
            title_ar: listing.titles.ar.clone(),
            title_fr: listing.titles.fr.clone(),
            price: listing.price,
            dimensions: listing.dimensions.clone(),
            materials: listing.materials.clone(),
            origin: origin(&listing),
            photo,
        });
    }
    Ok(Catalogue {
        cooperative_ar,
        cooperative_fr,
        region: store.cooperative()?.region,
        url: addresses.cooperative(),
        date: options.date.clone(),
        products,
    })
}
