//! Watching the marketplace as a buyer would see it: a second device of the
//! cooperative pulls the server directly (not through the shaped link) a
//! few times a second and notes when each listing became public and when
//! its photos did.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use protocol::{EnrollResponse, ModerationState, PullResponse};
use uuid::Uuid;

/// How often the watcher looks (on loopback, not through the shaped link):
/// the resolution of the figures it gives.
const EVERY: Duration = Duration::from_millis(50);

#[derive(Debug, Default, Clone, Copy)]
pub struct Seen {
    /// When the listing's text was first public.
    pub text: Option<Instant>,
    /// When it was public with all its photos.
    pub complete: Option<Instant>,
}

pub struct Watcher {
    base: String,
    token: String,
    client: reqwest::Client,
    cursor: String,
    /// Photos each listing should show.
    expected: HashMap<Uuid, usize>,
    pub seen: HashMap<Uuid, Seen>,
}

impl Watcher {
    pub async fn enroll(base: &str, code: &str, expected: HashMap<Uuid, usize>) -> Result<Watcher> {
        let client = reqwest::Client::new();
        let response = client
            .post(format!("{base}/v1/enroll"))
            .json(&serde_json::json!({ "code": code, "device_name": "bench watcher" }))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("watcher enrollment: {}", response.status());
        }
        let enrolled: EnrollResponse = response.json().await?;
        Ok(Watcher {
            base: base.to_owned(),
            token: enrolled.token,
            client,
            cursor: String::new(),
            expected,
            seen: HashMap::new(),
        })
    }

    /// Pulls what changed; true once every expected listing is complete.
    pub async fn look(&mut self) -> Result<bool> {
        loop {
            let url = url::Url::parse_with_params(
                &format!("{}/v1/pull", self.base),
                [("since", self.cursor.as_str()), ("limit", "500")],
            )?;
            let page: PullResponse = self
                .client
                .get(url)
                .bearer_auth(&self.token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let now = Instant::now();
            for change in &page.changes {
                let Some(&want) = self.expected.get(&change.listing_id) else {
                    continue;
                };
                let public = !change.deleted
                    && change.listing.is_some()
                    && change.moderation == ModerationState::Approved;
                let photos = change.photos.as_ref().map_or(0, Vec::len);
                let seen = self.seen.entry(change.listing_id).or_default();
                if public {
                    seen.text.get_or_insert(now);
                    if photos >= want {
                        seen.complete.get_or_insert(now);
                    }
                }
            }
            self.cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        Ok(self.done())
    }

    pub fn done(&self) -> bool {
        self.expected
            .keys()
            .all(|id| self.seen.get(id).is_some_and(|s| s.complete.is_some()))
    }

    /// Looks until everything is complete or `limit` passed.
    pub async fn until_done(&mut self, limit: Duration) -> Result<bool> {
        let started = Instant::now();
        loop {
            if self.look().await? {
                return Ok(true);
            }
            if started.elapsed() > limit {
                return Ok(false);
            }
            tokio::time::sleep(EVERY).await;
        }
    }
}
