//! Merging a device's change into a stored listing, field by field (see
//! `stored.rs` for the clocks), and what a change may set.

use std::collections::BTreeMap;

use protocol::{ListingField, ListingPayload, LocalizedText};

use crate::stored::{Clocks, Stamp};

/// Highest price accepted: 10 000 000 MAD.
const MAX_PRICE_CENTIMES: i64 = 1_000_000_000;
const MAX_SHORT_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 5_000;
const MAX_TAGS: usize = 30;
const MAX_STOCK: i64 = 1_000_000;
const MAX_WEIGHT_GRAMS: i64 = 10_000_000;

/// The clock entry of the last delete or revival.
const DELETED: &str = "deleted";

fn key(field: ListingField) -> String {
    serde_json::to_value(field)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Blank text is no text; surrounding spaces go.
fn clean(text: &mut Option<String>) {
    if let Some(t) = text {
        let trimmed = t.trim();
        if trimmed.is_empty() {
            *text = None;
        } else if trimmed.len() != t.len() {
            *t = trimmed.to_owned();
        }
    }
}

fn too_long(text: &Option<String>, max: usize) -> bool {
    text.as_deref().is_some_and(|t| t.chars().count() > max)
}

fn localized_too_long(text: &LocalizedText, max: usize) -> bool {
    [&text.ar, &text.fr, &text.en]
        .into_iter()
        .any(|t| too_long(t, max))
}

/// Cleans `payload` and checks the fields a change sets. `false`: the
/// change is invalid and is rejected whole.
pub(crate) fn validate(payload: &mut ListingPayload, fields: &[ListingField]) -> bool {
    let p = payload;
    for t in [&mut p.title.ar, &mut p.title.fr, &mut p.title.en] {
        clean(t);
    }
    for t in [
        &mut p.description.ar,
        &mut p.description.fr,
        &mut p.description.en,
        &mut p.category,
        &mut p.unit,
        &mut p.dimensions,
        &mut p.materials,
        &mut p.origin,
        &mut p.region,
        &mut p.artisan,
    ] {
        clean(t);
    }
    p.tags.retain(|t| !t.trim().is_empty());
    fields.iter().all(|field| match field {
        ListingField::Title => {
            !p.title.is_empty() && !localized_too_long(&p.title, MAX_SHORT_CHARS)
        }
        ListingField::Price => (0..=MAX_PRICE_CENTIMES).contains(&p.price_centimes),
        ListingField::Description => !localized_too_long(&p.description, MAX_DESCRIPTION_CHARS),
        ListingField::Stock => p.stock.is_none_or(|s| (0..=MAX_STOCK).contains(&s)),
        ListingField::WeightGrams => p
            .weight_grams
            .is_none_or(|w| (0..=MAX_WEIGHT_GRAMS).contains(&w)),
        ListingField::Tags => {
            p.tags.len() <= MAX_TAGS && p.tags.iter().all(|t| t.chars().count() <= 50)
        }
        ListingField::Category => !too_long(&p.category, 64),
        ListingField::Unit => !too_long(&p.unit, 32),
        ListingField::Dimensions => !too_long(&p.dimensions, MAX_SHORT_CHARS),
        ListingField::Materials => !too_long(&p.materials, MAX_SHORT_CHARS),
        ListingField::Origin => !too_long(&p.origin, MAX_SHORT_CHARS),
        ListingField::Region => !too_long(&p.region, MAX_SHORT_CHARS),
        ListingField::Artisan => !too_long(&p.artisan, MAX_SHORT_CHARS),
        ListingField::Status => p
            .status
            .as_deref()
            .is_none_or(|s| protocol::LISTING_STATUSES.contains(&s)),
    })
}

/// Whether `a` and `b` hold the same value for `field`.
pub(crate) fn same_field(field: ListingField, a: &ListingPayload, b: &ListingPayload) -> bool {
    let mut copy = b.clone();
    copy_field(field, a, &mut copy);
    copy == *b
}

/// Copies one field from `from` into `to`.
fn copy_field(field: ListingField, from: &ListingPayload, to: &mut ListingPayload) {
    match field {
        ListingField::Title => to.title = from.title.clone(),
        ListingField::Price => to.price_centimes = from.price_centimes,
        ListingField::Description => to.description = from.description.clone(),
        ListingField::Category => to.category = from.category.clone(),
        ListingField::Stock => to.stock = from.stock,
        ListingField::Unit => to.unit = from.unit.clone(),
        ListingField::Dimensions => to.dimensions = from.dimensions.clone(),
        ListingField::WeightGrams => to.weight_grams = from.weight_grams,
        ListingField::Materials => to.materials = from.materials.clone(),
        ListingField::Origin => to.origin = from.origin.clone(),
        ListingField::Region => to.region = from.region.clone(),
        ListingField::Tags => to.tags = from.tags.clone(),
        ListingField::Artisan => to.artisan = from.artisan.clone(),
        // Devices from before status synced send none: keep what is stored.
        ListingField::Status => {
            if from.status.is_some() {
                to.status = from.status.clone();
            }
        }
    }
}

/// What merging one upsert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Merged {
    pub content: ListingPayload,
    pub clocks: Clocks,
    /// Fields the change named but a later write (by clock) had set to
    /// another value.
    pub lost: Vec<ListingField>,
    /// The listing was deleted by a later write than this change: nothing
    /// was taken.
    pub stays_deleted: bool,
}

