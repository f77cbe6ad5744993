//! Batches: bounded pool, progress, cancellation, bad files isolated.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use photos::{Error, Limits, Progress, import_many};

use crate::fixtures::{jpeg, write};

#[test]
fn bad_files_do_not_stop_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let paths = vec![
        write(dir.path(), "1.jpg", &jpeg(640, 480)),
        write(dir.path(), "empty.jpg", b""),
        write(dir.path(), "2.jpg", &jpeg(480, 640)),
        write(dir.path(), "virus.exe", b"MZ\x90\0not a photo"),
        write(dir.path(), "3.jpg", &jpeg(2000, 100)),
    ];
    let seen = Mutex::new(Vec::new());
    let cancel = AtomicBool::new(false);
    let results = import_many(
        paths.clone(),
        &dir.path().join("store"),
        &Limits::default(),
        2,
        |p: Progress| seen.lock().unwrap().push(p),
        &cancel,
    );

    let got: Vec<_> = results.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(got, paths, "results in input order");
    assert!(results[0].1.is_ok());
    assert!(matches!(results[1].1, Err(Error::Empty)));
    assert!(results[2].1.is_ok());
    assert!(matches!(results[3].1, Err(Error::UnsupportedFormat)));
    let third = results[4].1.as_ref().unwrap();
    assert_eq!((third.display.width, third.display.height), (1600, 80));

    let seen = seen.into_inner().unwrap();
    let done: Vec<usize> = seen.iter().map(|p| p.done).collect();
    let mut sorted = done.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![1, 2, 3, 4, 5]);
    assert!(
        seen.iter()
            .all(|p| p.total == 5 && paths.contains(&p.current))
    );
}

#[test]
fn cancelling_returns_cancelled_for_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = (0..4)
        .map(|i| write(dir.path(), &format!("{i}.jpg"), &jpeg(300 + i, 200)))
        .collect();
    let cancel = AtomicBool::new(false);
    // One worker, cancelled as soon as the first file is done.
    let results = import_many(
        paths,
        &dir.path().join("store"),
        &Limits::default(),
        1,
        |p: Progress| {
            if p.done == 1 {
                cancel.store(true, Ordering::SeqCst);
            }
        },
        &cancel,
    );
    assert!(results[0].1.is_ok());
    for (path, result) in &results[1..] {
        assert!(
            matches!(result, Err(Error::Cancelled)),
            "{path:?}: {result:?}"
        );
    }
}

#[test]
fn empty_batch_and_zero_workers_are_fine() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    let results = import_many(
        Vec::new(),
        dir.path(),
        &Limits::default(),
        0,
        |_| {},
        &cancel,
    );
    assert!(results.is_empty());
    let path = write(dir.path(), "a.jpg", &jpeg(50, 50));
    let results = import_many(
        vec![path],
        dir.path(),
        &Limits::default(),
        0,
        |_| {},
        &cancel,
    );
    assert!(results[0].1.is_ok());
}
