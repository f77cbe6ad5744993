use anyhow::Result;
use serde_json::{Value, json};

use super::{DataDir, now_ms};
use crate::args::{Filters, ListingCommand, ListingFields};
use crate::messages::{UsageError, pick};
use crate::output::{Outcome, Output};

pub fn run(data: &DataDir, cmd: &ListingCommand, out: &Output) -> Result<Outcome> {
    match cmd {
        ListingCommand::Add(fields) => {
            let (_lock, mut store) = data.write()?;
            let price = fields.price.as_deref().ok_or_else(|| usage(out, "price"))?;
            let mut input =
                store::ListingInput::quick(store::Titles::default(), store::Price::parse(price)?);
            apply(fields, &mut input, out)?;
            if input.titles.is_empty() {
                return Err(usage(out, "title"));
            }
            let listing = store.create_listing(store::NewListing::validate(input)?, now_ms())?;
            show(out, &listing);
        }
        ListingCommand::Edit { id, fields } => {
            let (_lock, mut store) = data.write()?;
            let id: store::ListingId = id.parse()?;
            let current = store
                .listing(id)?
                .ok_or_else(|| store::Error::NotFound(id.to_string()))?;
            let mut input = current.to_input();
            apply(fields, &mut input, out)?;
            let listing =
                store.update_listing(id, store::NewListing::validate(input)?, now_ms())?;
            show(out, &listing);
        }
        ListingCommand::Archive { id } => {
            let (_lock, mut store) = data.write()?;
            let id: store::ListingId = id.parse()?;
            let current = store
                .listing(id)?
                .ok_or_else(|| store::Error::NotFound(id.to_string()))?;
            let mut input = current.to_input();
            input.status = store::Status::Archived;
            let listing =
                store.update_listing(id, store::NewListing::validate(input)?, now_ms())?;
            show(out, &listing);
        }
        ListingCommand::Remove { id } => {
            let (_lock, mut store) = data.write()?;
            let id: store::ListingId = id.parse()?;
            let removal = store.remove_listing(id, now_ms())?;
            let (key, text) = match removal {
                store::Removal::Deleted => (
                    "deleted",
                    pick(
                        out.lang,
                        "حُذف نهائيًا (لم يصل إلى السوق قط)",
                        "supprimée définitivement (elle n'avait jamais atteint la marketplace)",
                        "deleted for good (it never reached the marketplace)",
                    ),
                ),
                store::Removal::Archived => (
                    "archived",
                    pick(
                        out.lang,
                        "أُرشف: سيُسحب من السوق عند المزامنة القادمة",
                        "archivée : elle quittera la marketplace à la prochaine synchronisation",
                        "archived: it leaves the marketplace at the next sync",
                    ),
                ),
            };
            out.print(
                || format!("{id}: {text}"),
                serde_json::json!({ "id": id.to_string(), "removed": key }),
            );
        }
        ListingCommand::Show { id } => {
            let store = data.read()?;
            let id: store::ListingId = id.parse()?;
            let listing = store
                .listing(id)?
                .ok_or_else(|| store::Error::NotFound(id.to_string()))?;
            let ledger = store.ledger(id)?;
            let market = store.setting(store::SettingKey::MarketUrl)?;
            let ledger = ledger_json(data, &listing, &ledger, market.as_deref());
            let conflicts = store.conflicts(id)?;
            out.print(
                || {
                    let mut text =
                        format!("{}\n  {}", line(out, &listing), ledger_line(out, &ledger));
                    if !conflicts.is_empty() {
                        text = format!("{text}\n{}", super::conflicts::lines(out, id, &conflicts));
                    }
                    text
                },
                json!({
                    "listing": listing_json(&listing),
                    "ledger": ledger,
                    "conflicts": super::conflicts::json(&conflicts),
                }),
            );
        }
        ListingCommand::TakeBack { id, fields } | ListingCommand::KeepTheirs { id, fields } => {
            let take_back = matches!(cmd, ListingCommand::TakeBack { .. });
            let (_lock, mut store) = data.write()?;
            let id: store::ListingId = id.parse()?;
            let wanted = super::conflicts::fields(fields, out)?;
            let open = store.conflicts(id)?;
            let chosen: Vec<_> = open
                .iter()
                .filter(|c| wanted.as_ref().is_none_or(|w| w.contains(&c.field)))
                .map(|c| c.field)
                .collect();
            if chosen.is_empty() {
                let text = pick(
                    out.lang,
                    "لا يوجد تعديل مفقود لهذا الإعلان",
                    "aucune modification perdue sur cette annonce",
                    "no lost edit on this listing",
                );
                return Err(UsageError(format!("{id}: {text}")).into());
            }
            for &field in &chosen {
                if take_back {
                    store.take_back(id, field, now_ms())?;
                } else {
                    store.keep_theirs(id, field)?;
                }
            }
            let listing = store
                .listing(id)?
                .ok_or_else(|| store::Error::NotFound(id.to_string()))?;
            let names: Vec<&str> = chosen.iter().map(|&f| store::field_name(f)).collect();
            let done = if take_back {
                pick(
                    out.lang,
                    "استُرجعت قيمتك، وستُرسل في المزامنة القادمة",
                    "votre valeur est reprise et partira à la prochaine synchronisation",
                    "your value is back and goes out at the next sync",
                )
            } else {
                pick(
                    out.lang,
                    "احتُفظ بقيمة الحاسوب الآخر",
                    "la valeur de l'autre ordinateur est gardée",
                    "the other laptop's value is kept",
                )
            };
            out.print(
                || {
                    let fields: Vec<&str> = chosen
                        .iter()
                        .map(|&f| super::conflicts::field(out.lang, f))
                        .collect();
                    format!(
                        "{} ({}): {done}\n{}",
                        id,
                        fields.join(", "),
                        line(out, &listing)
                    )
                },
                json!({
                    "listing": listing_json(&listing),
                    "fields": names,
                    "taken_back": take_back,
                }),
            );
        }
        ListingCommand::List(filters) => list(out, &data.read()?, None, filters)?,
        ListingCommand::Search { query, filters } => {
            list(out, &data.read()?, Some(query.clone()), filters)?
        }
    }
    Ok(Outcome::Ok)
}

