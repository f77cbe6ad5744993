//! Edits of this laptop that lost to another laptop's (`store::Conflict`):
//! shown by `listing show`, settled by `listing take-back` / `keep-theirs`.

use anyhow::Result;
use protocol::ListingField;
use serde_json::{Value, json};

use crate::args::Lang;
use crate::messages::{UsageError, pick};
use crate::output::Output;

/// The conflicts of a listing as JSON: `[{field, mine, theirs, at_ms}]`.
pub fn json(conflicts: &[store::Conflict]) -> Value {
    conflicts
        .iter()
        .map(|c| {
            json!({
                "field": c.field_name(),
                "mine": c.mine,
                "theirs": c.theirs,
                "at_ms": c.at_ms,
            })
        })
        .collect()
}

/// One line per lost edit, with both values and what to type.
pub fn lines(out: &Output, id: store::ListingId, conflicts: &[store::Conflict]) -> String {
    conflicts
        .iter()
        .map(|c| {
            let field = field(out.lang, c.field);
            let (mine, theirs) = (value(out.lang, c.field, &c.mine), value(out.lang, c.field, &c.theirs));
            let lost = pick(
                out.lang,
                "تعديلك فُقد أمام تعديل أحدث من حاسوب آخر",
                "votre modification a été remplacée par une plus récente d'un autre ordinateur",
                "your edit lost to a later one from another laptop",
            );
            let (yours, kept) = (
                pick(out.lang, "قيمتك", "la vôtre", "yours"),
                pick(out.lang, "المعتمدة", "retenue", "kept"),
            );
            let take = pick(out.lang, "لاسترجاعها", "pour la reprendre", "to take yours back");
            format!(
                "  ! {field}: {lost} — {yours}: {mine} · {kept}: {theirs}\n    {take}: hanout listing take-back {id} --field {}",
                c.field_name()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The fields named on the command line (`None`: all of them).
pub fn fields(names: &[String], out: &Output) -> Result<Option<Vec<ListingField>>> {
    if names.is_empty() {
        return Ok(None);
    }
    names
        .iter()
        .map(|name| {
            store::parse_field(name.trim()).ok_or_else(|| {
                let text = pick(
                    out.lang,
                    "ليس حقلًا من حقول الإعلان",
                    "n'est pas un champ d'annonce",
                    "is not a listing field",
                );
                UsageError(format!("{name}: {text}")).into()
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

pub fn field(lang: Lang, field: ListingField) -> &'static str {
    use ListingField as F;
    match field {
        F::Title => pick(lang, "العنوان", "titre", "title"),
        F::Description => pick(lang, "الوصف", "description", "description"),
        F::Price => pick(lang, "السعر", "prix", "price"),
        F::Category => pick(lang, "الفئة", "catégorie", "category"),
        F::Stock => pick(lang, "المخزون", "stock", "stock"),
        F::Unit => pick(lang, "الوحدة", "unité", "unit"),
        F::Dimensions => pick(lang, "الأبعاد", "dimensions", "dimensions"),
        F::WeightGrams => pick(lang, "الوزن (غ)", "poids (g)", "weight (g)"),
        F::Materials => pick(lang, "المواد", "matériaux", "materials"),
        F::Origin => pick(lang, "المنشأ", "origine", "origin"),
        F::Region => pick(lang, "الجهة", "région", "region"),
        F::Tags => pick(lang, "الكلمات المفتاحية", "mots-clés", "tags"),
        F::Artisan => pick(lang, "الحرفي", "artisan", "artisan"),
        F::Status => pick(lang, "الحالة", "statut", "status"),
    }
}

/// A lost or kept value as a person reads it.
fn value(lang: Lang, field: ListingField, v: &Value) -> String {
    let none = || pick(lang, "(فارغ)", "(vide)", "(empty)").to_owned();
    match (field, v) {
        (ListingField::Price, Value::Number(n)) => n
            .as_i64()
            .and_then(|c| store::Price::from_centimes(c).ok())
            .map_or_else(none, |p| p.to_string()),
        (_, Value::Object(texts)) => {
            let parts: Vec<&str> = ["ar", "fr", "en"]
                .iter()
                .filter_map(|k| texts.get(*k).and_then(Value::as_str))
                .collect();
            if parts.is_empty() {
                none()
            } else {
                parts.join(" / ")
            }
        }
        (_, Value::Array(items)) => {
            let items: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            if items.is_empty() {
                none()
            } else {
                items.join(", ")
            }
        }
        (_, Value::String(s)) => s.clone(),
        (_, Value::Null) => none(),
        (_, other) => other.to_string(),
    }
}
