//! Content addressing and atomic writes.

use photos::{Limits, import, photo_path};
use sha2::{Digest, Sha256};

use crate::fixtures::{files_under, jpeg, write};

#[test]
fn derivatives_are_named_by_their_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let path = write(dir.path(), "a.jpg", &jpeg(1000, 700));
    let imported = import(&path, &store, &Limits::default()).unwrap();
    for derivative in [&imported.display, &imported.thumb] {
        let bytes = std::fs::read(&derivative.path).unwrap();
        let sha = hex::encode(Sha256::digest(&bytes));
        assert_eq!(derivative.sha256, sha);
        assert_eq!(derivative.path, photo_path(&store, &sha));
        assert_eq!(
            derivative.path,
            store
                .join("photos")
                .join(&sha[..2])
                .join(format!("{sha}.jpg"))
        );
        assert_eq!(derivative.bytes, bytes.len() as u64);
    }
}

#[test]
fn importing_twice_stores_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let bytes = jpeg(900, 600);
    let first = import(
        &write(dir.path(), "a.jpg", &bytes),
        &store,
        &Limits::default(),
    )
    .unwrap();
    // Same photo under another name.
    let second = import(
        &write(dir.path(), "copy.jpeg", &bytes),
        &store,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(first, second);
    let files = files_under(&store);
    assert_eq!(
        files.len(),
        2,
        "display + thumb, no temp files left: {files:?}"
    );
}

#[test]
fn unwritable_store_is_a_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.jpg", &jpeg(64, 64));
    // The store "directory" is a file: nothing can be created under it.
    let store = write(dir.path(), "not-a-dir", b"x");
    let error = import(&path, &store, &Limits::default()).unwrap_err();
    assert!(matches!(error, photos::Error::Store { .. }), "{error:?}");
}