fn usage(out: &Output, what: &str) -> anyhow::Error {
    let message = match what {
        "price" => pick(
            out.lang,
            "أعطِ السعر: ‎--price 4500",
            "indiquez le prix : --price 4500",
            "give the price: --price 4500",
        ),
        _ => pick(
            out.lang,
            "أعطِ عنوانًا واحدًا على الأقل: ‎--title-ar‎ أو ‎--title-fr‎ أو ‎--title-en",
            "indiquez au moins un titre : --title-ar, --title-fr ou --title-en",
            "give at least one title: --title-ar, --title-fr or --title-en",
        ),
    };
    UsageError(message.to_owned()).into()
}

/// Overwrites `input` with the fields given on the command line.
fn apply(fields: &ListingFields, input: &mut store::ListingInput, out: &Output) -> Result<()> {
    let unknown = |field| store::ValidationError {
        field,
        reason: store::Reason::Unknown,
    };
    if let Some(t) = &fields.title_ar {
        input.titles.ar = Some(t.clone());
    }
    if let Some(t) = &fields.title_fr {
        input.titles.fr = Some(t.clone());
    }
    if let Some(t) = &fields.title_en {
        input.titles.en = Some(t.clone());
    }
    if let Some(p) = &fields.price {
        input.price = store::Price::parse(p)?;
    }
    if let Some(c) = &fields.category {
        input.category = store::Category::parse(c).ok_or(unknown(store::Field::Category))?;
    }
    if let Some(u) = &fields.unit {
        input.unit = store::Unit::parse(u).ok_or(unknown(store::Field::Unit))?;
    }
    if let Some(s) = &fields.status {
        input.status = store::Status::parse(s).ok_or(unknown(store::Field::Status))?;
    }
    if let Some(s) = fields.stock {
        input.stock = s;
    }
    if let Some(add) = fields.stock_add {
        let stock = (i64::from(input.stock) + add).clamp(0, i64::from(u32::MAX));
        input.stock = u32::try_from(stock).unwrap_or(u32::MAX);
    }
    for (sha, cover) in [(&fields.photo_remove, false), (&fields.photo_cover, true)] {
        let Some(sha) = sha else { continue };
        let sha = sha.trim().to_ascii_lowercase();
        let Some(at) = input.photos.iter().position(|p| *p == sha) else {
            let text = pick(
                out.lang,
                "ليست صورة من صور هذا الإعلان",
                "n'est pas une photo de cette annonce",
                "is not a photo of this listing",
            );
            return Err(UsageError(format!("{sha}: {text}")).into());
        };
        let photo = input.photos.remove(at);
        if cover {
            input.photos.insert(0, photo);
        }
    }
    if let Some(o) = &fields.origin {
        input.origin = Some(o.clone());
    }
    if let Some(r) = &fields.region {
        input.region = Some(r.clone());
    }
    if let Some(m) = &fields.materials {
        input.materials = Some(m.clone());
    }
    if let Some(t) = &fields.tags {
        input.tags = t.split(',').map(str::to_owned).collect();
    }
    Ok(())
}

fn list(out: &Output, store: &store::Store, text: Option<String>, filters: &Filters) -> Result<()> {
    let unknown = |field| store::ValidationError {
        field,
        reason: store::Reason::Unknown,
    };
    let query = store::SearchQuery {
        text,
        status: filters
            .status
            .as_deref()
            .map(|s| store::Status::parse(s).ok_or(unknown(store::Field::Status)))
            .transpose()?,
        category: filters
            .category
            .as_deref()
            .map(|c| store::Category::parse(c).ok_or(unknown(store::Field::Category)))
            .transpose()?,
        limit: filters.limit,
        ..store::SearchQuery::default()
    };
    let listings = store.search(&query)?;
    out.print(
        || {
            listings
                .iter()
                .map(|l| line(out, l))
                .collect::<Vec<_>>()
                .join("\n")
        },
        json!({ "listings": listings.iter().map(listing_json).collect::<Vec<_>>() }),
    );
    Ok(())
}

