//! `hanout sale`, `hanout restock`, `hanout sales`: the stand's till, with
//! the rules of `store::sales`.

use std::path::Path;

use anyhow::Result;
use serde_json::json;

use super::{DataDir, now_ms};
use crate::messages::{UsageError, pick};
use crate::output::{Outcome, Output};

pub fn sale(
    data: &DataDir,
    id: Option<&str>,
    qty: u32,
    price: Option<&str>,
    note: Option<&str>,
    undo: bool,
    out: &Output,
) -> Result<Outcome> {
    let (_lock, mut store) = data.write()?;
    if undo {
        let undone = store.undo_last_sale(now_ms())?;
        match undone {
            Some(s) => out.print(
                || {
                    format!(
                        "{} {} × {}",
                        pick(out.lang, "أُلغي البيع:", "vente annulée :", "sale undone:"),
                        s.quantity,
                        s.title
                    )
                },
                json!({ "undone": sale_json(&s) }),
            ),
            None => out.print(
                || {
                    pick(
                        out.lang,
                        "لا بيع لإلغائه",
                        "aucune vente à annuler",
                        "no sale to undo",
                    )
                    .to_owned()
                },
                json!({ "undone": null }),
            ),
        }
        return Ok(Outcome::Ok);
    }
    let id: store::ListingId = id.unwrap_or_default().parse()?;
    let price = price.map(store::Price::parse).transpose()?;
    let sale = store.record_sale(id, qty, price, note, now_ms())?;
    let left = store.listing(id)?.map_or(0, |l| l.stock);
    out.print(
        || {
            let mut text = format!(
                "{} {} × {} = {} MAD",
                pick(out.lang, "بيع:", "vente :", "sale:"),
                sale.quantity,
                sale.title,
                mad(sale.total_centimes())
            );
            text.push_str(&format!(
                "\n{}: {left}",
                pick(out.lang, "المتبقي", "reste", "left")
            ));
            if left == 0 {
                text.push_str(&format!(
                    " — {}",
                    pick(out.lang, "نفد", "épuisé", "sold out")
                ));
            }
            text
        },
        json!({ "sale": sale_json(&sale), "stock_left": left, "sold_out": left == 0 }),
    );
    Ok(Outcome::Ok)
}

pub fn restock(data: &DataDir, id: &str, qty: u32, out: &Output) -> Result<Outcome> {
    let (_lock, mut store) = data.write()?;
    let id: store::ListingId = id.parse()?;
    let stock = store.add_stock(id, qty, now_ms())?;
    out.print(
        || format!("{}: {stock}", pick(out.lang, "المخزون", "stock", "stock")),
        json!({ "id": id.to_string(), "stock": stock }),
    );
    Ok(Outcome::Ok)
}

pub fn journal(
    data: &DataDir,
    day: Option<&str>,
    csv: Option<&Path>,
    out: &Output,
) -> Result<Outcome> {
    let store = data.read()?;
    let (label, from, to) = day_bounds(day, out)?;
    let journal = store.journal(from, to)?;
    if let Some(file) = csv {
        let f = std::fs::File::create(file)?;
        store.export_sales_csv(from, to, std::io::BufWriter::new(f))?;
    }
    out.print(
        || {
            let mut text = format!(
                "{label} — {}: {}  {}: {}  {}: {} MAD",
                pick(out.lang, "عدد المبيعات", "ventes", "sales"),
                journal.count,
                pick(out.lang, "الوحدات", "unités", "units"),
                journal.units,
                pick(out.lang, "المجموع", "total", "total"),
                mad(journal.total_centimes)
            );
            for line in &journal.by_listing {
                text.push_str(&format!(
                    "\n  {} × {}  {} MAD{}",
                    line.units,
                    line.title,
                    mad(line.total_centimes),
                    if line.sold_out {
                        format!(" — {}", pick(out.lang, "نفد", "épuisé", "sold out"))
                    } else {
                        String::new()
                    }
                ));
            }
            text
        },
        json!({
            "day": label,
            "count": journal.count,
            "units": journal.units,
            "total_centimes": journal.total_centimes,
            "total_mad": mad(journal.total_centimes),
            "by_listing": journal.by_listing.iter().map(|l| json!({
                "id": l.listing_id.to_string(),
                "title": l.title,
                "units": l.units,
                "total_mad": mad(l.total_centimes),
                "sold_out": l.sold_out,
            })).collect::<Vec<_>>(),
            "sold_out": journal.by_listing.iter().filter(|l| l.sold_out).map(|l| l.listing_id.to_string()).collect::<Vec<_>>(),
            "sales": journal.sales.iter().map(sale_json).collect::<Vec<_>>(),
        }),
    );
    Ok(Outcome::Ok)
}

/// `YYYY-MM-DD` and its bounds in ms on this computer's clock (UTC when
/// the system does not say its offset).
fn day_bounds(day: Option<&str>, out: &Output) -> Result<(String, i64, i64)> {
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let date = match day {
        Some(text) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(text, &format).map_err(|_| {
                UsageError(
                    pick(
                        out.lang,
                        "اليوم بصيغة YYYY-MM-DD",
                        "le jour au format AAAA-MM-JJ",
                        "the day as YYYY-MM-DD",
                    )
                    .to_owned(),
                )
            })?
        }
        None => time::OffsetDateTime::now_utc().to_offset(offset).date(),
    };
    let start = date.midnight().assume_offset(offset).unix_timestamp() * 1000;
    Ok((date.to_string(), start, start + 86_400_000))
}

fn mad(centimes: i64) -> String {
    format!("{}.{:02}", centimes / 100, centimes % 100)
}

fn sale_json(s: &store::Sale) -> serde_json::Value {
    json!({
        "id": s.id.to_string(),
        "listing_id": s.listing_id.to_string(),
        "title": s.title,
        "quantity": s.quantity,
        "unit_price_mad": mad(s.unit_price.centimes()),
        "total_mad": mad(s.total_centimes()),
        "note": s.note,
        "sold_at_ms": s.sold_at_ms,
        "undone": s.undone,
    })
}
