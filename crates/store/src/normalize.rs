//! Text normalisation for search, applied to indexed text and to queries
//! alike, so `الزربيه` finds `الزّربيّة` and `tajine` finds `Tajine`.

use unicode_normalization::UnicodeNormalization;

/// Folds `text` for search:
/// - Arabic: strips harakat and Quranic marks, removes tatweel, unifies
///   `أ إ آ ٱ` → `ا`, `ى` → `ي`, `ة` → `ه`, Eastern Arabic and Persian digits → ASCII;
/// - Latin: strips accents (`é` → `e`, `ç` → `c`), folds case.
pub fn normalize(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_mark(*c) && *c != '\u{0640}')
        .flat_map(|c| {
            let c = match c {
                'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
                'ى' => 'ي',
                'ة' => 'ه',
                '٠'..='٩' => char::from_digit(c as u32 - '٠' as u32, 10).unwrap_or(c),
                '۰'..='۹' => char::from_digit(c as u32 - '۰' as u32, 10).unwrap_or(c),
                _ => c,
            };
            c.to_lowercase()
        })
        .collect()
}

/// Combining marks: Latin diacritics (after NFD) and Arabic harakat.
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06ED}'
    )
}

/// An FTS5 query from what the user typed: every word must match, the last
/// (and every) word as a prefix, so results come as the user types.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = normalize(input)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(words.join(" AND "))
    }
}
