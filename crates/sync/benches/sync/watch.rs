//! Watching the marketplace as a buyer would see it: a second device of the
//! cooperative pulls the server directly (not through the shaped link) a
//! few times a second and notes when each listing became public, when it
//! showed its photos (its thumbnails at least) and when every display-size
//! photo it shows was there too (asked as a buyer's browser would).

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
    /// When it was public with all its photos listed (live: its
    /// thumbnails are there; display-size files may still be on their way).
    pub live: Option<Instant>,
    /// When every file it shows was there.
    pub complete: Option<Instant>,
}

/// Display-size photos asked about per look and not there yet, at most:
/// the uploads go listing by listing, so the first few still waiting say
/// enough, and the watcher stays light.
const ASKED_PER_LOOK: usize = 8;

pub struct Watcher {
    base: String,
    token: String,
    client: reqwest::Client,
    cursor: String,
    /// Photos each listing should show.
    expected: HashMap<Uuid, usize>,
    pub seen: HashMap<Uuid, Seen>,
    /// Live listings' display-size photos not seen there yet.
    awaited: HashMap<Uuid, Vec<String>>,
}

impl Watcher {
    pub async fn enroll(base: &str, code: &str, expected: HashMap<Uuid, usize>) -> Result<Watcher> {
        // A redirect is the thumbnail shown meanwhile: not followed.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
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
            awaited: HashMap::new(),
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
                let photos = change.photos.as_deref().unwrap_or_default();
                let seen = self.seen.entry(change.listing_id).or_default();
                if public {
                    seen.text.get_or_insert(now);
                    if photos.len() >= want && seen.live.is_none() {
                        seen.live = Some(now);
                        self.awaited.insert(
                            change.listing_id,
                            photos.iter().map(|p| p.display.clone()).collect(),
                        );
                    }
                }
            }
            self.cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        self.look_at_photos().await?;
        Ok(self.done())
    }

    /// Asks for live listings' display-size photos not seen yet, in the
    /// order the listings went live; a listing is complete once all are
    /// there (200, not the thumbnail's redirect meanwhile).
    async fn look_at_photos(&mut self) -> Result<()> {
        let mut order: Vec<(Instant, Uuid)> = self
            .awaited
            .keys()
            .filter_map(|id| Some((self.seen.get(id)?.live?, *id)))
            .collect();
        order.sort();
        let mut not_there = 0;
        for (_, id) in order {
            if not_there >= ASKED_PER_LOOK {
                break;
            }
            let awaited = self.awaited.get_mut(&id).expect("listed above");
            while let Some(display) = awaited.first() {
                let response = self
                    .client
                    .head(format!("{}/photos/{display}.jpg", self.base))
                    .send()
                    .await?;
                if response.status() != reqwest::StatusCode::OK {
                    not_there += 1;
                    break;
                }
                awaited.remove(0);
            }
            if awaited.is_empty() {
                self.awaited.remove(&id);
                if let Some(seen) = self.seen.get_mut(&id) {
                    seen.complete.get_or_insert(Instant::now());
                }
            }
        }
        Ok(())
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
