//! Reading the product feeds as the platforms would: the Google feed as
//! namespaced XML (quick-xml), the Meta feed as CSV, both into [`FeedItem`]s
//! checked against the public catalog.

use std::collections::{BTreeMap, BTreeSet};

use protocol::PublicListing;
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use uuid::Uuid;

const G: &str = "http://base.google.com/ns/1.0";

/// Every element of Google's namespace in each `<item>`, by local name,
/// with its text (entities resolved). Panics on XML that is not well
/// formed, or on a `g:` element outside an item.
pub(crate) fn google_items(xml: &str) -> Vec<BTreeMap<String, Vec<String>>> {
    let mut reader = quick_xml::NsReader::from_str(xml);
    let mut items = Vec::new();
    let mut item: Option<BTreeMap<String, Vec<String>>> = None;
    let mut field: Option<String> = None;
    let mut value = String::new();
    let mut root_seen = false;
    loop {
        let (ns, event) = reader.read_resolved_event().expect("well-formed XML");
        let in_g = matches!(ns, ResolveResult::Bound(Namespace(n)) if n == G);
        match event {
            Event::Start(e) => {
                let local = e.local_name().as_ref().to_owned();
                if !root_seen {
                    assert_eq!(local, "rss");
                    root_seen = true;
                }
                if in_g {
                    assert!(item.is_some(), "g:{local} outside an item");
                    field = Some(local);
                    value.clear();
                } else if local == "item" {
                    assert!(item.is_none(), "an item in an item");
                    item = Some(BTreeMap::new());
                } else {
                    assert!(field.is_none(), "{local} inside a g: field");
                }
            }
            Event::Text(t) if field.is_some() => value.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if field.is_some() => {
                let resolved = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .expect("only XML's own entities")
                        .to_owned(),
                };
                value.push_str(&resolved);
            }
            Event::End(e) => {
                if let Some(name) = field.take() {
                    item.as_mut()
                        .unwrap()
                        .entry(name)
                        .or_default()
                        .push(std::mem::take(&mut value));
                } else if e.local_name().as_ref() == "item" {
                    items.push(item.take().unwrap());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(root_seen, "{xml}");
    items
}

/// One item of either feed, in common terms.
#[derive(Debug)]
pub(crate) struct FeedItem {
    pub(crate) id: Uuid,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) availability: String,
    pub(crate) price: String,
    pub(crate) link: String,
    pub(crate) images: Vec<String>,
    pub(crate) brand: String,
    pub(crate) product_type: Option<String>,
}

pub(crate) fn one<'a>(item: &'a BTreeMap<String, Vec<String>>, name: &str) -> &'a str {
    let values = item
        .get(name)
        .unwrap_or_else(|| panic!("no g:{name} in {item:?}"));
    assert_eq!(values.len(), 1, "g:{name} more than once in {item:?}");
    &values[0]
}

pub(crate) async fn google_feed(client: &reqwest::Client, url: &str) -> Vec<FeedItem> {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
    assert_eq!(
        response.headers()["content-type"],
        "application/rss+xml; charset=utf-8"
    );
    assert!(response.headers().contains_key("etag"));
    assert!(
        !response.headers().contains_key("content-length"),
        "streamed, not built whole first"
    );
    let xml = response.text().await.unwrap();
    assert!(
        xml.contains(&format!("xmlns:g=\"{G}\"")),
        "{}",
        &xml[..200.min(xml.len())]
    );
    google_items(&xml)
        .iter()
        .map(|item| {
            assert_eq!(one(item, "condition"), "new");
            assert_eq!(one(item, "identifier_exists"), "no");
            let availability = one(item, "availability");
            assert!(
                ["in_stock", "out_of_stock"].contains(&availability),
                "{availability}"
            );
            let mut images = vec![one(item, "image_link").to_owned()];
            images.extend(
                item.get("additional_image_link")
                    .cloned()
                    .unwrap_or_default(),
            );
            FeedItem {
                id: one(item, "id").parse().expect("g:id is the listing's id"),
                title: one(item, "title").to_owned(),
                description: one(item, "description").to_owned(),
                availability: availability.replace('_', " "),
                price: one(item, "price").to_owned(),
                link: one(item, "link").to_owned(),
                images,
                brand: one(item, "brand").to_owned(),
                product_type: item.get("product_type").map(|v| v[0].clone()),
            }
        })
        .collect()
}

