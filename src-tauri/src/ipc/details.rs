//! The full listing editor's data: every field as text, the way the
//! manager sees and types it; the store parses and validates.

use serde::{Deserialize, Serialize};
use specta::Type;

use super::{AppError, ErrorField, ErrorReason};

/// Every editable field of a listing, as text. Empty means "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ListingDetails {
    pub title_ar: String,
    pub title_fr: String,
    pub title_en: String,
    pub description_ar: String,
    pub description_fr: String,
    pub description_en: String,
    /// A category key: `carpets`, `pottery`, …
    pub category: String,
    /// As typed: `4 500,50`, `٤٥٠٠`, `4500.00`.
    pub price: String,
    pub stock: String,
    /// A unit key: `piece`, `kg`, `litre`, `m2`.
    pub unit: String,
    pub dimensions: String,
    pub weight_grams: String,
    pub materials: String,
    pub origin: String,
    pub region: String,
    /// Comma-separated (`,` or the Arabic `،`).
    pub tags: String,
    /// A status key: `draft`, `ready`, `published`, `archived`.
    pub status: String,
    /// The artisan's name; a new name adds the artisan.
    pub artisan: String,
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn invalid(field: ErrorField, reason: ErrorReason) -> AppError {
    AppError::Validation { field, reason }
}

