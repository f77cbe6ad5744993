//! Arbitrary bytes as the JSON body of every `/v1` request and answer, in
//! both directions: what the marketplace reads from devices (push, enroll,
//! photos) and what the sync engine reads from a marketplace (push results,
//! pulls, errors). Each type must refuse or parse, never panic; a parsed
//! value must serialise and parse back to itself (the wire is symmetric);
//! and a clock reading taken from the wire must move the device's clock
//! past it, as [`Hlc::observe`] promises.

#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use protocol::{
    CatalogPage, Change, EnrollRequest, EnrollResponse, ErrorBody, Hlc, ListingPhotosRequest,
    PhotosMissingRequest, PhotosMissingResponse, PullResponse, PushRequest, PushResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn parse<T>(data: &[u8]) -> Option<T>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let value: T = serde_json::from_slice(data).ok()?;
    let json = serde_json::to_vec(&value).expect("a parsed value serialises");
    let back: T = serde_json::from_slice(&json).expect("what was serialised parses");
    assert_eq!(
        back,
        value,
        "round trip through {}",
        String::from_utf8_lossy(&json)
    );
    Some(value)
}

/// A device whose clock reads `mine` sees `seen` on the wire at wall time
/// `now_ms`: its next reading is later than both (unless nothing can be).
fn observe(mine: Hlc, seen: Hlc, now_ms: i64) {
    let next = mine.observe(seen, now_ms);
    let last = Hlc {
        ms: i64::MAX,
        counter: u32::MAX,
    };
    if mine.max(seen) != last {
        assert!(
            next > mine && next > seen,
            "{mine:?} observed {seen:?} at {now_ms}: {next:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    // The marketplace reads these from devices.
    if let Some(push) = parse::<PushRequest>(data) {
        for change in &push.changes {
            if let Some(hlc) = change.hlc {
                observe(Hlc::default(), hlc, hlc.ms);
            }
        }
    }
    parse::<Change>(data);
    parse::<EnrollRequest>(data);
    parse::<ListingPhotosRequest>(data);
    parse::<PhotosMissingRequest>(data);

    // The sync engine reads these from a marketplace.
    parse::<PushResponse>(data);
    if let Some(pull) = parse::<PullResponse>(data) {
        for (i, listing) in pull.changes.iter().enumerate() {
            if let Some(hlc) = listing.hlc {
                let mine = pull.changes[..i]
                    .iter()
                    .filter_map(|l| l.hlc)
                    .max()
                    .unwrap_or_default();
                observe(
                    mine,
                    hlc,
                    listing.listing.as_ref().map_or(0, |l| l.updated_at_ms),
                );
            }
        }
    }
    parse::<EnrollResponse>(data);
    parse::<PhotosMissingResponse>(data);
    parse::<ErrorBody>(data);
    parse::<CatalogPage>(data);
});
