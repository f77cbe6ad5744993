//! Two laptops of one cooperative exchanging bundles: the same merge as the
//! marketplace's, each change taken once.

use std::collections::HashMap;
use std::path::Path;

use protocol::ListingField;
use store::{
    BundleError, BundlePhotos, ListingInput, NewListing, PhotoChoice, Price, SettingKey, Titles,
};

/// A laptop's photo files, in memory.
#[derive(Default)]
struct Files(HashMap<String, Vec<u8>>);

impl BundlePhotos for Files {
    fn read(&self, sha256: &str) -> Option<Vec<u8>> {
        self.0.get(sha256).cloned()
    }
    fn has(&self, sha256: &str) -> bool {
        self.0.contains_key(sha256)
    }
    fn write(&mut self, sha256: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.0.insert(sha256.to_owned(), bytes.to_vec());
        Ok(())
    }
}

fn laptop(dir: &Path, name: &str, cooperative: &str) -> store::Store {
    let store = store::open(&dir.join(format!("{name}.db"))).unwrap();
    store
        .set_setting(SettingKey::CooperativeId, Some(cooperative))
        .unwrap();
    store
        .set_setting(SettingKey::CooperativeName, Some("Tifawin"))
        .unwrap();
    store
}

fn listing(
    store: &mut store::Store,
    title: &str,
    price: &str,
    stock: u32,
    at: i64,
) -> store::ListingId {
    let mut new = ListingInput::quick(Titles::from_single(title), Price::parse(price).unwrap());
    new.stock = stock;
    store
        .create_listing(NewListing::validate(new).unwrap(), at)
        .unwrap()
        .id
}

/// Bundle from `from` to `to` through a file in `dir`.
fn carry(
    dir: &Path,
    from: &mut store::Store,
    to: &mut store::Store,
    files: &mut Files,
    at: i64,
) -> store::BundleTaken {
    let path = dir.join(format!("bundle-{at}.hanout"));
    from.export_bundle(&path, None, &PhotoChoice::All, &Files::default(), at)
        .unwrap();
    assert!(!dir.join(format!("bundle-{at}.hanout.part")).exists());
    to.import_bundle(&path, files, at).unwrap()
}

fn edit(
    store: &mut store::Store,
    id: store::ListingId,
    at: i64,
    change: impl FnOnce(&mut ListingInput),
) {
    let loaded = store.listing(id).unwrap().unwrap().to_input();
    let mut typed = loaded.clone();
    change(&mut typed);
    store.save_edit(id, &loaded, typed, at).unwrap();
}

