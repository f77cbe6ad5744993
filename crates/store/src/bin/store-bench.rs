//! `cargo xtask bench store`: builds a catalog of 100,000 realistic listings
//! (Arabic and French, seeded from the demo catalog) on disk and measures
//! what a manager feels: saving one listing with `synchronous=FULL`, search
//! as they type, the first page of the catalog with covers.
//!
//! Prints the figures and writes them to `--out` as JSON. Not a test: goals
//! are reported, never asserted.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use store::{Price, SearchQuery, Sort, Store};

const LISTINGS: usize = 100_000;
const DEMO_CSV: &str = include_str!("../../../../assets/demo/demo-catalog.csv");
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
    let out = std::env::args()
        .skip_while(|a| a != "--out")
        .nth(1)
        .map(PathBuf::from);
    let dir = std::env::temp_dir().join(format!("hanout-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let path = dir.join("catalog.db");
    let mut store = store::open(&path).expect("open");

    let started = Instant::now();
    load(&mut store);
    let load_s = started.elapsed().as_secs_f64();
    println!(
        "loaded {LISTINGS} listings in {load_s:.1} s (CSV import path, 5,000 rows per transaction)"
    );

    // Saving one listing, one transaction each, synchronous=FULL.
    let mut insert = Vec::new();
    for i in 0..1_000 {
        let mut input = store::ListingInput::quick(
            store::Titles::from_single(&format!(
                "زربية {} {i}",
                QUALIFIERS_AR[i % QUALIFIERS_AR.len()]
            )),
            Price::from_centimes(10_000 + i as i64).expect("price"),
        );
        input.photos = vec![format!("{:064x}", 1_000_000 + i)];
        let new = store::NewListing::validate(input).expect("valid");
        let t = Instant::now();
        store
            .create_listing(new, 2_000_000 + i as i64)
            .expect("insert");
        insert.push(t.elapsed());
    }

    // The floor under any durable commit: one small write + fsync on the same disk.
    let mut fsync = Vec::new();
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(dir.join("fsync-probe")).expect("probe");
        for i in 0..200u32 {
            let t = Instant::now();
            f.write_all(&i.to_le_bytes()).expect("write");
            f.sync_all().expect("fsync");
            fsync.push(t.elapsed());
        }
    }

    let mut search = [Vec::new(), Vec::new(), Vec::new()];
    let words = [
        "tapis",
        "زربية",
        "argan",
        "laine",
        "طاجين",
        "rouge",
        "tazenakht",
        "huile",
        "cuir",
        "fès",
        "naturel",
        "أمازيغي",
    ];
    for i in 0..300 {
        let n = i % 3;
        let query: Vec<&str> = (0..=n)
            .map(|k| words[(i * 7 + k * 5) % words.len()])
            .collect();
        // As typed: the last word is often incomplete.
        let mut text = query.join(" ");
        if i % 2 == 0 {
            text.truncate(
                text.char_indices()
                    .nth(text.chars().count().saturating_sub(2))
                    .map_or(text.len(), |(b, _)| b),
            );
        }
        let t = Instant::now();
        let hits = store
            .search(&SearchQuery {
                text: Some(text),
                ..SearchQuery::default()
            })
            .expect("search");
        search[n].push(t.elapsed());
        std::hint::black_box(hits);
    }

    let mut page = Vec::new();
    let categories = [
        None,
        Some(store::Category::Carpets),
        Some(store::Category::Food),
    ];
    for i in 0..300 {
        let sort = [Sort::Updated, Sort::PriceAscending, Sort::Title][i % 3];
        let t = Instant::now();
        let listings = store
            .search(&SearchQuery {
                category: categories[i % 3],
                sort,
                limit: 50,
                ..SearchQuery::default()
            })
            .expect("page");
        page.push(t.elapsed());
        assert!(
            listings.iter().all(|l| !l.photos.is_empty()),
            "every bench listing has a cover"
        );
    }
    drop(store);
    let size_mb = dir_size(&dir) as f64 / 1e6;
    let _ = std::fs::remove_dir_all(&dir);

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let pct = |v: &mut Vec<Duration>, p: f64| {
        v.sort();
        ms(v[((v.len() as f64 - 1.0) * p).round() as usize])
    };
    let insert_p50 = pct(&mut insert, 0.50);
    let insert_p99 = pct(&mut insert, 0.99);
    let fsync_p50 = pct(&mut fsync, 0.50);
    let fsync_p99 = pct(&mut fsync, 0.99);
    let search_p50: Vec<f64> = search.iter_mut().map(|v| pct(v, 0.50)).collect();
    let search_p95: Vec<f64> = search.iter_mut().map(|v| pct(v, 0.95)).collect();
    let page_p95 = pct(&mut page, 0.95);
    let search_p95_max = search_p95.iter().copied().fold(0.0, f64::max);

    println!(
        "\nstore benchmark, {LISTINGS} listings on disk ({size_mb:.1} MB with WAL and backups)"
    );
    println!("{:<34} {:>9} {:>9} {:>9}", "", "p50 ms", "p95/p99", "goal");
    println!(
        "{:<34} {:>9.2} {:>9.2} {:>9}",
        "insert one listing (p99)", insert_p50, insert_p99, "≤ 5"
    );
    println!(
        "{:<34} {:>9.2} {:>9.2} {:>9}",
        "reference: write + fsync (p99)", fsync_p50, fsync_p99, ""
    );
    println!(
        "insert / raw fsync: p50 {:.1}×, p99 {:.1}× (a WAL commit with synchronous=FULL fsyncs the WAL once)",
        insert_p50 / fsync_p50.max(1e-9),
        insert_p99 / fsync_p99.max(1e-9)
    );
    for (n, (p50, p95)) in search_p50.iter().zip(&search_p95).enumerate() {
        println!(
            "{:<34} {:>9.2} {:>9.2} {:>9}",
            format!("search, {}-word query (p95)", n + 1),
            p50,
            p95,
            "≤ 10"
        );
    }
    println!(
        "{:<34} {:>9} {:>9.2} {:>9}",
        "first page of 50 with covers (p95)", "", page_p95, "≤ 20"
    );
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "goals: insert {} ({:.2}× the 5 ms budget), search {} ({:.2}× of 10 ms), page {} ({:.2}× of 20 ms)",
        verdict(insert_p99 <= 5.0),
        insert_p99 / 5.0,
        verdict(search_p95_max <= 10.0),
        search_p95_max / 10.0,
        verdict(page_p95 <= 20.0),
        page_p95 / 20.0
    );

    let json = format!(
        "{{\n  \"listings\": {LISTINGS},\n  \"insert_p50_ms\": {insert_p50:.3},\n  \"insert_p99_ms\": {insert_p99:.3},\n  \"fsync_p50_ms\": {fsync_p50:.3},\n  \"fsync_p99_ms\": {fsync_p99:.3},\n  \"search_p50_ms\": [{}],\n  \"search_p95_ms_by_words\": [{}],\n  \"search_p95_ms\": {search_p95_max:.3},\n  \"page_p95_ms\": {page_p95:.3},\n  \"file_size_mb\": {size_mb:.1},\n  \"load_seconds\": {load_s:.1}\n}}\n",
        search_p50
            .iter()
            .map(|v| format!("{v:.3}"))
            .collect::<Vec<_>>()
            .join(", "),
        search_p95
            .iter()
            .map(|v| format!("{v:.3}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(out) = out {
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).expect("bench dir");
        }
        std::fs::write(&out, json).expect("write json");
        println!("wrote {}", out.display());
    }
}

