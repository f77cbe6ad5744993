use crate::error::{Field, Reason, ValidationError};

/// Text in the catalog's three languages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Localized {
    pub ar: Option<String>,
    pub fr: Option<String>,
    pub en: Option<String>,
}

/// A listing's title; at least one language is set.
pub type Titles = Localized;

impl Localized {
    pub const MAX_TITLE_CHARS: usize = 200;
    pub const MAX_DESCRIPTION_CHARS: usize = 5000;

    /// One text typed in a single box: Arabic script goes to `ar`, anything
    /// else to `fr` (the cooperative's other working language).
    pub fn from_single(text: &str) -> Localized {
        let text = text.trim().to_owned();
        if text.chars().any(is_arabic) {
            Localized {
                ar: Some(text),
                ..Localized::default()
            }
        } else {
            Localized {
                fr: Some(text),
                ..Localized::default()
            }
        }
    }

    /// Trims each text and drops empty ones.
    pub fn cleaned(self) -> Localized {
        let clean = |t: Option<String>| t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        Localized {
            ar: clean(self.ar),
            fr: clean(self.fr),
            en: clean(self.en),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The texts that are set.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        [&self.ar, &self.fr, &self.en]
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Cleans the titles and checks at least one is set and none is too long.
    pub fn validated(self) -> Result<Titles, ValidationError> {
        let titles = self.cleaned();
        if titles.is_empty() {
            return Err(ValidationError {
                field: Field::Title,
                reason: Reason::Required,
            });
        }
        titles.check_len(Field::Title, Localized::MAX_TITLE_CHARS)?;
        Ok(titles)
    }

    pub(crate) fn check_len(&self, field: Field, max: usize) -> Result<(), ValidationError> {
        if self.iter().any(|t| t.chars().count() > max) {
            return Err(ValidationError {
                field,
                reason: Reason::TooLong,
            });
        }
        Ok(())
    }

    /// The text to show when the reader's language is `lang`.
    pub fn display(&self, lang: &str) -> &str {
        let preferred = match lang {
            "ar" => &self.ar,
            "fr" => &self.fr,
            _ => &self.en,
        };
        preferred
            .as_deref()
            .or(self.ar.as_deref())
            .or(self.fr.as_deref())
            .or(self.en.as_deref())
            .unwrap_or("")
    }
}

fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}
