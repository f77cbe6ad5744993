//! What a local edit changed, as the server merges it: the wire fields it
//! set and the stock it added or sold. Pure.

use std::collections::BTreeMap;

use protocol::{Hlc, ListingField, StockPart};
use uuid::Uuid;

use crate::{Listing, ListingInput};

/// The fields `new` sets differently from `old`. Photos are not a listing
/// field on the wire (they go by their own request): an edit of only
/// photos sets none.
pub fn changed_fields(old: &Listing, new: &ListingInput) -> Vec<ListingField> {
    let mut fields = Vec::new();
    let mut check = |field, differs: bool| {
        if differs {
            fields.push(field);
        }
    };
    check(ListingField::Title, old.titles != new.titles);
    check(ListingField::Price, old.price != new.price);
    check(
        ListingField::Description,
        old.descriptions != new.descriptions,
    );
    check(ListingField::Category, old.category != new.category);
    check(ListingField::Stock, old.stock != new.stock);
    check(ListingField::Unit, old.unit != new.unit);
    check(ListingField::Dimensions, old.dimensions != new.dimensions);
    check(
        ListingField::WeightGrams,
        old.weight_grams != new.weight_grams,
    );
    check(ListingField::Materials, old.materials != new.materials);
    check(ListingField::Origin, old.origin != new.origin);
    check(ListingField::Region, old.region != new.region);
    check(ListingField::Tags, old.tags != new.tags);
    check(ListingField::Artisan, old.artisan != new.artisan);
    check(ListingField::Status, old.status != new.status);
    fields
}

/// A listing field's wire name: `title`, `price`, `weight_grams`…
pub fn field_name(field: ListingField) -> &'static str {
    match field {
        ListingField::Title => "title",
        ListingField::Price => "price",
        ListingField::Description => "description",
        ListingField::Category => "category",
        ListingField::Stock => "stock",
        ListingField::Unit => "unit",
        ListingField::Dimensions => "dimensions",
        ListingField::WeightGrams => "weight_grams",
        ListingField::Materials => "materials",
        ListingField::Origin => "origin",
        ListingField::Region => "region",
        ListingField::Tags => "tags",
        ListingField::Artisan => "artisan",
        ListingField::Status => "status",
    }
}

/// The field with wire name `name`.
pub fn parse_field(name: &str) -> Option<ListingField> {
    ListingField::ALL
        .into_iter()
        .find(|&f| field_name(f) == name)
}

/// What one outbox row records about its edit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Edit {
    /// `None`: every field (a new listing, a delete).
    pub fields: Option<Vec<ListingField>>,
    pub stock_delta: Option<i64>,
}

impl Edit {
    pub(crate) fn whole() -> Edit {
        Edit::default()
    }

    pub(crate) fn between(old: &Listing, new: &ListingInput) -> Edit {
        let fields = changed_fields(old, new);
        let stock_delta = fields
            .contains(&ListingField::Stock)
            .then(|| i64::from(new.stock) - i64::from(old.stock));
        Edit {
            fields: Some(fields),
            stock_delta,
        }
    }

    pub(crate) fn fields_text(&self) -> Option<String> {
        self.fields.as_ref().map(|fields| {
            fields
                .iter()
                .map(|&f| field_name(f))
                .collect::<Vec<_>>()
                .join(",")
        })
    }
}

/// One pending outbox row, as folding reads it.
pub(crate) struct Row {
    pub change_id: Uuid,
    /// The fields it set, comma-separated (`None`: all of them: a new
    /// listing).
    pub fields: Option<String>,
    pub stock_delta: Option<i64>,
    /// Its clock reading (`None`: a row from before clocks).
    pub hlc: Option<Hlc>,
}

/// The edits of the rows folded into one push, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Folded {
    /// The union of their fields (a new listing's row makes all).
    pub fields: Option<Vec<ListingField>>,
    /// The sum of their stock deltas, or, for a new listing, of those made
    /// after it was created (none: the stock is sent whole).
    pub stock_delta: Option<i64>,
    /// Per field, the clock of the newest row that set it, when the rows
    /// set fields at different readings (`None`: all at the newest).
    pub field_hlcs: Option<BTreeMap<ListingField, Hlc>>,
    /// The rows that set the stock, when more than the newest did: the
    /// server counts each once, however the edits were folded.
    pub stock_parts: Vec<StockPart>,
}

/// Folds `rows` (oldest first) into one change.
pub(crate) fn fold(rows: &[Row]) -> Folded {
    let mut union: Vec<ListingField> = Vec::new();
    let mut all = false;
    // Deltas since the last whole stock (a new listing's).
    let mut delta: Option<i64> = None;
    let mut clocks: BTreeMap<ListingField, Hlc> = BTreeMap::new();
    let mut parts = Vec::new();
    for row in rows {
        let fields: Vec<ListingField> = match &row.fields {
            None => {
                all = true;
                delta = None;
                parts.push(StockPart {
                    change_id: row.change_id,
                    delta: None,
                });
                ListingField::ALL.to_vec()
            }
            Some(fields) => fields.split(',').filter_map(parse_field).collect(),
        };
        if row.fields.is_some() && fields.contains(&ListingField::Stock) {
            let d = row.stock_delta.unwrap_or(0);
            delta = Some(delta.unwrap_or(0).saturating_add(d));
            parts.push(StockPart {
                change_id: row.change_id,
                delta: Some(d),
            });
        }
        for field in fields {
            if !union.contains(&field) {
                union.push(field);
            }
            match row.hlc {
                Some(hlc) => {
                    clocks.insert(field, hlc);
                }
                None => {
                    clocks.remove(&field);
                }
            }
        }
    }
    union.sort();
    let newest = rows.last();
    let newest_hlc = newest.and_then(|r| r.hlc);
    let field_hlcs = (clocks.values().any(|&at| Some(at) != newest_hlc)).then_some(clocks);
    // A lone part that is the change itself needs no naming: the change's
    // id already counts it once.
    if parts.len() == 1 && newest.is_some_and(|r| r.change_id == parts[0].change_id) {
        parts.clear();
    }
    Folded {
        fields: (!all).then_some(union),
        stock_delta: delta,
        field_hlcs,
        stock_parts: parts,
    }
}
