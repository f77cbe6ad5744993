//! Test helper for the power-cut test (`tests/it/kill.rs`): writes listings
//! to the catalog given as the only argument, forever, printing each id on
//! stdout only after its commit returned. The test kills it with SIGKILL.

#![allow(clippy::print_stdout)]

use std::io::Write;

fn main() {
    let path = std::env::args_os()
        .nth(1)
        .expect("usage: store-torture CATALOG.db");
    let mut store = store::open(std::path::Path::new(&path)).expect("open the catalog");
    let titles = [
        "زربية أزيلال ملونة",
        "Tajine de Safi émaillé",
        "Huile d'argan alimentaire",
        "سلة من الدوم",
    ];
    let mut stdout = std::io::stdout().lock();
    for i in 0u64.. {
        let title = titles[(i % titles.len() as u64) as usize];
        let new = store::NewListing::new(
            store::Titles::from_single(&format!("{title} {i}")),
            store::Price::from_centimes(i as i64 % 100_000).expect("price"),
        )
        .expect("valid listing");
        let listing = store.create_listing(new, i as i64).expect("commit");
        writeln!(stdout, "{}", listing.id).expect("stdout");
        stdout.flush().expect("flush");
    }
}
