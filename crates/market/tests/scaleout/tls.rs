//! PostgreSQL over TLS: `sslmode=require` in the database URL makes every
//! connection TLS, the server's certificate checked against `sslrootcert`
//! (or the system's roots). The process's throwaway PostgreSQL gets a
//! self-signed certificate for 127.0.0.1 and `ssl = on` for this test;
//! other tests keep connecting in plain TCP, which it still accepts.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use market::{Config, Market, admin};

/// A self-signed certificate for 127.0.0.1 and its key, in `dir`.
fn self_signed(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl (the `openssl` package)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

/// Turns TLS on in the running server (once per test process).
fn enable_tls(admin_url: &str) -> std::path::PathBuf {
    let mut client = postgres::Client::connect(admin_url, postgres::NoTls).unwrap();
    let data: String = client.query_one("SHOW data_directory", &[]).unwrap().get(0);
    let data = Path::new(&data);
    let (cert, key) = self_signed(data, "hanout-test-server");
    // The server runs as `postgres` when the tests run as root: its key
    // must be its own and private.
    let owner = std::fs::metadata(data).unwrap();
    std::os::unix::fs::chown(
        &key,
        Some(std::os::unix::fs::MetadataExt::uid(&owner)),
        None,
    )
    .unwrap();
    std::os::unix::fs::chown(
        &cert,
        Some(std::os::unix::fs::MetadataExt::uid(&owner)),
        None,
    )
    .unwrap();
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    // One statement at a time: ALTER SYSTEM refuses a transaction block.
    for statement in [
        format!("ALTER SYSTEM SET ssl_cert_file = '{}'", cert.display()),
        format!("ALTER SYSTEM SET ssl_key_file = '{}'", key.display()),
        "ALTER SYSTEM SET ssl = on".to_owned(),
        "SELECT pg_reload_conf()".to_owned(),
    ] {
        client.batch_execute(&statement).unwrap();
    }
    let since = Instant::now();
    loop {
        let on: String = client.query_one("SHOW ssl", &[]).unwrap().get(0);
        if on == "on" {
            break;
        }
        assert!(since.elapsed() < Duration::from_secs(20), "ssl stayed {on}");
        std::thread::sleep(Duration::from_millis(50));
    }
    cert
}

#[test]
fn the_database_connection_can_require_tls() {
    let url = test_support::services::postgres().create_database();
    let cert = enable_tls(&url);
    let market_url = format!("{url}?sslmode=require&sslrootcert={}", cert.display());
    let dir = tempfile::tempdir().unwrap();
    let market = Market::open_with(
        dir.path(),
        Config {
            database: Some(market_url.clone()),
            ..Config::default()
        },
    )
    .unwrap();
    admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();

    // Every connection of that database is TLS.
    let database = url.rsplit('/').next().unwrap();
    let mut observer = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let row = observer
        .query_one(
            "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl)
             FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.datname = $1 AND a.pid <> pg_backend_pid()",
            &[&database],
        )
        .unwrap();
    let (tls, plain): (i64, i64) = (row.get(0), row.get(1));
    assert!(tls >= 1 && plain == 0, "tls {tls}, plain {plain}");

    // A server whose certificate is not the one trusted is refused.
    let other = tempfile::tempdir().unwrap();
    let (stranger, _) = self_signed(other.path(), "stranger");
    let wrong = format!("{url}?sslmode=require&sslrootcert={}", stranger.display());
    let refused = Market::open_with(
        dir.path(),
        Config {
            database: Some(wrong),
            ..Config::default()
        },
    );
    assert!(
        refused.is_err(),
        "a certificate no one vouches for was accepted"
    );
}
