//! `tauri.conf.json` has one source: the workspace's top level (where the
//! project layout wants it). `src-tauri/tauri.conf.json`, which the Tauri
//! CLI and `generate_context!()` read, is a symlink to it, so the two
//! cannot drift; this fails if someone replaces the link with a copy.

use std::path::{Path, PathBuf};

#[test]
fn the_tauri_config_in_src_tauri_is_the_top_level_one() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let local = crate_dir.join("tauri.conf.json");
    let top = crate_dir.parent().unwrap().join("tauri.conf.json");
    let meta = std::fs::symlink_metadata(&local).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "{} must be a symlink to ../tauri.conf.json, not a copy",
        local.display()
    );
    assert_eq!(
        std::fs::read_link(&local).unwrap(),
        Path::new("../tauri.conf.json")
    );
    assert_eq!(std::fs::read(&local).unwrap(), std::fs::read(&top).unwrap());
}
