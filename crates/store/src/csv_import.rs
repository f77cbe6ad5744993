//! CSV import in two steps: [`plan_import`] reads and validates every row
//! and writes nothing; [`Store::apply_import`] writes the valid rows once the
//! user has seen the report and confirmed.

use std::collections::HashMap;

use crate::error::{Error, Field, Reason, Result, ValidationError};
use crate::{Category, ListingId, ListingInput, Localized, NewListing, Price, Status, Store, Unit};

/// A row's problem: which row (1 = the header), which column, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub reason: Reason,
}

#[derive(Debug, Clone)]
pub struct PlannedRow {
    pub row: usize,
    /// Kept when the file carries ids (a Hanout export), so a re-import updates.
    pub id: Option<ListingId>,
    pub listing: NewListing,
    pub artisan: Option<String>,
}

/// What an import would do.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub valid: Vec<PlannedRow>,
    pub errors: Vec<RowError>,
    /// `utf-8` or `windows-1256`.
    pub encoding: &'static str,
    pub separator: char,
}

/// Reads a CSV file as Excel or LibreOffice writes it: `,` or `;` (or tab)
/// separated, UTF-8 with or without BOM, or Windows-1256 (Arabic Windows).
pub fn plan_import(bytes: &[u8]) -> Result<ImportPlan> {
    let (text, encoding) = decode(bytes);
    let separator = detect_separator(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator as u8)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Csv(e.to_string()))?
        .iter()
        .map(|h| canonical(h).to_owned())
        .collect();
    let column: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    if !["title_ar", "title_fr", "title_en"]
        .iter()
        .any(|c| column.contains_key(c))
        || !column.contains_key("price_mad")
    {
        return Err(Error::Csv("the first row must name the columns, with price_mad and at least one title_ar / title_fr / title_en".to_owned()));
    }

    let mut plan = ImportPlan {
        valid: Vec::new(),
        errors: Vec::new(),
        encoding,
        separator,
    };
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                plan.errors.push(RowError {
                    row,
                    column: String::new(),
                    reason: Reason::Unknown,
                });
                tracing::debug!(row, error = %e, "unreadable CSV row");
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |name: &str| {
            column
                .get(name)
                .and_then(|&i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        match parse_row(&get) {
            Ok((id, listing, artisan)) => plan.valid.push(PlannedRow {
                row,
                id,
                listing,
                artisan,
            }),
            Err((column, reason)) => plan.errors.push(RowError {
                row,
                column: column.to_owned(),
                reason,
            }),
        }
    }
    Ok(plan)
}

type RowResult =
    std::result::Result<(Option<ListingId>, NewListing, Option<String>), (&'static str, Reason)>;

fn parse_row(get: &dyn Fn(&str) -> Option<String>) -> RowResult {
    let id = match get("id") {
        Some(id) => Some(
            id.parse::<ListingId>()
                .map_err(|_| ("id", Reason::Unknown))?,
        ),
        None => None,
    };
    let price =
        Price::parse(&get("price_mad").unwrap_or_default()).map_err(|e| ("price_mad", e.reason))?;
    let mut input = ListingInput::quick(
        Localized {
            ar: get("title_ar"),
            fr: get("title_fr"),
            en: get("title_en"),
        },
        price,
    );
    input.descriptions = Localized {
        ar: get("description_ar"),
        fr: get("description_fr"),
        en: get("description_en"),
    };
    if let Some(c) = get("category") {
        input.category = Category::parse(&c).ok_or(("category", Reason::Unknown))?;
    }
    if let Some(u) = get("unit") {
        input.unit = Unit::parse(&u).ok_or(("unit", Reason::Unknown))?;
    }
    if let Some(s) = get("status") {
        input.status = Status::parse(&s).ok_or(("status", Reason::Unknown))?;
    }
    if let Some(s) = get("stock") {
        input.stock = parse_count(&s).map_err(|r| ("stock", r))?;
    }
    if let Some(w) = get("weight_g") {
        input.weight_grams = Some(parse_count(&w).map_err(|r| ("weight_g", r))?);
    }
    input.dimensions = get("dimensions");
    input.materials = get("materials");
    input.origin = get("origin");
    input.region = get("region");
    input.tags = get("tags")
        .map(|t| t.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    input.photos = get("photos")
        .map(|p| {
            p.split('|')
                .map(|f| f.trim().trim_end_matches(".jpg").to_owned())
                .filter(|f| !f.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let listing = NewListing::validate(input).map_err(|e| match e {
        Error::Validation(ValidationError { field, reason }) => (column_of(field), reason),
        _ => ("", Reason::Unknown),
    })?;
    Ok((id, listing, get("artisan")))
}

fn parse_count(s: &str) -> std::result::Result<u32, Reason> {
    let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.starts_with('-') {
        return Err(Reason::Negative);
    }
    let price = Price::parse(&digits).map_err(|e| e.reason)?;
    if price.centimes() % 100 != 0 {
        return Err(Reason::NotANumber);
    }
    u32::try_from(price.centimes() / 100).map_err(|_| Reason::TooLarge)
}

fn column_of(field: Field) -> &'static str {
    match field {
        Field::Title => "title_fr",
        Field::Description => "description_fr",
        Field::Price => "price_mad",
        Field::Weight => "weight_g",
        other => other.as_str(),
    }
}

/// Maps header spellings to Hanout's column names.
fn canonical(header: &str) -> &str {
    let h = header.trim().trim_start_matches('\u{feff}');
    match h.to_ascii_lowercase().as_str() {
        "materials_fr" | "materials" | "matériaux" => "materials",
        "price" | "prix" | "price_mad" => "price_mad",
        _ => COLUMN_NAMES
            .iter()
            .find(|c| c.eq_ignore_ascii_case(h))
            .copied()
            .unwrap_or(h),
    }
}

const COLUMN_NAMES: &[&str] = crate::csv_export::COLUMNS;

fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "utf-8");
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "utf-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1256.decode(bytes);
            (text.into_owned(), "windows-1256")
        }
    }
}

fn detect_separator(text: &str) -> char {
    let header = text.lines().next().unwrap_or("");
    [',', ';', '\t']
        .into_iter()
        .max_by_key(|sep| header.matches(*sep).count())
        .unwrap_or(',')
}

impl Store {
    /// Writes the plan's valid rows in one transaction, each with its outbox
    /// entry; creates artisans named in the file that do not exist yet.
    /// Rows whose id already exists update that listing.
    pub fn apply_import(&mut self, plan: &ImportPlan, now_ms: i64) -> Result<usize> {
        let mut artisan_ids = HashMap::new();
        for name in plan.valid.iter().filter_map(|r| r.artisan.as_deref()) {
            if artisan_ids.contains_key(name) {
                continue;
            }
            let artisan = match self.artisan_by_name(name)? {
                Some(a) => a,
                None => self.add_artisan(name, None, None, now_ms)?,
            };
            artisan_ids.insert(name.to_owned(), artisan.id);
        }
        let tx = self.conn.transaction()?;
        for row in &plan.valid {
            let mut input = row.listing.input().clone();
            input.artisan = row
                .artisan
                .as_deref()
                .and_then(|n| artisan_ids.get(n).copied());
            let listing = NewListing::validate(input)?;
            let id = row.id.unwrap_or_default();
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM listings WHERE id = ?1)",
                [id.to_string()],
                |r| r.get(0),
            )?;
            if exists {
                crate::listings::replace(&tx, id, &listing, now_ms)?;
            } else {
                crate::listings::insert(&tx, id, &listing, now_ms)?;
            }
        }
        tx.commit()?;
        Ok(plan.valid.len())
    }
}
