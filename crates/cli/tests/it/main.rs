//! The real `hanout` binary on a temporary data directory.

mod budget;
mod catalog;
mod conflicts;
mod peer;
mod photos;
mod print;
mod safety;
mod sales;
mod sync;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

pub(crate) fn hanout(data: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_hanout"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        // The language then defaults to French (sys-locale reads these on Unix).
        .env_remove("LANG")
        .env_remove("LANGUAGE")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

pub(crate) const DEMO_CSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/demo/demo-catalog.csv"
);
