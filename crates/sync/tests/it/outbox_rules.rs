//! What a change carries when answers get lost and editors go stale: a
//! change once sent goes again unchanged, later edits go in their own; the
//! editor sends only what the manager changed; a batch too big is split;
//! another cooperative's code starts the pull over.

use std::path::Path;
use std::sync::{Arc, Mutex};

use store::{ListingInput, NewListing, Price, SettingKey, Titles};
use sync::{Config, Engine, SystemClock, sync_once};
use test_support::TestMarket;

use crate::merge::{edit, listing};
use crate::proxy::Proxy;
use crate::pull::{Laptop, atlas, laptop};

/// A laptop of the atlas cooperative talking to the marketplace at `url`.
fn laptop_at(dir: &Path, name: &str, server: &TestMarket, url: &str, config: Config) -> Laptop {
    let code = market::admin::enrollment_code(&server.market, "atlas").unwrap();
    let store = store::open(&dir.join(format!("{name}.db"))).unwrap();
    store.set_setting(SettingKey::MarketUrl, Some(url)).unwrap();
    store
        .set_setting(SettingKey::EnrollCode, Some(&code))
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), Arc::new(SystemClock), config).unwrap();
    Laptop { store, engine }
}

fn create(laptop: &Laptop, title: &str, stock: u32, now_ms: i64) -> store::ListingId {
    let mut input = ListingInput::quick(Titles::from_single(title), Price::parse("180").unwrap());
    input.stock = stock;
    laptop
        .store
        .lock()
        .unwrap()
        .create_listing(NewListing::validate(input).unwrap(), now_ms)
        .unwrap()
        .id
}

#[tokio::test]
async fn a_lost_answer_then_a_sale_counts_each_sale_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let proxy = Proxy::start(server.addr).await;
    let a = laptop_at(dir.path(), "a", &server, &proxy.url(), Config::default());
    let id = create(&a, "Huile d'argan 1 l", 10, 100);
    sync_once(&a.engine).await.unwrap();

    // Two sold; the push reaches the server, its answer is lost.
    edit(&a, id, 200, |l| l.stock -= 2);
    proxy.cut_download_after(1);
    sync_once(&a.engine).await.unwrap_err();
    assert!(proxy.download_was_cut());
    // One more sold before the link comes back.
    edit(&a, id, 300, |l| l.stock -= 1);
    sync_once(&a.engine).await.unwrap();

    let b = laptop(dir.path(), "b", &server);
    sync_once(&b.engine).await.unwrap();
    assert_eq!(listing(&b, id).stock, 7, "10 − 2 − 1, each sale once");
    sync_once(&a.engine).await.unwrap();
    assert_eq!(listing(&a, id).stock, 7);
    assert_eq!(a.store.lock().unwrap().pending_count().unwrap(), 0);
}

#[tokio::test]
async fn a_lost_answer_then_an_edit_does_not_restamp_the_older_field() {
    // Edits stamped seconds apart, ahead of the wall clock, so that pulls
    // (which move a laptop's clock to the wall clock) cannot reorder them.
    let t = sync::Clock::now_ms(&SystemClock) + 10_000;
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let proxy = Proxy::start(server.addr).await;
    let a = laptop_at(dir.path(), "a", &server, &proxy.url(), Config::default());
    let b = laptop(dir.path(), "b", &server);
    let id = create(&a, "Tapis Azilal", 1, t);
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();

    // A reprices first; the server takes it, the answer is lost.
    edit(&a, id, t + 10_000, |l| {
        l.price = Price::parse("200").unwrap()
    });
    proxy.cut_download_after(1);
    sync_once(&a.engine).await.unwrap_err();
    // B reprices later and syncs.
    edit(&b, id, t + 20_000, |l| {
        l.price = Price::parse("250").unwrap()
    });
    sync_once(&b.engine).await.unwrap();
    // A retitles later still. Its retry must not carry the price again
    // under the new edit's clock: B's later price stands.
    edit(&a, id, t + 30_000, |l| {
        l.titles = Titles::from_single("Tapis Azilal ancien")
    });
    sync_once(&a.engine).await.unwrap();
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();

    for laptop in [&a, &b] {
        let l = listing(laptop, id);
        assert_eq!(l.price, Price::parse("250").unwrap());
        assert_eq!(l.titles, Titles::from_single("Tapis Azilal ancien"));
    }
}

