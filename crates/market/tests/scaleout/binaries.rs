//! The real `hanout-market` binary on the scale-out configuration: admin
//! commands and two `serve` processes on one PostgreSQL database and one
//! bucket, as behind a load balancer.

use std::process::Output;

use protocol::{CatalogPage, Outcome};
use uuid::Uuid;

use crate::{
    Serving, fresh_bucket, hanout_market_command, http_enroll, http_get, http_push, upsert,
};

/// An admin command on `database` (from the environment, as operators
/// would set it), with a data directory of its own.
fn hanout_market(database: &str, args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    hanout_market_command(&["--data"])
        .arg(data.path())
        .env("HANOUT_MARKET_DATABASE", database)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// `serve` on its own (empty) data directory, on `database` and `bucket`.
fn serve(database: &str, bucket: &str, data: &tempfile::TempDir) -> Serving {
    let mut command = hanout_market_command(&["--database", database]);
    command
        .arg("--data")
        .arg(data.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--blobs", bucket])
        .env("AWS_ACCESS_KEY_ID", test_support::services::S3rver::KEY)
        .env("AWS_SECRET_ACCESS_KEY", test_support::services::S3rver::KEY);
    Serving::start(&mut command)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_share_one_database_and_bucket() {
    let database = test_support::services::postgres().create_database();
    let bucket = fresh_bucket().url;

    let added = hanout_market(
        &database,
        &["coop", "add", "--slug", "rif", "--name", "Rif"],
    );
    assert!(added.status.success(), "{added:?}");
    let code = hanout_market(&database, &["device", "code", "rif"]);
    assert!(code.status.success(), "{code:?}");
    let code = String::from_utf8(code.stdout).unwrap().trim().to_owned();

    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (
        serve(&database, &bucket, &dir_a),
        serve(&database, &bucket, &dir_b),
    );
    let client = reqwest::Client::new();
    // Enrolled on one process, the token works on the other.
    let enrolled = http_enroll(&client, &a.base, code).await;
    let id = Uuid::now_v7();
    let changes = vec![upsert(id, "Babouches brodées", 18_000, 1)];
    let push = http_push(&client, &b.base, &enrolled.token, changes).await;
    assert_eq!(push.results[0].outcome, Outcome::Applied);
    let catalog: CatalogPage = http_get(&client, &a.base, "/v1/catalog").await;
    assert_eq!(catalog.listings.len(), 1);
    assert_eq!(catalog.listings[0].id, id);

    // The operator's commands see the same database.
    let devices = hanout_market(&database, &["device", "list", "rif"]);
    let listed = String::from_utf8(devices.stdout).unwrap();
    assert!(listed.contains(&enrolled.device_id.to_string()), "{listed}");
}