const META_HEADER: [&str; 11] = [
    "id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "link",
    "image_link",
    "brand",
    "additional_image_link",
    "product_type",
];

pub(crate) async fn meta_feed(client: &reqwest::Client, url: &str) -> Vec<FeedItem> {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        !response.headers().contains_key("content-length"),
        "streamed"
    );
    let bytes = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    assert_eq!(
        reader.headers().unwrap(),
        &csv::StringRecord::from(&META_HEADER[..])
    );
    reader
        .records()
        .map(|record| {
            let r = record.expect("valid CSV");
            assert_eq!(r.len(), META_HEADER.len(), "{r:?}");
            assert_eq!(&r[4], "new");
            assert!(["in stock", "out of stock"].contains(&&r[3]), "{r:?}");
            let mut images = vec![r[7].to_owned()];
            images.extend(r[9].split(',').filter(|s| !s.is_empty()).map(str::to_owned));
            FeedItem {
                id: r[0].parse().expect("id is the listing's id"),
                title: r[1].to_owned(),
                description: r[2].to_owned(),
                availability: r[3].to_owned(),
                price: r[5].to_owned(),
                link: r[6].to_owned(),
                images,
                brand: r[8].to_owned(),
                product_type: Some(r[10].to_owned()).filter(|s| !s.is_empty()),
            }
        })
        .collect()
}

/// What every item of every feed must be: a unique id among `expected`
/// (all of them there), a price like `3200.00 MAD`, a title, a
/// description, the cooperative as brand, absolute links to its page in
/// `lang` and to photos that are served.
pub(crate) async fn check_items(
    client: &reqwest::Client,
    base: &str,
    items: &[FeedItem],
    expected: &BTreeMap<Uuid, PublicListing>,
    lang: &str,
) {
    let price = regex::Regex::new(r"^\d+\.\d{2} MAD$").unwrap();
    let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    let unique: BTreeSet<Uuid> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "ids repeat: {ids:?}");
    assert_eq!(
        unique,
        expected.keys().copied().collect::<BTreeSet<_>>(),
        "the feed lists every public listing with a photo, and only those"
    );
    for item in items {
        let listing = &expected[&item.id];
        assert!(price.is_match(&item.price), "{}", item.price);
        assert_eq!(
            item.price,
            format!(
                "{}.{:02} MAD",
                listing.price_centimes / 100,
                listing.price_centimes % 100
            )
        );
        assert!(!item.title.is_empty() && !item.description.is_empty());
        assert_eq!(item.brand, listing.cooperative.name);
        assert_eq!(
            item.availability,
            match listing.availability.as_deref() {
                Some("out_of_stock") => "out of stock",
                _ => "in stock",
            }
        );
        assert_eq!(item.link, format!("{base}/l/{}?lang={lang}", item.id));
        let page = client.get(&item.link).send().await.unwrap();
        assert_eq!(page.status(), reqwest::StatusCode::OK, "{}", item.link);
        assert_eq!(
            item.images,
            listing
                .photos
                .iter()
                .map(|p| p.display.clone())
                .collect::<Vec<_>>(),
            "the display photos, cover first"
        );
        for image in &item.images {
            assert!(
                image.starts_with("http://") || image.starts_with("https://"),
                "{image}"
            );
            let response = client.get(image).send().await.unwrap();
            assert_eq!(response.status(), reqwest::StatusCode::OK, "{image}");
            assert_eq!(response.headers()["content-type"], "image/jpeg");
        }
    }
}
