//! `POST /v1/photos/missing`: which photos the marketplace lacks.

use std::collections::HashSet;

use protocol::{MAX_PHOTOS_MISSING, PhotosMissingRequest, PhotosMissingResponse};
use reqwest::StatusCode;
use store::PhotoSetToSend;
use url::Url;

use crate::Engine;
use crate::error::{Error, Result};
use crate::meter::ANSWER_HEAD;
use crate::push::{endpoint, unexpected};

/// Which photos the server was asked about, and which of those it lacks.
#[derive(Debug, Default)]
pub(crate) struct Asked {
    pub hashes: HashSet<String>,
    pub missing: HashSet<String>,
}

impl Asked {
    /// The distinct photos `sets` name, in order.
    pub(crate) fn hashes_of(sets: &[PhotoSetToSend]) -> Vec<String> {
        let mut seen = HashSet::new();
        sets.iter()
            .flat_map(|s| s.hashes())
            .filter(|h| seen.insert(*h))
            .map(str::to_owned)
            .collect()
    }

    /// Both answers, less the thumbnails of `sent` (tried already: sent,
    /// or failed for good and counted so).
    pub(crate) fn and(mut self, other: Asked, sent: &[PhotoSetToSend]) -> Asked {
        self.hashes.extend(other.hashes);
        self.missing.extend(other.missing);
        for thumb in sent
            .iter()
            .flat_map(|s| s.photos.iter().filter_map(|p| p.thumb.as_deref()))
        {
            self.missing.remove(thumb);
        }
        self
    }

    /// `POST /v1/photos/missing` for `hashes`, in batches.
    pub(crate) async fn ask(
        engine: &Engine,
        base: &Url,
        token: &str,
        hashes: Vec<String>,
    ) -> Result<Asked> {
        let mut missing = HashSet::new();
        for batch in hashes.chunks(MAX_PHOTOS_MISSING) {
            missing.extend(ask_missing(engine, base, token, batch).await?);
        }
        Ok(Asked {
            hashes: hashes.into_iter().collect(),
            missing,
        })
    }
}

async fn ask_missing(
    engine: &Engine,
    base: &Url,
    token: &str,
    hashes: &[String],
) -> Result<Vec<String>> {
    let url = endpoint(base, "photos/missing")?;
    let body = PhotosMissingRequest {
        hashes: hashes.to_vec(),
    };
    // The answer names at most the hashes asked about (65 bytes each).
    let answer = ANSWER_HEAD + 70 * hashes.len() as u64;
    let response = engine
        .send(
            engine.client.post(url).bearer_auth(token).json(&body),
            answer,
        )
        .await?;
    match response.status() {
        StatusCode::OK => Ok(engine
            .json::<PhotosMissingResponse>(response)
            .await?
            .missing),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Err(Error::Unauthorized("device token refused".to_owned()))
        }
        status => Err(unexpected(status)),
    }
}
