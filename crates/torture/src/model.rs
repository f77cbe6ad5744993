//! What the workload was told: every write a `hanout` command acknowledged
//! (exit 0 and the listing in its answer), and the writes whose command was
//! killed before it answered (they may or may not have been saved).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The fields the workload edits, as `hanout`'s listing JSON names them.
pub const FIELDS: &[&str] = &[
    "price_centimes",
    "title_fr",
    "region",
    "materials",
    "status",
];

/// A field's value from `hanout`'s listing JSON.
pub fn laptop_field(listing: &Value, field: &str) -> Value {
    match field {
        "title_fr" => listing["titles"]["fr"].clone(),
        other => listing[other].clone(),
    }
}

/// A field's value from the marketplace's `ListingPayload`.
pub fn server_field(payload: &Value, field: &str) -> Value {
    match field {
        "title_fr" => payload["title"]["fr"].clone(),
        other => payload[other].clone(),
    }
}

/// The tag in a listing's English title that names it in the model.
pub fn tag_of(title_en: &str) -> Option<String> {
    title_en
        .split_whitespace()
        .find(|w| w.starts_with("tq") && w.len() > 3)
        .map(str::to_owned)
}

#[derive(Debug, Default, Clone)]
pub struct Writes {
    /// Each laptop's last acknowledged value (the creator's first is the
    /// listing's initial one).
    pub last: [Option<Value>; 2],
    /// Values of killed commands.
    pub maybe: Vec<Value>,
}

#[derive(Debug, Clone)]
pub struct Expect {
    pub id: Option<String>,
    /// The create was killed: it may not exist at all.
    pub uncertain: bool,
    pub initial_stock: i64,
    pub deltas: i64,
    pub fields: BTreeMap<&'static str, Writes>,
    pub photos_acked: BTreeSet<String>,
    pub photos_maybe: BTreeSet<String>,
    pub photos_removed: BTreeSet<String>,
    pub gone_for_good: bool,
    pub rejected: bool,
    pub known_by: [bool; 2],
}

#[derive(Debug, Default)]
pub struct Model {
    /// By tag.
    pub listings: BTreeMap<String, Expect>,
    pub edits: u64,
}

impl Model {
    /// A listing a laptop created (or imported) and saw saved: `listing`
    /// is its JSON as that laptop answered.
    pub fn created(&mut self, laptop: usize, tag: &str, listing: &Value) {
        let mut fields = BTreeMap::new();
        for f in FIELDS {
            let mut w = Writes::default();
            w.last[laptop] = Some(laptop_field(listing, f));
            fields.insert(*f, w);
        }
        let mut known_by = [false; 2];
        known_by[laptop] = true;
        self.listings.insert(
            tag.to_owned(),
            Expect {
                id: listing["id"].as_str().map(str::to_owned),
                uncertain: false,
                initial_stock: listing["stock"].as_i64().unwrap_or(0),
                deltas: 0,
                fields,
                photos_acked: BTreeSet::new(),
                photos_maybe: BTreeSet::new(),
                photos_removed: BTreeSet::new(),
                gone_for_good: false,
                rejected: false,
                known_by,
            },
        );
    }

    /// A create that was killed: what it would have saved.
    pub fn maybe_created(&mut self, laptop: usize, tag: &str, values: &Value, stock: i64) {
        self.created(laptop, tag, values);
        if let Some(e) = self.listings.get_mut(tag) {
            e.uncertain = true;
            e.initial_stock = stock;
            e.known_by = [false; 2];
        }
    }

    pub fn by_id_mut(&mut self, id: &str) -> Option<&mut Expect> {
        self.listings
            .values_mut()
            .find(|e| e.id.as_deref() == Some(id))
    }

    /// A laptop's listing list: which listings it knows, and the ids of
    /// killed creates that turn out to have been saved.
    pub fn seen(&mut self, laptop: usize, listings: &[Value]) {
        for l in listings {
            let Some(tag) = l["titles"]["en"].as_str().and_then(tag_of) else {
                continue;
            };
            if let Some(e) = self.listings.get_mut(&tag) {
                if e.id.is_none() {
                    e.id = l["id"].as_str().map(str::to_owned);
                }
                if e.id.as_deref() == l["id"].as_str() {
                    e.known_by[laptop] = true;
                }
            }
        }
    }

    /// Listings a laptop may act on.
    pub fn targets(&self, laptop: usize) -> Vec<String> {
        self.listings
            .values()
            .filter(|e| e.known_by[laptop] && !e.gone_for_good)
            .filter_map(|e| e.id.clone())
            .collect()
    }
}