#[test]
fn a_new_listing_and_its_sales_reach_the_other_laptop_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(dir.path(), "a", "coop-1");
    let mut b = laptop(dir.path(), "b", "coop-1");
    let oil = listing(&mut a, "Huile d'argan 1 l", "180", 10, 1_000);
    let rug = listing(&mut a, "Tapis Azilal", "3200", 1, 1_100);
    a.record_sale(oil, 2, None, None, 1_200).unwrap();

    let taken = carry(dir.path(), &mut a, &mut b, &mut Files::default(), 2_000);
    assert_eq!((taken.new_listings, taken.changes, taken.sales), (2, 3, 1));
    assert_eq!(
        taken.from,
        format!("Tifawin · {}", &a.installation_key().unwrap()[30..])
    );
    let oil_b = b.listing(oil).unwrap().unwrap();
    assert_eq!(oil_b.stock, 8);
    assert_eq!(oil_b.titles, Titles::from_single("Huile d'argan 1 l"));
    assert!(b.listing(rug).unwrap().is_some());
    assert_eq!(b.journal(0, 10_000).unwrap().count, 1);

    // B would push the listing new, with A's rows named: its own fresh id
    // (never `duplicate` when A pushes first) and A's create and sale as
    // stock parts the marketplace counts once.
    let pending = b.pending_changes(10).unwrap();
    let change = pending.iter().find(|p| p.listing_id == oil).unwrap();
    let a_rows: Vec<_> = a.pending_changes(10).unwrap();
    let a_oil = a_rows.iter().find(|p| p.listing_id == oil).unwrap();
    assert_ne!(change.change_id, a_oil.change_id);
    assert_eq!(
        change.fields, None,
        "a listing new to the marketplace goes whole"
    );
    assert_eq!(change.stock_parts.len(), 2);
    assert_eq!(
        change
            .stock_parts
            .iter()
            .map(|p| p.change_id)
            .collect::<Vec<_>>(),
        a_oil
            .stock_parts
            .iter()
            .map(|p| p.change_id)
            .collect::<Vec<_>>(),
    );

    // The same bundle again, or a new one with nothing new: nothing changes.
    let again = b
        .import_bundle(
            &dir.path().join("bundle-2000.hanout"),
            &mut Files::default(),
            3_000,
        )
        .unwrap();
    assert_eq!(
        (
            again.new_listings,
            again.updated_listings,
            again.changes,
            again.sales
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(b.listing(oil).unwrap().unwrap().stock, 8);
    assert_eq!(b.pending_changes(10).unwrap(), pending);
}

#[test]
fn both_laptops_selling_and_editing_meet_in_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(dir.path(), "a", "coop-1");
    let mut b = laptop(dir.path(), "b", "coop-1");
    let oil = listing(&mut a, "Huile d'argan 1 l", "180", 10, 1_000);
    carry(dir.path(), &mut a, &mut b, &mut Files::default(), 2_000);

    // At the stand: both sell; B renames it, then A changes the price.
    a.record_sale(oil, 2, None, None, 3_000).unwrap();
    b.record_sale(oil, 1, None, None, 3_100).unwrap();
    b.record_sale(oil, 3, None, None, 3_200).unwrap();
    edit(&mut b, oil, 3_300, |l| {
        l.titles = Titles::from_single("Huile d'argan pure 1 l")
    });
    edit(&mut a, oil, 3_400, |l| {
        l.price = Price::parse("190").unwrap()
    });

    let to_b = carry(dir.path(), &mut a, &mut b, &mut Files::default(), 4_000);
    // A's sale and price (B had the listing's creation already).
    assert_eq!((to_b.updated_listings, to_b.changes), (1, 2));
    let to_a = carry(dir.path(), &mut b, &mut a, &mut Files::default(), 4_100);
    // B's two sales and its title: A's own rows coming back are skipped.
    assert_eq!((to_a.updated_listings, to_a.changes), (1, 3));
    let both = |s: &store::Store| {
        let l = s.listing(oil).unwrap().unwrap();
        (l.stock, l.price, l.titles)
    };
    assert_eq!(both(&a), both(&b));
    assert_eq!(
        both(&a),
        (
            4,
            Price::parse("190").unwrap(),
            Titles::from_single("Huile d'argan pure 1 l")
        )
    );
    assert_eq!(a.journal(0, 10_000).unwrap().count, 3);
    assert_eq!(b.journal(0, 10_000).unwrap().count, 3);

    // Exchanging again changes nothing on either side.
    let quiet = carry(dir.path(), &mut a, &mut b, &mut Files::default(), 5_000);
    assert_eq!((quiet.changes, quiet.updated_listings), (0, 0));
    let quiet = carry(dir.path(), &mut b, &mut a, &mut Files::default(), 5_100);
    assert_eq!((quiet.changes, quiet.updated_listings), (0, 0));
    assert_eq!(both(&a).0, 4);

    // What B pushes names every sale of both laptops by its own id.
    let change = b
        .pending_changes(10)
        .unwrap()
        .into_iter()
        .find(|p| p.listing_id == oil)
        .unwrap();
    assert_eq!(
        change
            .stock_parts
            .iter()
            .filter(|p| p.delta.is_some())
            .count(),
        3
    );
}

#[test]
fn an_older_edit_from_the_other_laptop_loses_and_never_goes_out_from_here() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(dir.path(), "a", "coop-1");
    let mut b = laptop(dir.path(), "b", "coop-1");
    let rug = listing(&mut a, "Tapis Azilal", "3200", 1, 1_000);
    carry(dir.path(), &mut a, &mut b, &mut Files::default(), 2_000);
    crate::send_all(&mut a);
    crate::send_all(&mut b);

    edit(&mut a, rug, 3_000, |l| {
        l.price = Price::parse("3000").unwrap()
    });
    edit(&mut b, rug, 3_500, |l| {
        l.price = Price::parse("3500").unwrap()
    });
    let taken = carry(dir.path(), &mut a, &mut b, &mut Files::default(), 4_000);
    assert_eq!(taken.changes, 1);
    assert_eq!(
        b.listing(rug).unwrap().unwrap().price,
        Price::parse("3500").unwrap()
    );
    // B pushes its own price; A's row is only a record here.
    let change = b.pending_changes(10).unwrap().pop().unwrap();
    assert_eq!(change.fields.as_deref(), Some(&[ListingField::Price][..]));
    // And the other way, A takes B's later price.
    carry(dir.path(), &mut b, &mut a, &mut Files::default(), 4_100);
    assert_eq!(
        a.listing(rug).unwrap().unwrap().price,
        Price::parse("3500").unwrap()
    );
}