/// Merges an upsert into the current state (`None`: a listing the server
/// has never seen), every field stamped `stamp`. Pure.
#[cfg(test)]
pub(crate) fn merge_upsert(
    current: Option<(&ListingPayload, &Clocks, bool)>,
    incoming: &ListingPayload,
    fields: &[ListingField],
    stamp: &Stamp,
    stock_delta: Option<i64>,
) -> Merged {
    merge_upsert_stamped(
        current,
        incoming,
        fields,
        stamp,
        &BTreeMap::new(),
        stock_delta,
    )
}

/// Merges an upsert into the current state (`None`: a listing the server
/// has never seen). `stamp` is the change's (its newest edit's): it
/// decides a revival; each field is merged by its own edit's stamp from
/// `field_stamps`, else `stamp`. Pure.
pub(crate) fn merge_upsert_stamped(
    current: Option<(&ListingPayload, &Clocks, bool)>,
    incoming: &ListingPayload,
    fields: &[ListingField],
    stamp: &Stamp,
    field_stamps: &BTreeMap<ListingField, Stamp>,
    stock_delta: Option<i64>,
) -> Merged {
    let (mut content, mut clocks, deleted) = match current {
        Some((content, clocks, deleted)) => (content.clone(), clocks.clone(), deleted),
        None => (ListingPayload::default(), Clocks::new(), false),
    };
    if deleted {
        let revives = clocks.get(DELETED).is_none_or(|at| stamp > at);
        if !revives {
            return Merged {
                content,
                clocks,
                lost: fields.to_vec(),
                stays_deleted: true,
            };
        }
        clocks.insert(DELETED.to_owned(), stamp.clone());
    }
    let mut lost = Vec::new();
    for &field in fields {
        let name = key(field);
        let stamp = field_stamps.get(&field).unwrap_or(stamp);
        if field == ListingField::Stock && stock_delta.is_some() {
            continue;
        }
        if clocks.get(&name).is_none_or(|at| stamp >= at) {
            copy_field(field, incoming, &mut content);
            clocks.insert(name, stamp.clone());
        } else if !same_field(field, incoming, &content) {
            lost.push(field);
        }
    }
    if let Some(delta) = stock_delta {
        let sum = content.stock.unwrap_or(0).saturating_add(delta);
        content.stock = Some(sum.clamp(0, MAX_STOCK));
    }
    content.updated_at_ms = content.updated_at_ms.max(incoming.updated_at_ms);
    Merged {
        content,
        clocks,
        lost,
        stays_deleted: false,
    }
}

/// Whether a delete stamped `stamp` wins: it must be no older than every
/// write the listing has seen (its fields and its last revival), whatever
/// order they arrived in — an edit made after the delete keeps the listing.
pub(crate) fn delete_wins(clocks: &Clocks, stamp: &Stamp) -> bool {
    clocks.values().all(|at| stamp >= at)
}

