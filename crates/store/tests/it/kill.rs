//! A laptop losing power at a fair must keep every committed listing.
//! A child process writes listings in a loop; it is killed with SIGKILL at
//! random moments; after each kill the catalog must open, pass
//! `integrity_check`, and hold every listing whose commit had returned.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rand::Rng;

const KILLS: usize = 20;

#[test]
fn every_committed_listing_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    let mut rng = rand::rng();
    let mut committed: Vec<String> = Vec::new();

    for round in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_store-torture"))
            .arg(&path)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Let it commit at least one listing, then a random while longer.
        let first = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the writer never committed");
        committed.push(first);
        let wait = Duration::from_millis(rng.random_range(0..150));
        let deadline = std::time::Instant::now() + wait;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(id) => committed.push(id),
                Err(_) => break,
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        // Ids printed before the kill landed: their commits had returned.
        committed.extend(rx.try_iter());

        let store = store::open(&path)
            .unwrap_or_else(|e| panic!("round {round}: catalog does not open: {e}"));
        assert!(
            store.integrity_check().unwrap(),
            "round {round}: integrity_check failed"
        );
        let present: std::collections::HashSet<String> = store
            .listings()
            .unwrap()
            .into_iter()
            .map(|l| l.id.to_string())
            .collect();
        let missing: Vec<&String> = committed
            .iter()
            .filter(|id| !present.contains(*id))
            .collect();
        assert!(
            missing.is_empty(),
            "round {round}: {} committed listings lost, e.g. {:?}",
            missing.len(),
            missing.first()
        );
        assert_eq!(
            store.pending_count().unwrap() as usize,
            present.len(),
            "round {round}: every listing has its outbox row"
        );
    }
    assert!(committed.len() >= KILLS);
}
