//! `cargo xtask bench app`'s fixture: a data directory whose catalog holds
//! N realistic listings (titles in Arabic, French and English from the demo
//! catalog, varied; prices, stock, regions), most of them on the
//! marketplace, a few refused, the newest 100 waiting — a cooperative's
//! laptop after months of use. No photos: their files would be needed too.
//!
//! `--data-dir DIR` (required), `--listings N` (10,000).

// A bench fixture: printing what it made is its job.
#![allow(clippy::print_stderr)]

use std::time::Instant;

const DEMO_CSV: &str = include_str!("../../assets/demo/demo-catalog.csv");
const QUALIFIERS_FR: &[&str] = &[
    "rouge", "bleu", "ocre", "safran", "grand", "petit", "ancien", "brodé", "naturel", "berbère",
    "doré", "fin",
];
const QUALIFIERS_AR: &[&str] = &[
    "أحمر",
    "أزرق",
    "كبير",
    "صغير",
    "تقليدي",
    "مطرز",
    "طبيعي",
    "أمازيغي",
    "ذهبي",
    "رفيع",
];
const QUALIFIERS_EN: &[&str] = &[
    "red",
    "blue",
    "ochre",
    "saffron",
    "large",
    "small",
    "old",
    "embroidered",
    "natural",
    "Amazigh",
    "golden",
    "fine",
];
const VILLAGES: &[&str] = &[
    "Tazenakht",
    "Azilal",
    "Safi",
    "Tamegroute",
    "Taliouine",
    "Ouarzazate",
    "Chefchaouen",
    "Fès",
    "Essaouira",
    "Tiznit",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let dir = std::path::PathBuf::from(arg("--data-dir").expect("--data-dir DIR"));
    let n: usize = arg("--listings").map_or(10_000, |v| v.parse().expect("--listings N"));
    std::fs::create_dir_all(&dir).expect("data dir");
    let mut store = store::open(&dir.join("catalog.db")).expect("store");

    let started = Instant::now();
    let mut lines = DEMO_CSV.lines();
    let header = lines.next().expect("header");
    let seeds: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let mut made = 0;
    while made < n {
        // The CSV import path: 2,000 rows per transaction.
        let mut csv = format!("{header},tags\n");
        for _ in 0..2_000.min(n - made) {
            let seed = &seeds[made % seeds.len()];
            let q = made / seeds.len();
            let mut row = seed.clone();
            row[1] = format!("{} {}", row[1], QUALIFIERS_AR[q % QUALIFIERS_AR.len()]);
            row[2] = format!(
                "{} {} {}",
                row[2],
                QUALIFIERS_FR[q % QUALIFIERS_FR.len()],
                VILLAGES[(q / 7) % VILLAGES.len()]
            );
            row[3] = format!("{} {}", row[3], QUALIFIERS_EN[q % QUALIFIERS_EN.len()]);
            row[4] = format!("{}.00", 20 + (made * 37) % 9_000);
            row[6] = format!("{}", 1 + made % 12);
            csv.push_str(&format!(
                "{},{}\n",
                row.join(","),
                VILLAGES[made % VILLAGES.len()]
            ));
            made += 1;
        }
        let plan = store::plan_import(csv.as_bytes()).expect("plan");
        assert!(plan.errors.is_empty(), "{:?}", plan.errors.first());
        store
            .apply_import(&plan, 1_000_000 + made as i64)
            .expect("import");
    }

    let pending = store.pending_changes(n).expect("pending");
    let acks: Vec<_> = pending
        .iter()
        .take(n.saturating_sub(100))
        .enumerate()
        .map(|(i, p)| {
            let ack = if i % 500 == 7 {
                store::PushAck::Rejected {
                    reason: "invalid".into(),
                }
            } else {
                store::PushAck::Accepted
            };
            (p.listing_id, p.seq, ack)
        })
        .collect();
    store.record_acks(&acks, 9_999_999).expect("acks");
    eprintln!(
        "{n} listings in {} in {:.1?}",
        dir.display(),
        started.elapsed()
    );
}
