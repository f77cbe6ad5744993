//! Text that operators and buyers type, as it is stored: trimmed, without
//! control characters (newlines kept where asked) nor the invisible marks
//! that reorder text, and within a length.

use crate::error::{Error, Result};

/// `text` trimmed and cleaned; `None` when nothing is left. Fails when it
/// has more than `max` characters.
pub(super) fn bounded(
    field: &'static str,
    text: Option<&str>,
    max: usize,
    newlines: bool,
) -> Result<Option<String>> {
    let Some(text) = text else {
        return Ok(None);
    };
    let cleaned = clean(text, newlines);
    let count = cleaned.chars().count();
    if count > max {
        return Err(Error::TooLong { field, count, max });
    }
    Ok((!cleaned.is_empty()).then_some(cleaned))
}

/// Like [`bounded`], for text that must be there.
pub(super) fn required(
    field: &'static str,
    text: &str,
    max: usize,
    newlines: bool,
) -> Result<String> {
    bounded(field, Some(text), max, newlines)?.ok_or(Error::Missing(field))
}

fn clean(text: &str, newlines: bool) -> String {
    let is_bidi_control = |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    text.replace("\r\n", "\n")
        .chars()
        .filter(|&c| !(c.is_control() && !(newlines && c == '\n')) && !is_bidi_control(c))
        .collect::<String>()
        .trim()
        .to_owned()
}