pub(crate) fn mark_deleted(clocks: &mut Clocks, stamp: &Stamp) {
    clocks.insert(DELETED.to_owned(), stamp.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(ms: i64, device: &str) -> Stamp {
        Stamp(ms, 0, device.to_owned())
    }

    fn listing(fr: &str, price: i64) -> ListingPayload {
        ListingPayload {
            title: LocalizedText {
                fr: Some(fr.to_owned()),
                ..LocalizedText::default()
            },
            price_centimes: price,
            updated_at_ms: 1,
            stock: Some(10),
            ..ListingPayload::default()
        }
    }

    #[test]
    fn two_devices_editing_different_fields_both_win() {
        let first = merge_upsert(
            None,
            &listing("Tapis", 100),
            &ListingField::ALL,
            &stamp(1, "a"),
            None,
        );
        // Device a changes the price at t=5; device b, offline, the title at t=3.
        let a = merge_upsert(
            Some((&first.content, &first.clocks, false)),
            &listing("Tapis", 250),
            &[ListingField::Price],
            &stamp(5, "a"),
            None,
        );
        let b = merge_upsert(
            Some((&a.content, &a.clocks, false)),
            &listing("Tapis berbère", 100),
            &[ListingField::Title],
            &stamp(3, "b"),
            None,
        );
        assert!(b.lost.is_empty());
        assert_eq!(b.content.price_centimes, 250);
        assert_eq!(b.content.title.fr.as_deref(), Some("Tapis berbère"));
    }

    #[test]
    fn the_later_clock_wins_a_field_whatever_the_arrival_order() {
        let base = merge_upsert(
            None,
            &listing("Tapis", 100),
            &ListingField::ALL,
            &stamp(1, "a"),
            None,
        );
        let late = merge_upsert(
            Some((&base.content, &base.clocks, false)),
            &listing("Tapis", 300),
            &[ListingField::Price],
            &stamp(9, "b"),
            None,
        );
        let early = merge_upsert(
            Some((&late.content, &late.clocks, false)),
            &listing("Tapis", 200),
            &[ListingField::Price],
            &stamp(4, "a"),
            None,
        );
        assert_eq!(early.lost, [ListingField::Price]);
        assert_eq!(early.content.price_centimes, 300);
        // Same clock reading on two devices: the device id decides, the
        // same way everywhere.
        let tie = merge_upsert(
            Some((&late.content, &late.clocks, false)),
            &listing("Tapis", 400),
            &[ListingField::Price],
            &stamp(9, "c"),
            None,
        );
        assert!(tie.lost.is_empty());
        assert_eq!(tie.content.price_centimes, 400);
    }

    #[test]
    fn stock_deltas_add_up() {
        let base = merge_upsert(
            None,
            &listing("Huile d'argan", 100),
            &ListingField::ALL,
            &stamp(1, "a"),
            None,
        );
        let sold_by_a = merge_upsert(
            Some((&base.content, &base.clocks, false)),
            &listing("Huile d'argan", 100),
            &[ListingField::Stock],
            &stamp(2, "a"),
            Some(-3),
        );
        let sold_by_b = merge_upsert(
            Some((&sold_by_a.content, &sold_by_a.clocks, false)),
            &listing("Huile d'argan", 100),
            &[ListingField::Stock],
            &stamp(2, "b"),
            Some(-2),
        );
        assert_eq!(sold_by_b.content.stock, Some(5));
        assert!(sold_by_b.lost.is_empty());
    }

    #[test]
    fn a_delete_later_than_an_edit_keeps_the_listing_deleted() {
        let base = merge_upsert(
            None,
            &listing("Bol", 100),
            &ListingField::ALL,
            &stamp(1, "a"),
            None,
        );
        let mut clocks = base.clocks.clone();
        assert!(delete_wins(&clocks, &stamp(5, "a")));
        mark_deleted(&mut clocks, &stamp(5, "a"));
        let stale = merge_upsert(
            Some((&base.content, &clocks, true)),
            &listing("Bol bleu", 100),
            &[ListingField::Title],
            &stamp(3, "b"),
            None,
        );
        assert!(stale.stays_deleted);
        let revival = merge_upsert(
            Some((&base.content, &clocks, true)),
            &listing("Bol bleu", 100),
            &[ListingField::Title],
            &stamp(7, "b"),
            None,
        );
        assert!(!revival.stays_deleted);
        assert_eq!(revival.content.title.fr.as_deref(), Some("Bol bleu"));
    }

    #[test]
    fn validation_checks_only_the_fields_set() {
        let mut no_title = ListingPayload {
            price_centimes: 5,
            ..ListingPayload::default()
        };
        assert!(validate(&mut no_title, &[ListingField::Price]));
        assert!(!validate(&mut no_title, &[ListingField::Title]));
        let mut blank = listing("   ", 5);
        assert!(!validate(&mut blank, &ListingField::ALL));
        let mut negative = listing("Tapis", -1);
        assert!(!validate(&mut negative, &[ListingField::Price]));
    }

    #[test]
    fn summed_stock_stays_within_the_limit() {
        let first = merge_upsert(
            None,
            &listing("Tapis", 100),
            &ListingField::ALL,
            &stamp(1, "a"),
            None,
        );
        let flooded = merge_upsert(
            Some((&first.content, &first.clocks, false)),
            &listing("Tapis", 100),
            &[ListingField::Stock],
            &stamp(2, "a"),
            Some(i64::MAX),
        );
        assert_eq!(flooded.content.stock, Some(MAX_STOCK));
        let drained = merge_upsert(
            Some((&flooded.content, &flooded.clocks, false)),
            &listing("Tapis", 100),
            &[ListingField::Stock],
            &stamp(3, "a"),
            Some(i64::MIN),
        );
        assert_eq!(drained.content.stock, Some(0));
    }
}
