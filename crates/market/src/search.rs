//! Catalog search: titles in all three languages, normalised once when a
//! listing is written (`listings.search_text`) and matched word by word
//! as substrings through a trigram index (`conditions`).

use rusqlite::{Connection, params};

use crate::error::Result;

/// Most words of a query that count; the rest are ignored.
const MAX_WORDS: usize = 8;

/// `text` as search compares it: Latin accents and Arabic harakat dropped
/// (NFKD, then no combining marks, which also turns أ إ آ into ا), tatweel
/// removed, ى → ي, ة → ه, lowercase, and every run of non-letters and
/// non-digits one space.
pub(crate) fn normalise(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    use unicode_normalization::char::is_combining_mark;

    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        let c = match c {
            '\u{0640}' => continue, // tatweel
            'ى' => 'ي',
            'ة' => 'ه',
            'ٱ' => 'ا',
            c => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// The `search_text` of a listing with these titles: each normalised, with
/// a space around every word.
pub(crate) fn search_text<'a>(titles: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut out = String::from(" ");
    for title in titles.into_iter().flatten() {
        let words = normalise(title);
        if !words.is_empty() {
            out.push_str(&words);
            out.push(' ');
        }
    }
    out
}

/// The words of a query, normalised; empty if it has none.
pub(crate) fn query_words(query: &str) -> Vec<String> {
    normalise(query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_owned)
        .collect()
}

/// Shortest word the trigram index can look up (FTS5's `trigram`
/// tokenizer indexes runs of three characters).
const MIN_INDEXED_CHARS: usize = 3;

/// `WHERE` conditions (joined by `AND`, numbered from `?first`) that match
/// every word of `words` anywhere in `search_text`, and their parameters.
/// On SQLite the words of three letters or more are looked up together in
/// the trigram index `listings_search` (one `MATCH` of quoted phrases
/// joined by `AND`: each a substring match, intersected inside the index);
/// shorter words, and every word on PostgreSQL (whose `pg_trgm` index
/// serves `LIKE` itself), are `LIKE '%word%'`.
pub(crate) fn conditions(words: &[String], first: usize, sqlite: bool) -> (String, Vec<String>) {
    let mut sql = Vec::new();
    let mut params = Vec::new();
    let (indexed, scanned): (Vec<&String>, Vec<&String>) = words
        .iter()
        .partition(|w| sqlite && w.chars().count() >= MIN_INDEXED_CHARS);
    if !indexed.is_empty() {
        sql.push(format!(
            "l.rowid IN (SELECT rowid FROM listings_search WHERE listings_search MATCH ?{first})"
        ));
        // Normalised words are letters and digits: quoting is all they need.
        let phrases: Vec<String> = indexed
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect();
        params.push(phrases.join(" AND "));
    }
    for word in scanned {
        sql.push(format!(
            "l.search_text LIKE ?{} ESCAPE '\\'",
            first + params.len()
        ));
        let escaped = word
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        params.push(format!("%{escaped}%"));
    }
    (sql.join(" AND "), params)
}

/// Gives listings written before search existed their `search_text`.
pub(crate) fn backfill(conn: &Connection) -> Result<()> {
    let mut select = conn.prepare(
        "SELECT id, title_ar, title_fr, title_en FROM listings WHERE search_text IS NULL",
    )?;
    let rows = select
        .query_map([], |row| {
            let titles: [Option<String>; 3] = [row.get(1)?, row.get(2)?, row.get(3)?];
            Ok((row.get::<_, String>(0)?, titles))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut update = conn.prepare("UPDATE listings SET search_text = ?2 WHERE id = ?1")?;
    for (id, titles) in rows {
        update.execute(params![
            id,
            search_text(titles.iter().map(Option::as_deref))
        ])?;
    }
    Ok(())
}
