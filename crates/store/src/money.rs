use std::fmt;

use crate::error::{Field, Reason, ValidationError};

/// A price in centimes of Moroccan dirham (1 MAD = 100 centimes). Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(i64);

impl Price {
    /// Ten million dirhams: above any real cooperative product, and small
    /// enough to fit an `i32` of centimes everywhere the UI needs a number.
    pub const MAX: Price = Price(10_000_000 * 100);

    pub fn from_centimes(centimes: i64) -> Result<Price, ValidationError> {
        let invalid = |reason| ValidationError {
            field: Field::Price,
            reason,
        };
        if centimes < 0 {
            return Err(invalid(Reason::Negative));
        }
        if centimes > Price::MAX.0 {
            return Err(invalid(Reason::TooLarge));
        }
        Ok(Price(centimes))
    }

    pub fn centimes(self) -> i64 {
        self.0
    }

    /// Parses what a manager types: `4500`, `4 500,50`, `4500.5`, `٤٥٠٠٫٥٠`,
    /// with or without a `MAD`, `DH` or `درهم` suffix.
    ///
    /// Eastern Arabic (٠–٩) and Persian (۰–۹) digits count as digits; `,`, `.`
    /// and `٫` as the decimal separator when followed by at most two digits;
    /// spaces (including no-break and thin spaces) and `٬` as grouping.
    pub fn parse(input: &str) -> Result<Price, ValidationError> {
        let invalid = |reason| ValidationError {
            field: Field::Price,
            reason,
        };
        let trimmed = strip_currency(input.trim());
        if trimmed.is_empty() {
            return Err(invalid(Reason::Required));
        }
        if trimmed.starts_with('-') || trimmed.starts_with('−') {
            return Err(invalid(Reason::Negative));
        }

        let mut digits = String::new();
        let mut decimal_at: Option<usize> = None;
        for c in trimmed.chars() {
            if let Some(d) = ascii_digit(c) {
                digits.push(d);
            } else if matches!(c, ',' | '.' | '٫') {
                // The last separator wins: earlier ones were grouping (`1.234.567`).
                decimal_at = Some(digits.len());
            } else if matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '٬' | '\'') {
                continue;
            } else {
                return Err(invalid(Reason::NotANumber));
            }
        }
        if digits.is_empty() {
            return Err(invalid(Reason::NotANumber));
        }

        let (whole, fraction) = match decimal_at {
            // `4,500` or `4.500` with three trailing digits is a thousands group.
            Some(at) if digits.len() - at == 3 && at > 0 => (digits.as_str(), ""),
            Some(at) => digits.split_at(at),
            None => (digits.as_str(), ""),
        };
        if fraction.len() > 2 {
            return Err(invalid(Reason::TooManyDecimals));
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 12 {
            return Err(invalid(Reason::TooLarge));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| invalid(Reason::NotANumber))?
        };
        let fraction: i64 = match fraction.len() {
            0 => 0,
            1 => {
                fraction
                    .parse::<i64>()
                    .map_err(|_| invalid(Reason::NotANumber))?
                    * 10
            }
            _ => fraction.parse().map_err(|_| invalid(Reason::NotANumber))?,
        };
        Price::from_centimes(whole * 100 + fraction)
    }
}

fn strip_currency(s: &str) -> &str {
    for suffix in ["MAD", "DHS", "DH", "درهم", "د.م."] {
        if let Some(n) = s.len().checked_sub(suffix.len())
            && s.is_char_boundary(n)
            && s[n..].eq_ignore_ascii_case(suffix)
        {
            return s[..n].trim_end();
        }
    }
    s
}

fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '٠'..='٩' => char::from_digit(c as u32 - '٠' as u32, 10),
        '۰'..='۹' => char::from_digit(c as u32 - '۰' as u32, 10),
        _ => None,
    }
}

impl fmt::Display for Price {
    /// `4500.00 MAD`: plain and unambiguous, for logs, the CLI and CSV. The
    /// UI formats prices for the reader's locale itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02} MAD", self.0 / 100, self.0 % 100)
    }
}