fn show(out: &Output, listing: &store::Listing) {
    out.print(
        || line(out, listing),
        json!({ "listing": listing_json(listing) }),
    );
}

/// Where a listing stands with the marketplace (`store::Ledger`), with the
/// bytes still to send and the public link once live.
pub fn ledger_json(
    data: &DataDir,
    l: &store::Listing,
    ledger: &store::Ledger,
    market: Option<&str>,
) -> Value {
    let bytes_waiting =
        photos::files_bytes(&data.dir, ledger.files_waiting.iter().map(String::as_str));
    let reason = match &ledger.state {
        store::LedgerState::Rejected { reason } => reason.clone(),
        _ => None,
    };
    let public_url = (ledger.state == store::LedgerState::Live)
        .then(|| market.map(|m| format!("{}/l/{}", m.trim_end_matches('/'), l.id)))
        .flatten();
    json!({
        "state": ledger.state.key(),
        "reason": reason,
        "status": l.status.as_str(),
        "text_waiting": ledger.text_waiting,
        "photos_total": ledger.photos_total,
        "photos_on_market": ledger.photos_on_market,
        "bytes_waiting": bytes_waiting,
        "public_url": public_url,
    })
}

pub fn ledger_line(out: &Output, ledger: &Value) -> String {
    let n = |k: &str| ledger[k].as_u64().unwrap_or(0);
    let photos = format!(
        "{} {} / {}",
        pick(
            out.lang,
            "صور في السوق",
            "photos sur la marketplace",
            "photos on the marketplace"
        ),
        n("photos_on_market"),
        n("photos_total")
    );
    let state = match ledger["state"].as_str().unwrap_or_default() {
        "waiting" => format!(
            "{} ({} KB)",
            pick(out.lang, "في الانتظار", "en attente", "waiting"),
            n("bytes_waiting").div_ceil(1024)
        ),
        "in_review" => pick(
            out.lang,
            "قيد المراجعة",
            "en cours de vérification",
            "in review",
        )
        .to_owned(),
        "live" => format!(
            "{} {}",
            pick(out.lang, "معروض:", "en ligne :", "live:"),
            ledger["public_url"].as_str().unwrap_or("")
        ),
        "rejected" => format!(
            "{}: {}",
            pick(out.lang, "مرفوض", "refusée", "refused"),
            ledger["reason"].as_str().unwrap_or("-")
        ),
        _ => pick(
            out.lang,
            "خارج السوق (مسودة أو مؤرشف)",
            "hors marketplace (brouillon ou archivée)",
            "off the marketplace (draft or archived)",
        )
        .to_owned(),
    };
    format!("{state} — {photos}")
}

fn line(out: &Output, l: &store::Listing) -> String {
    let lang = match out.lang {
        crate::args::Lang::Ar => "ar",
        crate::args::Lang::Fr => "fr",
        crate::args::Lang::En => "en",
    };
    let sync = match &l.sync {
        store::SyncState::Waiting => {
            pick(out.lang, "في انتظار المزامنة", "en attente", "waiting").to_owned()
        }
        store::SyncState::Live => pick(out.lang, "معروض في السوق", "en ligne", "live").to_owned(),
        store::SyncState::Failed { reason } => format!(
            "{} ({reason})",
            pick(out.lang, "مرفوض", "refusée", "refused")
        ),
    };
    format!(
        "{}  {}  {}  {}  [{}]",
        l.id,
        l.titles.display(lang),
        l.price,
        l.category,
        sync
    )
}

/// The JSON shape of a listing; field names are stable (documented in the README).
pub fn listing_json(l: &store::Listing) -> Value {
    let (sync, sync_reason) = match &l.sync {
        store::SyncState::Waiting => ("waiting", None),
        store::SyncState::Live => ("live", None),
        store::SyncState::Failed { reason } => ("failed", Some(reason.clone())),
    };
    let centimes = l.price.centimes();
    json!({
        "id": l.id.to_string(),
        "titles": { "ar": l.titles.ar, "fr": l.titles.fr, "en": l.titles.en },
        "category": l.category.as_str(),
        "price_centimes": centimes,
        "price_mad": format!("{}.{:02}", centimes / 100, centimes % 100),
        "stock": l.stock,
        "unit": l.unit.as_str(),
        "origin": l.origin,
        "region": l.region,
        "materials": l.materials,
        "tags": l.tags,
        "status": l.status.as_str(),
        "photos": l.photos,
        "sync": sync,
        "sync_reason": sync_reason,
        "updated_at_ms": l.updated_at_ms,
    })
}
