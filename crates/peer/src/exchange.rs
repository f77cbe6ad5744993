//! The laptop that joins a share: sends its bundle, takes the answer in.

use std::net::SocketAddr;
use std::time::Duration;

use store::{BundleMade, BundleTaken, SettingKey};
use tokio::io::AsyncWriteExt;

use crate::pairing::{self, Tagger};
use crate::share::{EXCHANGE, HELLO, Hello, TAG_HEADER};
use crate::{Error, Result, SharedStore, with_store};

/// One exchange, both ways.
#[derive(Debug, Clone)]
pub struct Exchanged {
    /// The other laptop's name.
    pub with: String,
    pub sent: BundleMade,
    pub taken: BundleTaken,
}

/// `192.168.1.20:47470`, `192.168.1.20` (the usual port), or the
/// `hanout://peer/…` text of the QR code.
pub fn parse_address(text: &str) -> Option<SocketAddr> {
    let text = text.trim();
    let text = text
        .strip_prefix("hanout://peer/")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(text)
        .trim_end_matches('/');
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr);
    }
    text.parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, crate::DEFAULT_PORT))
}

/// The QR code's text for a share at `addr`.
pub fn qr_text(addr: &str) -> String {
    format!("hanout://peer/{addr}")
}

/// Exchanges with the laptop sharing at `address`, with the `code` shown
/// on its screen.
pub async fn exchange(store: SharedStore, address: &str, code: &str) -> Result<Exchanged> {
    let addr = parse_address(address)
        .ok_or_else(|| Error::Unreachable(format!("“{address}” is not an address")))?;
    let base = format!("http://{addr}");
    // The other laptop is on this network: never through a proxy.
    let client = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30 * 60))
        .build()
        .map_err(|e| Error::Unreachable(e.to_string()))?;
    let hello: Hello = client
        .get(format!("{base}{HELLO}"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| Error::Unreachable(e.to_string()))?
        .json()
        .await
        .map_err(|e| Error::Protocol(e.to_string()))?;

    let ours = tempfile::NamedTempFile::new()?.into_temp_path();
    let path = ours.to_path_buf();
    let their_key = hello.key.clone();
    let (cooperative, sent) = with_store(&store, move |s| {
        let cooperative = s
            .setting(SettingKey::CooperativeId)?
            .ok_or(store::Error::Bundle(store::BundleError::NotConnected))?;
        std::fs::remove_file(&path).ok();
        let sent = crate::files::export_for(s, &path, &their_key, None, crate::now_ms())?;
        Ok((cooperative, sent))
    })
    .await?;
    let key = pairing::key(code, &cooperative);
    let body = tokio::fs::read(&ours).await?;
    drop(ours);
    let mut tagger = Tagger::new(&key);
    tagger.update(&body);
    let mut response = client
        .post(format!("{base}{EXCHANGE}"))
        .header(TAG_HEADER, tagger.hex())
        .body(body)
        .send()
        .await
        .map_err(|e| Error::Unreachable(e.to_string()))?;
    match response.status().as_u16() {
        200 => {}
        401 => {
            let text = response.text().await.unwrap_or_default();
            return Err(if text.contains("code-changed") {
                Error::CodeChanged
            } else {
                Error::WrongCode
            });
        }
        status => {
            let text = response.text().await.unwrap_or_default();
            return Err(Error::Protocol(format!("{status}: {text}")));
        }
    }
    let tag = response
        .headers()
        .get(TAG_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let theirs = tempfile::NamedTempFile::new()?.into_temp_path();
    let mut file = tokio::fs::File::create(&theirs).await?;
    let mut tagger = Tagger::new(&key);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Error::Unreachable(e.to_string()))?
    {
        tagger.update(&chunk);
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    drop(file);
    if !tagger.verify(&tag) {
        return Err(Error::Protocol(
            "the answer is not signed with the code".into(),
        ));
    }
    let path = theirs.to_path_buf();
    let taken = with_store(&store, move |s| {
        crate::files::import_file(s, &path, crate::now_ms())
    })
    .await?;
    Ok(Exchanged {
        with: hello.name,
        sent,
        taken,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_as_typed_or_scanned() {
        let full: SocketAddr = "192.168.1.20:47470".parse().unwrap();
        assert_eq!(parse_address("192.168.1.20:47470"), Some(full));
        assert_eq!(parse_address(" 192.168.1.20 "), Some(full));
        assert_eq!(
            parse_address("hanout://peer/192.168.1.20:47470"),
            Some(full)
        );
        assert_eq!(parse_address(&qr_text("192.168.1.20:47470")), Some(full));
        assert_eq!(parse_address("souk"), None);
    }
}
