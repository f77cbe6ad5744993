//! Two laptops' stores (real SQLite files, real photo files) exchanging over
//! a real HTTP share on loopback.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use peer::{Error, ShareEvent, SharedStore};
use store::{ListingInput, NewListing, Price, SettingKey, Titles};

fn laptop(dir: &Path, cooperative: &str) -> SharedStore {
    std::fs::create_dir_all(dir).unwrap();
    let store = store::open(&dir.join("catalog.db")).unwrap();
    store
        .set_setting(SettingKey::CooperativeId, Some(cooperative))
        .unwrap();
    store
        .set_setting(SettingKey::CooperativeName, Some("Tifawin"))
        .unwrap();
    Arc::new(Mutex::new(store))
}

fn add(store: &SharedStore, title: &str, stock: u32, photo: Option<&[u8]>) -> store::ListingId {
    let mut s = store.lock().unwrap();
    let mut new = ListingInput::quick(Titles::from_single(title), Price::parse("250").unwrap());
    new.stock = stock;
    if let Some(bytes) = photo {
        let dir = s.path().parent().unwrap().to_owned();
        let (display, _) = photos::store_bytes(&dir, bytes).unwrap();
        let mut thumb_bytes = bytes.to_vec();
        thumb_bytes.extend_from_slice(b"-thumb");
        let (thumb, _) = photos::store_bytes(&dir, &thumb_bytes).unwrap();
        s.record_photo(
            &store::PhotoRecord {
                display_sha256: display.clone(),
                thumb_sha256: thumb,
                width: 10,
                height: 10,
                source_name: None,
            },
            1,
        )
        .unwrap();
        new.photos = vec![display];
    }
    s.create_listing(NewListing::validate(new).unwrap(), 1_000)
        .unwrap()
        .id
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_laptops_exchange_listings_sales_and_photos_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let a = laptop(&dir.path().join("a"), "coop-1");
    let b = laptop(&dir.path().join("b"), "coop-1");
    let rug = add(&a, "Tapis Azilal", 1, Some(b"rug photo bytes"));
    let oil = add(&b, "Huile d'argan", 12, None);
    b.lock()
        .unwrap()
        .record_sale(oil, 2, None, None, 2_000)
        .unwrap();

    let share = peer::share(a.clone(), loopback(), peer::Mdns::Off)
        .await
        .unwrap();
    let mut events = share.subscribe();
    let address = share.addresses()[0].clone();
    let done = peer::exchange(b.clone(), &address, &share.code())
        .await
        .unwrap();
    assert_eq!(done.taken.new_listings, 1, "B took A's rug");
    assert_eq!(done.sent.listings, 1, "B sent its oil");
    assert!(done.with.starts_with("Tifawin · "), "{}", done.with);
    match events.recv().await.unwrap() {
        ShareEvent::Exchanged { taken, .. } => assert_eq!(taken.new_listings, 1),
        other => panic!("{other:?}"),
    }

    let a_oil = a.lock().unwrap().listing(oil).unwrap().unwrap();
    assert_eq!(a_oil.stock, 10);
    let b_rug = b.lock().unwrap().listing(rug).unwrap().unwrap();
    assert_eq!(b_rug.photos.len(), 1);
    let b_dir = dir.path().join("b");
    assert_eq!(
        std::fs::read(photos::photo_path(&b_dir, &b_rug.photos[0])).unwrap(),
        b"rug photo bytes"
    );

    // A sells the last rug; the next exchange carries only that.
    a.lock()
        .unwrap()
        .record_sale(rug, 1, None, None, 3_000)
        .unwrap();
    let again = peer::exchange(b.clone(), &address, &share.code())
        .await
        .unwrap();
    assert_eq!((again.taken.changes, again.taken.updated_listings), (1, 1));
    assert_eq!(again.sent.changes, 0, "B had nothing new for A");
    assert_eq!(again.taken.photos, 0, "B has the photo already");
    assert_eq!(b.lock().unwrap().listing(rug).unwrap().unwrap().stock, 0);
    share.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_takes_nothing_and_five_change_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = laptop(&dir.path().join("a"), "coop-1");
    let b = laptop(&dir.path().join("b"), "coop-1");
    add(&b, "Huile d'argan", 12, None);
    let share = peer::share(a.clone(), loopback(), peer::Mdns::Off)
        .await
        .unwrap();
    let address = share.addresses()[0].clone();
    let first = share.code();
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..4 {
        let err = peer::exchange(b.clone(), &address, wrong)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::WrongCode), "{err}");
    }
    assert!(a.lock().unwrap().listings().unwrap().is_empty());
    let err = peer::exchange(b.clone(), &address, wrong)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CodeChanged), "{err}");
    assert_ne!(share.code(), first);
    // The old code no longer works; the new one does.
    let err = peer::exchange(b.clone(), &address, &first)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongCode), "{err}");
    let done = peer::exchange(b.clone(), &address, &share.code())
        .await
        .unwrap();
    assert_eq!(done.sent.listings, 1);
    assert_eq!(a.lock().unwrap().listings().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_laptop_of_another_cooperative_cannot_exchange_even_with_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let a = laptop(&dir.path().join("a"), "coop-1");
    let other = laptop(&dir.path().join("other"), "coop-2");
    add(&a, "Tapis", 1, None);
    add(&other, "Poterie", 1, None);
    let share = peer::share(a.clone(), loopback(), peer::Mdns::Off)
        .await
        .unwrap();
    let err = peer::exchange(other.clone(), &share.addresses()[0], &share.code())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongCode), "{err}");
    assert_eq!(a.lock().unwrap().listings().unwrap().len(), 1);
    assert_eq!(other.lock().unwrap().listings().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_listening_is_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let b = laptop(&dir.path().join("b"), "coop-1");
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let err = tokio::time::timeout(Duration::from_secs(20), peer::exchange(b, &addr, "123456"))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::Unreachable(_)), "{err}");
}

