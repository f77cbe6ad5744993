//! Prices as the catalog shows them, in Moroccan dirhams.

use crate::lang::Lang;

/// `centimes` as MAD in `lang`'s conventions: `4 500,00 MAD` (fr),
/// `4,500.00 MAD` (en), `4500.00 د.م.` (ar).
pub(crate) fn format_mad(centimes: i64, lang: Lang) -> String {
    let sign = if centimes < 0 { "-" } else { "" };
    let abs = centimes.unsigned_abs();
    let (dirhams, cents) = (abs / 100, abs % 100);
    match lang {
        Lang::Fr => format!("{sign}{},{cents:02} MAD", group(dirhams, ' ')),
        Lang::En => format!("{sign}{}.{cents:02} MAD", group(dirhams, ',')),
        Lang::Ar => format!("{sign}{dirhams}.{cents:02} د.م."),
    }
}

/// `4500` → `4 500` with `sep` between groups of three digits.
fn group(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(d);
    }
    out
}
