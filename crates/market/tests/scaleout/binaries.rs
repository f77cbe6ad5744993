//! The real `hanout-market` binary on the scale-out configuration: admin
//! commands and two `serve` processes on one PostgreSQL database and one
//! bucket, as behind a load balancer.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Output, Stdio};

use protocol::{CatalogPage, EnrollRequest, EnrollResponse, Outcome, PushRequest, PushResponse};
use uuid::Uuid;

use crate::{fresh_bucket, upsert};

fn hanout_market(database: &str, args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_hanout-market"))
        .arg("--data")
        .arg(data.path())
        .env("HANOUT_MARKET_DATABASE", database)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// A `hanout-market serve` child on its own (empty) data directory, killed
/// when dropped.
struct Serve {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(database: &str, bucket: &str) -> Serve {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hanout-market"))
        .arg("--data")
        .arg(data.path())
        .args(["--database", database])
        .args(["serve", "--listen", "127.0.0.1:0", "--blobs", bucket])
        .env("AWS_ACCESS_KEY_ID", test_support::services::S3rver::KEY)
        .env("AWS_SECRET_ACCESS_KEY", test_support::services::S3rver::KEY)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_owned();
    Serve {
        child,
        base,
        _data: data,
    }
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

    let (a, b) = (serve(&database, &bucket), serve(&database, &bucket));
    let client = reqwest::Client::new();
    // Enrolled on one process, the token works on the other.
    let enrolled: EnrollResponse = client
        .post(format!("{}/v1/enroll", a.base))
        .json(&EnrollRequest {
            code,
            device_name: "laptop".to_owned(),
        })
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = Uuid::now_v7();
    let push: PushResponse = client
        .post(format!("{}/v1/push", b.base))
        .bearer_auth(&enrolled.token)
        .json(&PushRequest {
            changes: vec![upsert(id, "Babouches brodées", 18_000, 1)],
        })
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(push.results[0].outcome, Outcome::Applied);
    let catalog: CatalogPage = client
        .get(format!("{}/v1/catalog", a.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(catalog.listings.len(), 1);
    assert_eq!(catalog.listings[0].id, id);

    // The operator's commands see the same database.
    let devices = hanout_market(&database, &["device", "list", "rif"]);
    let listed = String::from_utf8(devices.stdout).unwrap();
    assert!(listed.contains(&enrolled.device_id.to_string()), "{listed}");
}
