//! Request bodies gzipped: listing text is JSON that shrinks five to ten
//! times, and on a link billed by the megabyte that is the user's money.
//! The marketplace takes `Content-Encoding: gzip` (its request
//! decompression layer) and answers gzip to `Accept-Encoding: gzip`,
//! which `reqwest` sends and undoes by itself.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;
use reqwest::RequestBuilder;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};
use serde::Serialize;

use crate::error::{Error, Result};

/// `request` with `value` as its body: JSON, gzipped.
pub(crate) fn json<T: Serialize>(request: RequestBuilder, value: &T) -> Result<RequestBuilder> {
    let body =
        encode(value).map_err(|e| Error::Protocol(format!("could not encode a request: {e}")))?;
    Ok(request
        .header(CONTENT_TYPE, "application/json")
        .header(CONTENT_ENCODING, "gzip")
        .body(body))
}

fn encode<T: Serialize>(value: &T) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    serde_json::to_writer(&mut encoder, value)?;
    encoder.flush()?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    #[test]
    fn bodies_are_gzipped_json_that_reads_back() {
        let value = serde_json::json!({ "title": "زربية ".repeat(200) });
        let body = super::encode(&value).unwrap();
        assert!(
            body.len() * 5 < value.to_string().len(),
            "{} bytes",
            body.len()
        );
        let mut text = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }
}