#[tokio::test]
async fn a_stale_editor_saves_only_what_the_manager_changed() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let a = laptop(dir.path(), "a", &server);
    let b = laptop(dir.path(), "b", &server);
    let id = create(&a, "Poterie de Safi", 10, 100);
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();

    // A opens the editor.
    let loaded = listing(&a, id).to_input();
    // Meanwhile B reprices and sells 3; A pulls that while the editor is open.
    edit(&b, id, 200, |l| {
        l.price = Price::parse("220").unwrap();
        l.stock -= 3;
    });
    sync_once(&b.engine).await.unwrap();
    sync_once(&a.engine).await.unwrap();
    assert_eq!(listing(&a, id).stock, 7);

    // The manager changed the origin and added one to the stock they saw.
    let mut typed = loaded.clone();
    typed.origin = Some("Safi".to_owned());
    typed.stock = loaded.stock + 1;
    a.store
        .lock()
        .unwrap()
        .save_edit(id, &loaded, typed, 300)
        .unwrap();
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();
    for laptop in [&a, &b] {
        let l = listing(laptop, id);
        assert_eq!(l.price, Price::parse("220").unwrap(), "B's price survives");
        assert_eq!(l.stock, 8, "B's sales survive, A's +1 counts");
        assert_eq!(l.origin.as_deref(), Some("Safi"));
    }

    // A field both changed is not silently overwritten.
    let loaded = listing(&a, id).to_input();
    edit(&b, id, 400, |l| l.price = Price::parse("240").unwrap());
    sync_once(&b.engine).await.unwrap();
    sync_once(&a.engine).await.unwrap();
    let mut typed = loaded.clone();
    typed.price = Price::parse("230").unwrap();
    let err = a
        .store
        .lock()
        .unwrap()
        .save_edit(id, &loaded, typed.clone(), 500)
        .unwrap_err();
    match err {
        store::Error::EditedMeanwhile { fields } => assert_eq!(fields, ["price"]),
        other => panic!("expected EditedMeanwhile, got {other}"),
    }
    assert_eq!(listing(&a, id).price, Price::parse("240").unwrap());
    // Keeping theirs: saved again against what is there now.
    let current = listing(&a, id).to_input();
    a.store
        .lock()
        .unwrap()
        .save_edit(id, &current, typed, 600)
        .unwrap();
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();
    assert_eq!(listing(&b, id).price, Price::parse("230").unwrap());
}

#[tokio::test]
async fn a_batch_too_big_for_the_marketplace_is_split() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let config = Config {
        batch_size: protocol::MAX_PUSH_CHANGES + 100,
        ..Config::default()
    };
    let a = laptop_at(dir.path(), "a", &server, &server.url(), config);
    let count = protocol::MAX_PUSH_CHANGES + 50;
    for i in 0..count {
        create(&a, &format!("Savon noir n° {i}"), 1, 100 + i as i64);
    }
    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.accepted, count);
    assert_eq!(a.store.lock().unwrap().pending_count().unwrap(), 0);
}

#[tokio::test]
async fn a_code_of_another_cooperative_pulls_that_cooperative_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    market::admin::add_cooperative(&server.market, "rif", "Coopérative du Rif").unwrap();
    // Rif's laptop publishes first.
    let rif_code = market::admin::enrollment_code(&server.market, "rif").unwrap();
    let r = laptop(dir.path(), "r", &server);
    r.store
        .lock()
        .unwrap()
        .set_setting(SettingKey::EnrollCode, Some(&rif_code))
        .unwrap();
    let rif_listing = create(&r, "Miel de thym", 4, 100);
    sync_once(&r.engine).await.unwrap();
    // Then an atlas laptop works a while, its cursor past Rif's listing.
    let a = laptop(dir.path(), "a", &server);
    create(&a, "Tapis Azilal", 1, 200);
    sync_once(&a.engine).await.unwrap();
    sync_once(&a.engine).await.unwrap();
    assert!(
        a.store
            .lock()
            .unwrap()
            .setting(SettingKey::PullCursor)
            .unwrap()
            .is_some()
    );

    // The laptop moves to the Rif cooperative.
    let code = market::admin::enrollment_code(&server.market, "rif").unwrap();
    {
        let store = a.store.lock().unwrap();
        store.set_setting(SettingKey::DeviceToken, None).unwrap();
        store
            .set_setting(SettingKey::EnrollCode, Some(&code))
            .unwrap();
    }
    sync_once(&a.engine).await.unwrap();
    let pulled = a.store.lock().unwrap().listing(rif_listing).unwrap();
    assert!(pulled.is_some(), "Rif's earlier listing is pulled");
}