/// 100,000 listings through the CSV import path, 5,000 per transaction.
fn load(store: &mut Store) {
    let mut lines = DEMO_CSV.lines();
    let header = lines.next().expect("header");
    let seeds: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let mut n = 0;
    while n < LISTINGS {
        let mut csv = format!("{header},tags,photos\n");
        for _ in 0..5_000.min(LISTINGS - n) {
            let seed = &seeds[n % seeds.len()];
            let q = n / seeds.len();
            let mut row = seed.clone();
            row[1] = format!("{} {}", row[1], QUALIFIERS_AR[q % QUALIFIERS_AR.len()]);
            row[2] = format!(
                "{} {} {}",
                row[2],
                QUALIFIERS_FR[q % QUALIFIERS_FR.len()],
                VILLAGES[(q / 7) % VILLAGES.len()]
            );
            row[4] = format!("{}.00", 20 + (n * 37) % 9_000);
            let photos: Vec<String> = (0..1 + n % 3)
                .map(|k| format!("{:064x}.jpg", n * 3 + k))
                .collect();
            csv.push_str(&format!(
                "{},{},{}\n",
                row.join(","),
                VILLAGES[n % VILLAGES.len()],
                photos.join("|")
            ));
            n += 1;
        }
        let plan = store::plan_import(csv.as_bytes()).expect("plan");
        assert!(plan.errors.is_empty(), "{:?}", plan.errors.first());
        store
            .apply_import(&plan, 1_000_000 + n as i64)
            .expect("import");
    }
}

fn dir_size(dir: &std::path::Path) -> u64 {
    walk(dir)
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}