/// A whole number as typed (Eastern Arabic digits are digits too, spaces
/// are ignored); `None` when nothing was typed.
pub fn typed_number(value: &str) -> Result<Option<u32>, ErrorReason> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let ascii: String = value
        .chars()
        .map(|c| match c {
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect();
    if ascii.starts_with('-') {
        return Err(ErrorReason::Negative);
    }
    ascii
        .parse::<u32>()
        .map(Some)
        .map_err(|_| ErrorReason::NotANumber)
}

impl ListingDetails {
    /// What the editor shows for `listing`, whose artisan is called `artisan`.
    pub fn of(listing: &store::Listing, artisan: Option<&str>) -> ListingDetails {
        ListingDetails::of_input(&listing.to_input(), artisan)
    }

    /// What the editor shows for a listing holding `listing`.
    pub fn of_input(listing: &store::ListingInput, artisan: Option<&str>) -> ListingDetails {
        let cents = listing.price.centimes();
        ListingDetails {
            title_ar: text(&listing.titles.ar),
            title_fr: text(&listing.titles.fr),
            title_en: text(&listing.titles.en),
            description_ar: text(&listing.descriptions.ar),
            description_fr: text(&listing.descriptions.fr),
            description_en: text(&listing.descriptions.en),
            category: listing.category.as_str().to_owned(),
            price: if cents % 100 == 0 {
                (cents / 100).to_string()
            } else {
                format!("{}.{:02}", cents / 100, cents % 100)
            },
            stock: listing.stock.to_string(),
            unit: listing.unit.as_str().to_owned(),
            dimensions: text(&listing.dimensions),
            weight_grams: listing
                .weight_grams
                .map(|w| w.to_string())
                .unwrap_or_default(),
            materials: text(&listing.materials),
            origin: text(&listing.origin),
            region: text(&listing.region),
            tags: listing.tags.join(", "),
            status: listing.status.as_str().to_owned(),
            artisan: artisan.unwrap_or_default().to_owned(),
        }
    }

    /// The store's input for these details, keeping `photos`; the
    /// artisan is resolved by the caller. Checks what only text can get
    /// wrong (numbers, keys); the store checks the rest.
    pub fn to_input(
        &self,
        artisan: Option<store::ArtisanId>,
        photos: Vec<String>,
    ) -> Result<store::ListingInput, AppError> {
        let number = |value: &str, field| -> Result<Option<u32>, AppError> {
            typed_number(value).map_err(|reason| invalid(field, reason))
        };
        let key = |value: &str, field| -> Result<String, AppError> {
            let value = value.trim();
            if value.is_empty() {
                Err(invalid(field, ErrorReason::Required))
            } else {
                Ok(value.to_owned())
            }
        };
        let category = store::Category::parse(&key(&self.category, ErrorField::Category)?)
            .ok_or_else(|| invalid(ErrorField::Category, ErrorReason::Unknown))?;
        let unit = store::Unit::parse(&key(&self.unit, ErrorField::Unit)?)
            .ok_or_else(|| invalid(ErrorField::Unit, ErrorReason::Unknown))?;
        let status = store::Status::parse(&key(&self.status, ErrorField::Status)?)
            .ok_or_else(|| invalid(ErrorField::Status, ErrorReason::Unknown))?;
        Ok(store::ListingInput {
            titles: store::Titles {
                ar: optional(&self.title_ar),
                fr: optional(&self.title_fr),
                en: optional(&self.title_en),
            },
            descriptions: store::Localized {
                ar: optional(&self.description_ar),
                fr: optional(&self.description_fr),
                en: optional(&self.description_en),
            },
            category,
            price: store::Price::parse(&self.price)?,
            stock: number(&self.stock, ErrorField::Stock)?.unwrap_or(0),
            unit,
            dimensions: optional(&self.dimensions),
            weight_grams: number(&self.weight_grams, ErrorField::Weight)?,
            materials: optional(&self.materials),
            origin: optional(&self.origin),
            region: optional(&self.region),
            tags: self.tags.split([',', '،']).filter_map(optional).collect(),
            status,
            artisan,
            photos,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing() -> store::Listing {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
        let titles = store::Titles::from_single("Tapis Beni Ouarain");
        let new = store::NewListing::new(titles, store::Price::parse("4 500,50").unwrap()).unwrap();
        store.create_listing(new, 1).unwrap()
    }

    #[test]
    fn what_the_editor_shows_saves_back_unchanged() {
        let listing = listing();
        let details = ListingDetails::of(&listing, None);
        assert_eq!(details.price, "4500.50");
        assert_eq!(details.category, "other");
        let input = details.to_input(None, listing.photos.clone()).unwrap();
        assert_eq!(input, listing.to_input());
    }

    #[test]
    fn typed_numbers_tags_and_keys_are_read_or_refused_by_field() {
        let mut details = ListingDetails::of(&listing(), None);
        details.stock = "١٢".to_owned();
        details.weight_grams = " 12000 ".to_owned();
        details.tags = "berbère، laine, , fait main".to_owned();
        let input = details.to_input(None, Vec::new()).unwrap();
        assert_eq!(input.stock, 12);
        assert_eq!(input.weight_grams, Some(12_000));
        assert_eq!(input.tags, ["berbère", "laine", "fait main"]);

        let refused = |edit: fn(&mut ListingDetails)| {
            let mut d = details.clone();
            edit(&mut d);
            match d.to_input(None, Vec::new()) {
                Err(AppError::Validation { field, reason }) => (field, reason),
                other => panic!("{other:?}"),
            }
        };
        assert!(matches!(
            refused(|d| d.stock = "douze".into()),
            (ErrorField::Stock, ErrorReason::NotANumber)
        ));
        assert!(matches!(
            refused(|d| d.weight_grams = "-5".into()),
            (ErrorField::Weight, ErrorReason::Negative)
        ));
        assert!(matches!(
            refused(|d| d.category = "cars".into()),
            (ErrorField::Category, ErrorReason::Unknown)
        ));
        assert!(matches!(
            refused(|d| d.price = "abc".into()),
            (ErrorField::Price, ErrorReason::NotANumber)
        ));
    }
}

/// Fields of a listing where this laptop's edit lost to another laptop's
/// later one (`store::Conflict`): the listing with this laptop's values
/// (`mine`) beside the listing as it is (`current`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LostEdits {
    pub fields: Vec<ErrorField>,
    pub mine: ListingDetails,
    pub current: ListingDetails,
}
