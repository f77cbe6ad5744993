use crate::error::{Field, Reason, ValidationError};

/// A listing's title in the catalog's three languages; at least one is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Titles {
    pub ar: Option<String>,
    pub fr: Option<String>,
    pub en: Option<String>,
}

impl Titles {
    pub const MAX_CHARS: usize = 200;

    /// One title typed in a single box: Arabic script goes to `ar`, anything
    /// else to `fr` (the cooperative's other working language).
    pub fn from_single(text: &str) -> Titles {
        let text = text.trim().to_owned();
        if text.chars().any(is_arabic) {
            Titles {
                ar: Some(text),
                ..Titles::default()
            }
        } else {
            Titles {
                fr: Some(text),
                ..Titles::default()
            }
        }
    }

    /// Trims each title, drops empty ones and checks the rest.
    pub fn validated(self) -> Result<Titles, ValidationError> {
        let clean = |t: Option<String>| t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let titles = Titles {
            ar: clean(self.ar),
            fr: clean(self.fr),
            en: clean(self.en),
        };
        let all = [&titles.ar, &titles.fr, &titles.en];
        if all.iter().all(|t| t.is_none()) {
            return Err(ValidationError {
                field: Field::Title,
                reason: Reason::Required,
            });
        }
        if all
            .iter()
            .flat_map(|t| t.as_deref())
            .any(|t| t.chars().count() > Titles::MAX_CHARS)
        {
            return Err(ValidationError {
                field: Field::Title,
                reason: Reason::TooLong,
            });
        }
        Ok(titles)
    }

    /// The title to show when the reader's language is `lang`.
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
