//! What a manager types about a product ([`ListingInput`]) and the
//! validated form the store writes ([`NewListing`]).

use crate::error::{Field, Reason, Result, ValidationError};
use crate::{ArtisanId, Category, Localized, Price, Status, Titles, Unit};

/// Everything a manager can say about a product, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingInput {
    pub titles: Titles,
    pub descriptions: Localized,
    pub category: Category,
    pub price: Price,
    pub stock: u32,
    pub unit: Unit,
    /// Free text, e.g. `200 × 300 cm`.
    pub dimensions: Option<String>,
    pub weight_grams: Option<u32>,
    pub materials: Option<String>,
    /// Town or village of origin.
    pub origin: Option<String>,
    pub region: Option<String>,
    pub tags: Vec<String>,
    pub status: Status,
    pub artisan: Option<ArtisanId>,
    /// SHA-256 hashes of the listing's photos, in order; the first is the cover.
    pub photos: Vec<String>,
}

impl ListingInput {
    /// A listing with only what the quick form asks for; the rest defaults.
    pub fn quick(titles: Titles, price: Price) -> ListingInput {
        ListingInput {
            titles,
            descriptions: Localized::default(),
            category: Category::Other,
            price,
            stock: 1,
            unit: Unit::Piece,
            dimensions: None,
            weight_grams: None,
            materials: None,
            origin: None,
            region: None,
            tags: Vec::new(),
            status: Status::Ready,
            artisan: None,
            photos: Vec::new(),
        }
    }
}

/// A listing that passed validation: the only thing the store will write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewListing(ListingInput);

impl NewListing {
    /// The quick form: a title and a price.
    pub fn new(titles: Titles, price: Price) -> Result<NewListing> {
        NewListing::validate(ListingInput::quick(titles, price))
    }

    pub fn validate(input: ListingInput) -> Result<NewListing> {
        const MAX_SHORT: usize = 200;
        let short = |field, value: Option<String>| -> Result<Option<String>, ValidationError> {
            let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            if value
                .as_ref()
                .is_some_and(|v| v.chars().count() > MAX_SHORT)
            {
                return Err(ValidationError {
                    field,
                    reason: Reason::TooLong,
                });
            }
            Ok(value)
        };
        let titles = input.titles.validated()?;
        let descriptions = input.descriptions.cleaned();
        descriptions.check_len(Field::Description, Localized::MAX_DESCRIPTION_CHARS)?;
        if input.stock > 1_000_000 {
            return Err(ValidationError {
                field: Field::Stock,
                reason: Reason::TooLarge,
            }
            .into());
        }
        if input.weight_grams.is_some_and(|w| w > 10_000_000) {
            return Err(ValidationError {
                field: Field::Weight,
                reason: Reason::TooLarge,
            }
            .into());
        }
        let tags: Vec<String> = input
            .tags
            .iter()
            .map(|t| t.trim().replace(',', " "))
            .filter(|t| !t.is_empty())
            .collect();
        if tags.len() > 30 || tags.iter().any(|t| t.chars().count() > 50) {
            return Err(ValidationError {
                field: Field::Tags,
                reason: Reason::TooLong,
            }
            .into());
        }
        Ok(NewListing(ListingInput {
            titles,
            descriptions,
            dimensions: short(Field::Dimensions, input.dimensions)?,
            materials: short(Field::Materials, input.materials)?,
            origin: short(Field::Origin, input.origin)?,
            region: short(Field::Origin, input.region)?,
            tags,
            ..input
        }))
    }

    pub fn input(&self) -> &ListingInput {
        &self.0
    }
}
