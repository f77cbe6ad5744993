//! Selling at the stand: a sale takes units off the stock (a stock delta
//! that syncs like any edit, so two laptops selling the same day both
//! count), is written in the day's journal with what was paid, and can be
//! undone; stock delivered is added the same way.

use std::io::Write;

use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::error::{Error, Field, Reason, Result, ValidationError};
use crate::listings::{listing_in, replace};
use crate::{ListingId, NewListing, Price, Store};

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub id: Uuid,
    pub listing_id: ListingId,
    pub title: String,
    pub quantity: u32,
    pub unit_price: Price,
    pub note: Option<String>,
    pub sold_at_ms: i64,
    pub undone: bool,
}

impl Sale {
    pub fn total_centimes(&self) -> i64 {
        self.unit_price.centimes() * i64::from(self.quantity)
    }
}

/// A day's sales (those not undone), per listing and in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Journal {
    pub sales: Vec<Sale>,
    /// `(listing, title, units, total centimes, sold out now)`, most sold first.
    pub by_listing: Vec<JournalLine>,
    pub count: usize,
    pub units: u64,
    pub total_centimes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine {
    pub listing_id: ListingId,
    pub title: String,
    pub units: u64,
    pub total_centimes: i64,
    pub sold_out: bool,
}

const MAX_NOTE_CHARS: usize = 200;

impl Store {
    /// Records a sale of `quantity` units of `id` at `unit_price` (the
    /// listing's price when `None`): the stock goes down by `quantity` (a
    /// stock delta that syncs), the journal gets the sale. Refused when the
    /// stock here is smaller than `quantity`.
    pub fn record_sale(
        &mut self,
        id: ListingId,
        quantity: u32,
        unit_price: Option<Price>,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<Sale> {
        if quantity == 0 {
            return Err(invalid(Field::Stock, Reason::Required));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
            return Err(invalid(Field::Description, Reason::TooLong));
        }
        let tx = self.conn.transaction()?;
        let listing = listing_in(&tx, id)?
            .filter(|l| !l.deleted)
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        if listing.stock < quantity {
            return Err(invalid(Field::Stock, Reason::TooLarge));
        }
        let mut input = listing.to_input();
        input.stock -= quantity;
        replace(&tx, id, &NewListing::validate(input)?, now_ms)?;
        let sale = Sale {
            id: Uuid::now_v7(),
            listing_id: id,
            title: listing.titles.iter().next().unwrap_or_default().to_owned(),
            quantity,
            unit_price: unit_price.unwrap_or(listing.price),
            note: note.map(str::to_owned),
            sold_at_ms: now_ms,
            undone: false,
        };
        tx.execute(
            "INSERT INTO sales (id, listing_id, quantity, unit_price_centimes, note, sold_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            (
                sale.id.to_string(),
                id.to_string(),
                quantity,
                sale.unit_price.centimes(),
                &sale.note,
                now_ms,
            ),
        )?;
        tx.commit()?;
        Ok(sale)
    }

    /// Adds `quantity` delivered units to the stock (a stock delta that syncs).
    pub fn add_stock(&mut self, id: ListingId, quantity: u32, now_ms: i64) -> Result<u32> {
        let tx = self.conn.transaction()?;
        let listing = listing_in(&tx, id)?
            .filter(|l| !l.deleted)
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let mut input = listing.to_input();
        input.stock = input
            .stock
            .checked_add(quantity)
            .ok_or_else(|| invalid(Field::Stock, Reason::TooLarge))?;
        let stock = input.stock;
        replace(&tx, id, &NewListing::validate(input)?, now_ms)?;
        tx.commit()?;
        Ok(stock)
    }

