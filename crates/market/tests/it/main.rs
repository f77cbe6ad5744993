//! The marketplace over HTTP, on real SQLite files in temporary directories.
//! Handler tests call the app with `oneshot`; `server` and `cli` run a real
//! listening server and the real binary.

mod caching;
mod catalog;
mod catalog_pages;
mod chromium;
mod cleanup;
mod cli;
mod clocks;
mod console;
mod console_chromium;
mod console_trust;
mod creation_with_upload;
mod demo;
mod devices;
mod disk_uploads;
mod enroll;
mod feed_reading;
mod feeds;
mod folds;
mod limits;
mod listing_photos;
mod merge;
mod moderation;
mod pages;
mod photos;
mod pull;
mod push;
mod quotas;
mod reads;
mod releases;
mod s3_blobs;
mod server;
mod share;
mod status;
mod takedown;
mod trust;
mod trust_forms;
mod tus_interop;
mod tus_rules;

mod support;
pub(crate) use support::*;

/// This binary runs the suite on the embedded default: SQLite and photos
/// in the data directory.
const BACKEND: Backend = Backend::Embedded;
