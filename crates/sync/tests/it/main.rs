//! The sync engine against a real `hanout-market` on a loopback port.

mod app_update;
mod budget;
mod exactly_once;
mod merge;
mod outbox_rules;
mod photo_pull;
mod photos;
mod proxy;
mod pull;
mod restored_copy;
mod run_loop;
mod upload_status;