/// mDNS joins multicast groups on every interface it starts on: the test
/// runs in a network namespace of its own (only loopback, multicast on),
/// so nothing leaves this machine. Re-runs this test binary there.
#[test]
fn a_share_is_found_over_mdns() {
    if std::env::var_os("HANOUT_IN_NETNS").is_none() {
        let me = std::env::current_exe().unwrap();
        let status = std::process::Command::new("unshare")
            .args(["--net", "--", "sh", "-c"])
            .arg(r#"ip link set lo up && ip link set lo multicast on && exec "$0" --exact a_share_is_found_over_mdns --nocapture"#)
            .arg(&me)
            .env("HANOUT_IN_NETNS", "1")
            .status()
            .expect("unshare (util-linux) and ip (iproute2) run this test");
        assert!(
            status.success(),
            "the test in its namespace failed: {status}"
        );
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(found_over_mdns());
}

async fn found_over_mdns() {
    let dir = tempfile::tempdir().unwrap();
    let a = laptop(&dir.path().join("a"), "coop-1");
    let share = peer::share(a.clone(), "0.0.0.0:0".parse().unwrap(), peer::Mdns::On)
        .await
        .unwrap();
    assert!(share.announced());
    let key = a.lock().unwrap().installation_key().unwrap();
    let found =
        tokio::task::spawn_blocking(|| peer::discover(peer::Mdns::On, Duration::from_secs(10), 1))
            .await
            .unwrap()
            .unwrap();
    let me = found
        .iter()
        .find(|f| f.key == key)
        .expect("the share is found");
    assert!(me.name.starts_with("Tifawin · "), "{me:?}");
    let port = share.port().to_string();
    assert!(me.addresses.iter().all(|a| a.ends_with(&port)), "{me:?}");
    // And exchanging through a found address works.
    let b = laptop(&dir.path().join("b"), "coop-1");
    add(&b, "Huile", 3, None);
    let done = peer::exchange(b, &me.addresses[0], &share.code())
        .await
        .unwrap();
    assert_eq!(done.sent.listings, 1);
}
