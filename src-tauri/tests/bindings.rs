//! The committed `ui/src/bindings.ts` must be what the Rust side generates.
//! `UPDATE_BINDINGS=1` (what `cargo xtask codegen` sets) rewrites it instead.

use std::path::PathBuf;

#[test]
fn bindings_are_up_to_date() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let committed = root.join(hanout_app::BINDINGS_PATH);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        hanout_app::export_bindings(&committed).unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    hanout_app::export_bindings(&fresh).unwrap();
    let fresh = std::fs::read_to_string(fresh).unwrap();
    let old = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        fresh == old,
        "{} is stale: run `cargo xtask codegen` and commit it",
        committed.display()
    );
}