    /// Undoes the latest sale not undone yet: its units go back to the
    /// stock (a stock delta that syncs) and it leaves the journal's totals.
    /// `None`: nothing to undo.
    pub fn undo_last_sale(&mut self, now_ms: i64) -> Result<Option<Sale>> {
        let tx = self.conn.transaction()?;
        let last: Option<(String, String, u32)> = tx
            .query_row(
                "SELECT id, listing_id, quantity FROM sales WHERE undone_at_ms IS NULL
                 ORDER BY sold_at_ms DESC, id DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let Some((sale_id, listing_id, quantity)) = last else {
            return Ok(None);
        };
        let id: ListingId = listing_id.parse()?;
        if let Some(listing) = listing_in(&tx, id)?.filter(|l| !l.deleted) {
            let mut input = listing.to_input();
            input.stock = input.stock.saturating_add(quantity);
            replace(&tx, id, &NewListing::validate(input)?, now_ms)?;
        }
        tx.execute(
            "UPDATE sales SET undone_at_ms = ?2 WHERE id = ?1",
            (&sale_id, now_ms),
        )?;
        tx.commit()?;
        let sale = self.sales_between(i64::MIN, i64::MAX)?;
        Ok(sale.into_iter().find(|s| s.id.to_string() == sale_id))
    }

    /// Every sale (undone ones too) with `from_ms <= sold_at_ms < to_ms`, oldest first.
    pub fn sales_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Sale>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id, s.listing_id, coalesce(l.title_ar, l.title_fr, l.title_en, ''),
                    s.quantity, s.unit_price_centimes, s.note, s.sold_at_ms, s.undone_at_ms IS NOT NULL
             FROM sales s JOIN listings l ON l.id = s.listing_id
             WHERE s.sold_at_ms >= ?1 AND s.sold_at_ms < ?2
             ORDER BY s.sold_at_ms, s.id",
        )?;
        let rows = stmt
            .query_map((from_ms, to_ms), |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, u32>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, i64>(6)?,
                    row.get::<_, bool>(7)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(
                |(id, listing, title, quantity, centimes, note, at, undone)| {
                    Ok(Sale {
                        id: Uuid::parse_str(&id).map_err(|_| Error::NotFound(id.clone()))?,
                        listing_id: listing.parse()?,
                        title,
                        quantity,
                        unit_price: Price::from_centimes(centimes)?,
                        note,
                        sold_at_ms: at,
                        undone,
                    })
                },
            )
            .collect()
    }

    /// The journal of the sales with `from_ms <= sold_at_ms < to_ms` (a day).
    pub fn journal(&self, from_ms: i64, to_ms: i64) -> Result<Journal> {
        let sales = self.sales_between(from_ms, to_ms)?;
        let mut journal = Journal::default();
        for sale in sales.iter().filter(|s| !s.undone) {
            journal.count += 1;
            journal.units += u64::from(sale.quantity);
            journal.total_centimes += sale.total_centimes();
            match journal
                .by_listing
                .iter_mut()
                .find(|l| l.listing_id == sale.listing_id)
            {
                Some(line) => {
                    line.units += u64::from(sale.quantity);
                    line.total_centimes += sale.total_centimes();
                }
                None => journal.by_listing.push(JournalLine {
                    listing_id: sale.listing_id,
                    title: sale.title.clone(),
                    units: u64::from(sale.quantity),
                    total_centimes: sale.total_centimes(),
                    sold_out: false,
                }),
            }
        }
        for line in &mut journal.by_listing {
            line.sold_out = self
                .listing(line.listing_id)?
                .is_some_and(|l| !l.deleted && l.stock == 0);
        }
        journal.by_listing.sort_by(|a, b| {
            b.units
                .cmp(&a.units)
                .then(b.total_centimes.cmp(&a.total_centimes))
        });
        journal.sales = sales;
        Ok(journal)
    }

    /// Writes the sales of `[from_ms, to_ms)` as CSV, as the catalogue
    /// export does (UTF-8 with a BOM, `,`): one row per sale, undone ones
    /// marked. Text that a spreadsheet would take for a formula is quoted
    /// with a leading `'`.
    pub fn export_sales_csv(&self, from_ms: i64, to_ms: i64, out: impl Write) -> Result<usize> {
        let sales = self.sales_between(from_ms, to_ms)?;
        let mut out = out;
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut writer = csv::Writer::from_writer(out);
        let csv_err = |e: csv::Error| Error::Csv(e.to_string());
        writer
            .write_record([
                "sold_at_ms",
                "listing_id",
                "title",
                "quantity",
                "unit_price_mad",
                "total_mad",
                "note",
                "undone",
            ])
            .map_err(csv_err)?;
        for s in &sales {
            writer
                .write_record([
                    s.sold_at_ms.to_string(),
                    s.listing_id.to_string(),
                    spreadsheet_safe(&s.title),
                    s.quantity.to_string(),
                    mad(s.unit_price.centimes()),
                    mad(s.total_centimes()),
                    spreadsheet_safe(s.note.as_deref().unwrap_or("")),
                    if s.undone { "yes" } else { "" }.to_owned(),
                ])
                .map_err(csv_err)?;
        }
        writer.flush()?;
        Ok(sales.len())
    }
}

fn mad(centimes: i64) -> String {
    format!("{}.{:02}", centimes / 100, centimes % 100)
}

fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn invalid(field: Field, reason: Reason) -> Error {
    ValidationError { field, reason }.into()
}
