//! What a local edit changed, as the server merges it: the wire fields it
//! set and the stock it added or sold. Pure.

use protocol::ListingField;

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

/// The edits of the rows folded into one push, oldest first: the union of
/// their fields (any "all" makes all) and the sum of their stock deltas
/// (none when the stock is sent whole).
pub(crate) fn fold(
    rows: &[(Option<String>, Option<i64>)],
) -> (Option<Vec<ListingField>>, Option<i64>) {
    let mut union: Vec<ListingField> = Vec::new();
    let mut delta = 0i64;
    for (fields, row_delta) in rows {
        let Some(fields) = fields else {
            return (None, None);
        };
        for field in fields.split(',').filter_map(parse_field) {
            if !union.contains(&field) {
                union.push(field);
            }
        }
        delta = delta.saturating_add(row_delta.unwrap_or(0));
    }
    union.sort();
    let stock_delta = union.contains(&ListingField::Stock).then_some(delta);
    (Some(union), stock_delta)
}
