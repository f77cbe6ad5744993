//! The photo pipeline lands here with its own issue (#4): decode camera
//! photos, apply orientation, strip metadata, derive `display` and `thumb`
//! JPEGs and store them by content hash.
//!
//! Empty on purpose until then, so the crate graph and its invariant (no
//! Tauri, no HTTP) are fixed from the first commit.