#[test]
fn photos_travel_in_the_bundle_and_lists_follow() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(dir.path(), "a", "coop-1");
    let mut b = laptop(dir.path(), "b", "coop-1");
    let display = "d".repeat(64);
    let thumb = "e".repeat(64);
    a.record_photo(
        &store::PhotoRecord {
            display_sha256: display.clone(),
            thumb_sha256: thumb.clone(),
            width: 1600,
            height: 1200,
            source_name: Some("tapis.jpg".into()),
        },
        1_000,
    )
    .unwrap();
    let mut new = ListingInput::quick(Titles::from_single("Tapis"), Price::parse("900").unwrap());
    new.photos = vec![display.clone()];
    let rug = a
        .create_listing(NewListing::validate(new).unwrap(), 1_000)
        .unwrap()
        .id;
    let a_files = Files(HashMap::from([
        (display.clone(), b"display".to_vec()),
        (thumb.clone(), b"thumb".to_vec()),
    ]));
    let path = dir.path().join("with-photos.hanout");
    let made = a
        .export_bundle(&path, None, &PhotoChoice::All, &a_files, 2_000)
        .unwrap();
    assert_eq!(made.photos, 2);
    let mut b_files = Files::default();
    let taken = b.import_bundle(&path, &mut b_files, 2_000).unwrap();
    assert_eq!(taken.photos, 2);
    assert_eq!(
        b_files.0.get(&thumb).map(Vec::as_slice),
        Some(&b"thumb"[..])
    );
    assert_eq!(
        b.listing(rug).unwrap().unwrap().photos,
        vec![display.clone()]
    );
    assert_eq!(b.photo(&display).unwrap().unwrap().thumb_sha256, thumb);

    // Without the files, the listing comes with the photos the marketplace
    // has (none yet): a listing here never names a file not here.
    let mut c = laptop(dir.path(), "c", "coop-1");
    let bare = dir.path().join("bare.hanout");
    a.export_bundle(&bare, None, &PhotoChoice::None, &a_files, 2_100)
        .unwrap();
    c.import_bundle(&bare, &mut Files::default(), 2_100)
        .unwrap();
    assert!(c.listing(rug).unwrap().unwrap().photos.is_empty());
}

#[test]
fn bundles_from_elsewhere_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(dir.path(), "a", "coop-1");
    let mut other = laptop(dir.path(), "other", "coop-2");
    listing(&mut a, "Tapis", "900", 1, 1_000);
    let path = dir.path().join("a.hanout");
    a.export_bundle(&path, None, &PhotoChoice::All, &Files::default(), 2_000)
        .unwrap();

    let err = other
        .import_bundle(&path, &mut Files::default(), 2_000)
        .unwrap_err();
    assert!(
        matches!(err, store::Error::Bundle(BundleError::OtherCooperative)),
        "{err}"
    );
    assert!(other.listings().unwrap().is_empty());
    let err = a
        .import_bundle(&path, &mut Files::default(), 2_000)
        .unwrap_err();
    assert!(
        matches!(err, store::Error::Bundle(BundleError::FromThisLaptop)),
        "{err}"
    );

    let junk = dir.path().join("junk.hanout");
    std::fs::write(&junk, "name,price\nTapis,900\n").unwrap();
    let err = other
        .import_bundle(&junk, &mut Files::default(), 2_000)
        .unwrap_err();
    assert!(
        matches!(err, store::Error::Bundle(BundleError::NotABundle)),
        "{err}"
    );

    let lone = laptop(dir.path(), "lone", "coop-1");
    lone.set_setting(SettingKey::CooperativeId, None).unwrap();
    let mut lone = lone;
    let err = lone
        .import_bundle(&path, &mut Files::default(), 2_000)
        .unwrap_err();
    assert!(
        matches!(err, store::Error::Bundle(BundleError::NotConnected)),
        "{err}"
    );
}

#[test]
fn the_next_bundle_carries_only_what_the_other_laptop_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(dir.path(), "a", "coop-1");
    let mut b = laptop(dir.path(), "b", "coop-1");
    for n in 0..20 {
        listing(&mut a, &format!("Poterie {n}"), "120", 3, 1_000 + n);
    }
    let first = dir.path().join("first.hanout");
    let made = a
        .export_bundle(&first, None, &PhotoChoice::All, &Files::default(), 2_000)
        .unwrap();
    assert_eq!(made.listings, 20);
    b.import_bundle(&first, &mut Files::default(), 2_000)
        .unwrap();
    // B's answer tells A what it has.
    let answer = dir.path().join("answer.hanout");
    b.export_bundle(&answer, None, &PhotoChoice::All, &Files::default(), 2_100)
        .unwrap();
    a.import_bundle(&answer, &mut Files::default(), 2_100)
        .unwrap();

    let one = a.listings().unwrap()[0].id;
    a.record_sale(one, 1, None, None, 3_000).unwrap();
    let next = dir.path().join("next.hanout");
    let made = a
        .export_bundle(&next, None, &PhotoChoice::All, &Files::default(), 3_000)
        .unwrap();
    assert_eq!((made.listings, made.changes, made.sales), (1, 1, 1));
    let taken = b
        .import_bundle(&next, &mut Files::default(), 3_000)
        .unwrap();
    assert_eq!((taken.changes, taken.updated_listings), (1, 1));
    assert_eq!(b.listing(one).unwrap().unwrap().stock, 2);
}

#[test]
fn a_listing_shared_with_the_other_laptop_is_archived_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(dir.path(), "a", "coop-1");
    let mut b = laptop(dir.path(), "b", "coop-1");
    let rug = listing(&mut a, "Tapis", "900", 1, 1_000);
    carry(dir.path(), &mut a, &mut b, &mut Files::default(), 2_000);
    assert_eq!(
        a.remove_listing(rug, 3_000).unwrap(),
        store::Removal::Archived
    );
    carry(dir.path(), &mut a, &mut b, &mut Files::default(), 4_000);
    assert_eq!(
        b.listing(rug).unwrap().unwrap().status,
        store::Status::Archived
    );
}
