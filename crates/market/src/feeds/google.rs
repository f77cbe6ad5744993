//! The Google Merchant Center feed: RSS 2.0 with the `g:` namespace, one
//! `<item>` per listing with the attributes Google requires of it.

use super::{Item, Scope, at_most};
use crate::pages::{href, words};

pub(super) const NAMESPACE: &str = "http://base.google.com/ns/1.0";

/// Google's limits, in characters.
const TITLE_MAX: usize = 150;
const DESCRIPTION_MAX: usize = 5000;
/// Google reads up to ten more photos than the first.
const ADDITIONAL_IMAGES_MAX: usize = 10;

pub(super) const TAIL: &str = "</channel>\n</rss>\n";

/// The document up to the first item: the channel says whose catalog it
/// is, in which language.
pub(super) fn head(scope: &Scope) -> String {
    let w = words(scope.lang);
    let (title, path) = match &scope.cooperative {
        Some(coop) => (coop.name.clone(), format!("/c/{}", coop.slug)),
        None => (w.title.to_owned(), "/".to_owned()),
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <rss version=\"2.0\" xmlns:g=\"{NAMESPACE}\">\n<channel>\n\
         <title>{}</title>\n<link>{}</link>\n<description>{}</description>\n\
         <language>{}</language>\n",
        text(&title),
        text(&format!("{}{}", scope.base, href(&path, &[], scope.lang))),
        text(w.intro),
        scope.lang.code()
    )
}

pub(super) fn items(items: &[Item]) -> Vec<u8> {
    let mut xml = String::with_capacity(items.len() * 1500);
    for item in items {
        push_item(&mut xml, item);
    }
    xml.into_bytes()
}

fn push_item(xml: &mut String, item: &Item) {
    xml.push_str("<item>\n");
    let mut field = |name: &str, value: &str| {
        xml.push_str(&format!("<g:{name}>{}</g:{name}>\n", text(value)));
    };
    field("id", &item.id.to_string());
    field("title", at_most(&item.title, TITLE_MAX));
    field("description", at_most(&item.description, DESCRIPTION_MAX));
    field("link", &item.link);
    field("image_link", &item.image);
    for image in item.additional_images.iter().take(ADDITIONAL_IMAGES_MAX) {
        field("additional_image_link", image);
    }
    field(
        "availability",
        if item.in_stock {
            "in_stock"
        } else {
            "out_of_stock"
        },
    );
    field("price", &item.price);
    field("condition", "new");
    field("brand", &item.brand);
    // Handmade: no GTIN, no maker's part number.
    field("identifier_exists", "no");
    if let Some(category) = item.category.as_deref().and_then(google_category) {
        field("google_product_category", category);
    }
    if let Some(name) = item.category_name() {
        field("product_type", name);
    }
    xml.push_str("</item>\n");
}

/// Google's taxonomy path for the categories that map onto one without
/// doubt; the others are left for Google to classify from the title (a
/// wrong category hides a product more than none does).
fn google_category(key: &str) -> Option<&'static str> {
    Some(match key {
        "carpets" => "Home & Garden > Decor > Rugs",
        "jewellery" => "Apparel & Accessories > Jewelry",
        "food" => "Food, Beverages & Tobacco",
        "argan-cosmetics" => "Health & Beauty > Personal Care > Cosmetics",
        _ => return None,
    })
}

/// `value` as XML character data: escaped, and without the characters XML
/// 1.0 cannot carry at all (control characters a pasted text may hold),
/// which would make the whole feed unreadable.
pub(super) fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