fn set_status(laptop: &Laptop, id: store::ListingId, status: store::Status, now_ms: i64) {
    edit(laptop, id, now_ms, |l| l.status = status);
}

async fn public_ids(server: &TestMarket) -> Vec<uuid::Uuid> {
    server
        .catalog()
        .await
        .listings
        .into_iter()
        .map(|l| l.id)
        .collect()
}

#[tokio::test]
async fn archived_and_draft_listings_leave_the_marketplace_and_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let a = laptop(dir.path(), "a", &server);
    let b = laptop(dir.path(), "b", &server);
    let carpet = create(&a, "Tapis Azilal vendu", 1, 100);
    let draft = {
        let mut input = ListingInput::quick(
            Titles::from_single("Pouf en cuir"),
            Price::parse("450").unwrap(),
        );
        input.status = store::Status::Draft;
        a.store
            .lock()
            .unwrap()
            .create_listing(NewListing::validate(input).unwrap(), 110)
            .unwrap()
            .id
    };
    sync_once(&a.engine).await.unwrap();
    // A draft is kept off the marketplace (the cooperative's laptops still get it).
    assert_eq!(public_ids(&server).await, [carpet.uuid()]);
    sync_once(&b.engine).await.unwrap();
    assert_eq!(listing(&b, draft).status, store::Status::Draft);

    // Sold out: archived here, gone from the marketplace at the next sync.
    set_status(&a, carpet, store::Status::Archived, 200);
    sync_once(&a.engine).await.unwrap();
    assert!(public_ids(&server).await.is_empty());
    let page = reqwest::get(format!("{}/l/{}", server.url(), carpet.uuid()))
        .await
        .unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::NOT_FOUND);
    // The other laptop learns it is archived.
    sync_once(&b.engine).await.unwrap();
    assert_eq!(listing(&b, carpet).status, store::Status::Archived);

    // Republished from the other laptop: public again, and A learns it.
    set_status(&b, carpet, store::Status::Published, 300);
    set_status(&b, draft, store::Status::Ready, 310);
    sync_once(&b.engine).await.unwrap();
    let mut public = public_ids(&server).await;
    public.sort();
    let mut want = vec![carpet.uuid(), draft.uuid()];
    want.sort();
    assert_eq!(public, want);
    sync_once(&a.engine).await.unwrap();
    assert_eq!(listing(&a, carpet).status, store::Status::Published);
    assert_eq!(listing(&a, draft).status, store::Status::Ready);
}

/// A laptop with no photo files to give or take (bundles without photos).
struct NoFiles;

impl store::BundlePhotos for NoFiles {
    fn read(&self, _: &str) -> Option<Vec<u8>> {
        None
    }
    fn has(&self, _: &str) -> bool {
        false
    }
    fn write(&mut self, _: &str, _: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_sale_pulled_and_then_carried_by_a_bundle_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let a = laptop(dir.path(), "a", &server);
    let b = laptop(dir.path(), "b", &server);
    let id = create(&a, "Huile d'argan 1 l", 10, 100);
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();

    // B sells two and puts it on a USB stick before its next sync.
    edit(&b, id, 300, |l| l.stock -= 2);
    let bundle = dir.path().join("b.hanout");
    b.store
        .lock()
        .unwrap()
        .export_bundle(&bundle, None, &store::PhotoChoice::None, &NoFiles, 300)
        .unwrap();
    // The marketplace gets the sale from B, A pulls the count…
    sync_once(&b.engine).await.unwrap();
    sync_once(&a.engine).await.unwrap();
    assert_eq!(listing(&a, id).stock, 8);
    // …and then takes the stick in, its clock behind B's (so its push
    // changes nothing the marketplace would send back): the sale is
    // applied here once more (nothing here says the marketplace has it).
    a.store
        .lock()
        .unwrap()
        .import_bundle(&bundle, &mut NoFiles, 250)
        .unwrap();
    assert_eq!(
        listing(&a, id).stock,
        6,
        "the scenario: counted twice for now"
    );

    // The marketplace counts it once; A's next push brings its count back.
    sync_once(&a.engine).await.unwrap();
    assert_eq!(listing(&a, id).stock, 8, "B's sale counted once on A");
    assert_eq!(a.store.lock().unwrap().pending_count().unwrap(), 0);
    sync_once(&b.engine).await.unwrap();
    assert_eq!(listing(&b, id).stock, 8);
    let c = laptop(dir.path(), "c", &server);
    sync_once(&c.engine).await.unwrap();
    assert_eq!(listing(&c, id).stock, 8, "and once on the marketplace");
}
