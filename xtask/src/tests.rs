//! Tidy checks over the workspace itself.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

/// Libraries that must stay free of Tauri and of HTTP serving (ARCHITECTURE.md).
const PURE_LIBRARIES: &[&str] = &["store", "sync", "protocol", "photos"];
const FORBIDDEN: &[&str] = &["tauri", "wry", "tao", "axum", "actix-web", "warp"];

#[test]
fn libraries_depend_on_neither_tauri_nor_axum() {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(crate::project_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();

    let name_of: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    // Normal (non-dev, non-build) dependency edges of the resolved graph.
    let deps: HashMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let normal = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), normal)
        })
        .collect();

    let mut checked = 0;
    for (id, name) in &name_of {
        if !PURE_LIBRARIES.contains(name) || !deps.contains_key(id) {
            continue;
        }
        checked += 1;
        let mut seen = BTreeSet::new();
        let mut stack = vec![*id];
        while let Some(next) = stack.pop() {
            for dep in &deps[next] {
                if seen.insert(*dep) {
                    stack.push(dep);
                }
            }
        }
        let bad: Vec<&str> = seen
            .iter()
            .map(|d| name_of[d])
            .filter(|n| FORBIDDEN.contains(n))
            .collect();
        assert!(
            bad.is_empty(),
            "crate `{name}` depends on {bad:?}; it must stay free of Tauri and HTTP serving"
        );
    }
    assert_eq!(
        checked,
        PURE_LIBRARIES.len(),
        "every pure library was found in the workspace"
    );
}

/// `cargo xtask fuzz` runs every target `fuzz/Cargo.toml` declares, and
/// each has its seeds.
#[test]
fn xtask_fuzz_knows_every_fuzz_target() {
    let root = crate::project_root();
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
    let declared: BTreeSet<&str> = manifest
        .lines()
        .filter_map(|line| line.strip_prefix("name = \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .filter(|name| *name != "hanout-fuzz")
        .collect();
    let known: BTreeSet<&str> = crate::fuzz::TARGETS.into_iter().collect();
    assert_eq!(declared, known);
    for target in known {
        let seeds = root.join("fuzz/seeds").join(target);
        assert!(
            std::fs::read_dir(&seeds).is_ok_and(|mut d| d.next().is_some()),
            "{} has no seeds",
            seeds.display()
        );
    }
}
