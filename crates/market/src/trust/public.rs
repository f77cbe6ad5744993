//! What the public JSON says of trust: each listing's cooperative profile
//! (who sells, since when, its verified labels) and the listing's own
//! verified labels, as keys.

use std::collections::HashMap;

use protocol::{PublicCooperative, PublicListing};
use uuid::Uuid;

use super::labels::keys_of;
use crate::db::{Arg, Tx};
use crate::error::Result;

/// The public profiles of the cooperatives `ids`, by id.
pub(crate) fn public_profiles(
    tx: &mut Tx<'_>,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, PublicCooperative>> {
    let mut ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    ids.sort();
    ids.dedup();
    let mut profiles = HashMap::new();
    if ids.is_empty() {
        return Ok(profiles);
    }
    let placeholders = (1..=ids.len())
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT id, legal_name, registration, city, region, created_at FROM cooperatives
         WHERE id IN ({placeholders})"
    );
    let values: Vec<Arg<'_>> = ids.iter().map(Arg::from).collect();
    let rows = tx.query(&sql, &values)?;
    let mut labels = keys_of(tx, "cooperative", &ids)?;
    for row in rows {
        let id: Uuid = row.get(0)?;
        profiles.insert(
            id,
            PublicCooperative {
                legal_name: row.get(1)?,
                registration: row.get(2)?,
                city: row.get(3)?,
                region: row.get(4)?,
                since_ms: row.get(5)?,
                labels: keys(labels.remove(&id)),
            },
        );
    }
    Ok(profiles)
}

/// Fills in each listing's cooperative profile and verified labels (two
/// or three queries for a whole page).
pub(crate) fn with_trust(tx: &mut Tx<'_>, listings: &mut [PublicListing]) -> Result<()> {
    let coops: Vec<Uuid> = listings.iter().map(|l| l.cooperative.id).collect();
    let profiles = public_profiles(tx, &coops)?;
    let ids: Vec<String> = listings.iter().map(|l| l.id.to_string()).collect();
    let mut labels = keys_of(tx, "listing", &ids)?;
    for listing in listings {
        listing.cooperative_profile = profiles.get(&listing.cooperative.id).cloned();
        listing.labels = keys(labels.remove(&listing.id));
    }
    Ok(())
}

fn keys(labels: Option<Vec<super::Label>>) -> Vec<String> {
    labels
        .unwrap_or_default()
        .into_iter()
        .map(|l| l.key().to_owned())
        .collect()
}
