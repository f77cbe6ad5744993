use store::{Category, Price, SearchQuery, Sort, Status};

use crate::demo_store;

fn titles(store: &store::Store, query: SearchQuery) -> Vec<String> {
    store
        .search(&query)
        .unwrap()
        .into_iter()
        .map(|l| l.titles.fr.or(l.titles.ar).unwrap_or_default())
        .collect()
}

fn text(q: &str) -> SearchQuery {
    SearchQuery {
        text: Some(q.to_owned()),
        ..SearchQuery::default()
    }
}

#[test]
fn arabic_search_ignores_hamza_taa_marbuta_and_harakat() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    // The catalog says "زربية أزيلال ملونة"; type it without hamza, with ه for ة, with harakat and tatweel.
    for query in ["زربيه ازيلال", "زَرْبِيَّة أزيلال", "زربـــية ازيلال", "ازيل"]
    {
        assert_eq!(
            titles(&store, text(query)),
            vec!["Tapis Azilal coloré"],
            "query {query:?}"
        );
    }
}

#[test]
fn french_search_folds_accents_and_case_and_matches_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    assert_eq!(
        titles(&store, text("TAPIS AZILAL COLORE")),
        vec!["Tapis Azilal coloré"]
    );
    assert_eq!(
        titles(&store, text("tapis azi")),
        vec!["Tapis Azilal coloré"]
    );
    // Every word must match.
    assert!(titles(&store, text("tapis tajine")).is_empty());
    // Materials and origin are searched too.
    assert!(
        titles(&store, text("garance"))
            .contains(&"Tapis de Taznakht aux teintures naturelles".to_owned())
    );
    assert!(
        titles(&store, text("Boulemane"))
            .contains(&"Tapis Beni Ouarain en laine naturelle".to_owned())
    );
}

#[test]
fn search_is_not_fooled_by_fts_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    for query in ["\"", "tapis\" OR \"", "NEAR(", "*", "-", "tapis:"] {
        store
            .search(&text(query))
            .unwrap_or_else(|e| panic!("query {query:?}: {e}"));
    }
    // Only punctuation: no text filter at all.
    assert_eq!(store.search(&text("--")).unwrap().len(), 32);
}

#[test]
fn filters_and_sorts() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let carpets = store
        .search(&SearchQuery {
            category: Some(Category::Carpets),
            limit: 100,
            ..SearchQuery::default()
        })
        .unwrap();
    assert!(!carpets.is_empty());
    assert!(carpets.iter().all(|l| l.category == Category::Carpets));

    let cheap = store
        .search(&SearchQuery {
            max_price: Some(Price::parse("100").unwrap()),
            sort: Sort::PriceAscending,
            limit: 100,
            ..SearchQuery::default()
        })
        .unwrap();
    assert!(!cheap.is_empty());
    assert!(cheap.iter().all(|l| l.price.centimes() <= 10_000));
    assert!(cheap.windows(2).all(|w| w[0].price <= w[1].price));

    let dear = store
        .search(&SearchQuery {
            sort: Sort::PriceDescending,
            limit: 3,
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(dear.len(), 3);
    assert!(dear.windows(2).all(|w| w[0].price >= w[1].price));

    let page2 = store
        .search(&SearchQuery {
            sort: Sort::Title,
            limit: 10,
            offset: 10,
            ..SearchQuery::default()
        })
        .unwrap();
    let all = store
        .search(&SearchQuery {
            sort: Sort::Title,
            limit: 100,
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(page2, all[10..20].to_vec());

    assert!(
        store
            .search(&SearchQuery {
                status: Some(Status::Archived),
                ..SearchQuery::default()
            })
            .unwrap()
            .is_empty()
    );
}

#[test]
fn artisan_filter_and_artisan_name_search() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let fatima = store
        .add_artisan("فاطمة أيت علي", Some("Azilal"), Some("tissage"), 1)
        .unwrap();
    let mut input = store::ListingInput::quick(
        store::Titles::from_single("Tapis"),
        Price::parse("900").unwrap(),
    );
    input.artisan = Some(fatima.id);
    let with = store
        .create_listing(store::NewListing::validate(input).unwrap(), 2)
        .unwrap();
    store
        .create_listing(crate::new_listing("Tapis sans artisan", "100"), 3)
        .unwrap();

    let by_artisan = store
        .search(&SearchQuery {
            artisan: Some(fatima.id),
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(
        by_artisan.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![with.id]
    );
    assert_eq!(store.search(&text("فاطمه")).unwrap().len(), 1);
}

#[test]
fn words_with_filters_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let all = store
        .search(&SearchQuery {
            text: Some("tapis".into()),
            category: Some(Category::Carpets),
            limit: 100,
            ..SearchQuery::default()
        })
        .unwrap();
    assert!(all.len() >= 3, "the demo catalog has several rugs");
    assert!(all.iter().all(|l| l.category == Category::Carpets));
    // Newest listing first, and pages are slices of the whole.
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));
    let page = store
        .search(&SearchQuery {
            text: Some("tapis".into()),
            category: Some(Category::Carpets),
            limit: 2,
            offset: 1,
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(page, all[1..3].to_vec());
    // A filter that excludes every match.
    assert!(
        store
            .search(&SearchQuery {
                text: Some("tapis".into()),
                category: Some(Category::Food),
                ..SearchQuery::default()
            })
            .unwrap()
            .is_empty()
    );
}
