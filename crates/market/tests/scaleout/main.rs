//! The marketplace's behaviour suite (`tests/it`) again, on the scale-out
//! configuration: every market on a fresh database in a real PostgreSQL
//! server (initdb + postgres in a temporary directory) and its photos in an
//! S3 bucket (s3rver), plus what only scale-out has: several server
//! processes sharing them.

#[path = "../it/support.rs"]
mod support;
pub(crate) use support::*;

/// This binary runs the suite on PostgreSQL + S3.
const BACKEND: Backend = Backend::ScaleOut;

#[path = "../it/caching.rs"]
mod caching;
#[path = "../it/catalog.rs"]
mod catalog;
#[path = "../it/catalog_pages.rs"]
mod catalog_pages;
#[path = "../it/chromium.rs"]
mod chromium;
#[path = "../it/cleanup.rs"]
mod cleanup;
#[path = "../it/clocks.rs"]
mod clocks;
#[path = "../it/console.rs"]
mod console;
#[path = "../it/console_chromium.rs"]
mod console_chromium;
#[path = "../it/console_trust.rs"]
mod console_trust;
#[path = "../it/creation_with_upload.rs"]
mod creation_with_upload;
#[path = "../it/devices.rs"]
mod devices;
#[path = "../it/enroll.rs"]
mod enroll;
#[path = "../it/feed_reading.rs"]
mod feed_reading;
#[path = "../it/feeds.rs"]
mod feeds;
#[path = "../it/limits.rs"]
mod limits;
#[path = "../it/listing_photos.rs"]
mod listing_photos;
#[path = "../it/merge.rs"]
mod merge;
#[path = "../it/moderation.rs"]
mod moderation;
#[path = "../it/pages.rs"]
mod pages;
#[path = "../it/photos.rs"]
mod photos;
#[path = "../it/pull.rs"]
mod pull;
#[path = "../it/push.rs"]
mod push;
#[path = "../it/quotas.rs"]
mod quotas;
#[path = "../it/releases.rs"]
mod releases;
#[path = "../it/s3_blobs.rs"]
mod s3_blobs;
#[path = "../it/server.rs"]
mod server;
#[path = "../it/status.rs"]
mod status;
#[path = "../it/takedown.rs"]
mod takedown;
#[path = "../it/trust.rs"]
mod trust;
#[path = "../it/trust_forms.rs"]
mod trust_forms;
#[path = "../it/tus_interop.rs"]
mod tus_interop;
#[path = "../it/tus_rules.rs"]
mod tus_rules;

mod binaries;
mod processes;
mod tls;
