//! The three languages of the public catalog and how a page picks one.

/// A catalog language. French is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Lang {
    Ar,
    #[default]
    Fr,
    En,
}

impl Lang {
    pub(crate) const ALL: [Lang; 3] = [Lang::Ar, Lang::Fr, Lang::En];

    /// The BCP 47 code, also the `?lang=` value and `LocalizedText::get` key.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub(crate) fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::Fr | Lang::En => "ltr",
        }
    }

    /// The language's name in itself, for the language switch.
    pub(crate) fn native_name(self) -> &'static str {
        match self {
            Lang::Ar => "العربية",
            Lang::Fr => "Français",
            Lang::En => "English",
        }
    }

    /// `ar`, `fr`, `en`, or a tag with a region (`fr-MA`), any case.
    pub(crate) fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL
            .into_iter()
            .find(|lang| primary.eq_ignore_ascii_case(lang.code()))
    }

    /// The page language: `?lang=` if it names one of ours, else the best
    /// match in `Accept-Language`, else French.
    pub(crate) fn negotiate(query: Option<&str>, accept_language: Option<&str>) -> Lang {
        query
            .and_then(Lang::from_tag)
            .or_else(|| accept_language.and_then(best_accepted))
            .unwrap_or_default()
    }
}

/// The supported language with the highest `q` in an `Accept-Language`
/// header; the first listed wins a tie.
fn best_accepted(header: &str) -> Option<Lang> {
    let mut best: Option<(Lang, f32)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(Lang::from_tag) else {
            continue;
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok());
        let Some(q) = q.filter(|q| *q > 0.0) else {
            continue;
        };
        if best.is_none_or(|(_, best_q)| q > best_q) {
            best = Some((lang, q));
        }
    }
    best.map(|(lang, _)| lang)
}
