//! Building a push from the outbox and reading the marketplace's answer.

use protocol::{
    Change, ChangeOp, ListingField, ListingPayload, LocalizedText, Outcome, PushRequest,
    PushResponse, RejectReason,
};
use reqwest::StatusCode;
use store::{Listing, ListingId, PendingChange, PendingOp, PushAck};
use url::Url;

use crate::Engine;
use crate::error::{Error, Result};

/// The request that sends `pending`, one change per listing: the whole
/// listing, with the clock reading of its newest edit, the server version
/// the edits started from, the fields they set and the stock they added or
/// sold — or, for a change sent before and never answered, exactly the
/// change that went then. Pure.
pub fn plan(pending: &[PendingChange]) -> PushRequest {
    let changes = pending.iter().map(change).collect();
    PushRequest { changes }
}

/// The wire change of one pending change. Pure.
pub fn change(p: &PendingChange) -> Change {
    if let Some(frozen) = p
        .frozen
        .as_deref()
        .and_then(|body| serde_json::from_str(body).ok())
    {
        return frozen;
    }
    Change {
        change_id: p.change_id,
        listing_id: p.listing_id.uuid(),
        op: match &p.op {
            PendingOp::Upsert(listing) => ChangeOp::Upsert {
                listing: payload(listing, p.artisan_name.clone()),
            },
            PendingOp::Delete => ChangeOp::Delete,
        },
        hlc: p.hlc,
        base_version: p.base_version,
        fields: p.fields.clone(),
        stock_delta: p.stock_delta,
        field_hlcs: p.field_hlcs.clone(),
        stock_parts: p.stock_parts.clone(),
    }
}

/// A listing as the wire carries it. Pure.
pub fn payload(listing: &Listing, artisan: Option<String>) -> ListingPayload {
    let text = |t: &store::Localized| LocalizedText {
        ar: t.ar.clone(),
        fr: t.fr.clone(),
        en: t.en.clone(),
    };
    ListingPayload {
        title: text(&listing.titles),
        price_centimes: listing.price.centimes(),
        updated_at_ms: listing.updated_at_ms,
        description: text(&listing.descriptions),
        category: Some(listing.category.as_str().to_owned()),
        stock: Some(i64::from(listing.stock)),
        unit: Some(listing.unit.as_str().to_owned()),
        dimensions: listing.dimensions.clone(),
        weight_grams: listing.weight_grams.map(i64::from),
        materials: listing.materials.clone(),
        origin: listing.origin.clone(),
        region: listing.region.clone(),
        tags: listing.tags.clone(),
        artisan,
        status: Some(listing.status.as_str().to_owned()),
    }
}

/// The merged listings of `conflict` answers, with their versions: the
/// server kept another laptop's later values for some fields (or a later
/// edit than this delete). Pure.
pub fn conflicts(
    pending: &[PendingChange],
    response: &PushResponse,
) -> Vec<(ListingId, ListingPayload, Vec<ListingField>, Option<i64>)> {
    pending
        .iter()
        .zip(&response.results)
        .filter_map(|(p, r)| match &r.outcome {
            // A delete that lost to a later edit comes back too: the
            // listing lives on the server, so it lives here again.
            Outcome::Conflict { listing, fields } => {
                Some((p.listing_id, (**listing).clone(), fields.clone(), r.version))
            }
            _ => None,
        })
        .collect()
}

/// Pairs each pending change with the marketplace's outcome. Pure.
///
/// Refuses an answer that does not match the request change for change:
/// recording a wrong ack could mark unsent work as live.
pub fn acks(
    pending: &[PendingChange],
    response: &PushResponse,
) -> Result<Vec<(ListingId, i64, PushAck)>> {
    if pending.len() != response.results.len() {
        return Err(Error::Protocol(format!(
            "sent {} changes, got {} results",
            pending.len(),
            response.results.len()
        )));
    }
    pending
        .iter()
        .zip(&response.results)
        .map(|(p, r)| {
            if p.change_id != r.change_id {
                return Err(Error::Protocol(format!(
                    "result for {} where {} was expected",
                    r.change_id, p.change_id
                )));
            }
            let ack = match r.outcome {
                Outcome::Applied | Outcome::Duplicate | Outcome::Conflict { .. } => {
                    PushAck::Accepted
                }
                Outcome::Rejected { reason } => PushAck::Rejected {
                    reason: reject_key(reason).to_owned(),
                },
            };
            Ok((p.listing_id, p.seq, ack))
        })
        .collect()
}

fn reject_key(reason: RejectReason) -> &'static str {
    match reason {
        RejectReason::Forbidden => "forbidden",
        RejectReason::Invalid => "invalid",
    }
}

/// Sends one push. Public so tests can play a push whose answer was lost.
pub async fn send(
    engine: &Engine,
    base: &Url,
    token: &str,
    request: &PushRequest,
) -> Result<PushResponse> {
    let url = endpoint(base, "push")?;
    // An answer names each change with its version (and, for a conflict,
    // the merged listing).
    let answer = crate::meter::ANSWER_HEAD
        + crate::meter::PULLED_LISTING_BYTES * request.changes.len() as u64;
    let response = engine
        .send(
            crate::gzip::json(engine.client.post(url).bearer_auth(token), request)?,
            answer,
        )
        .await?;
    match response.status() {
        StatusCode::OK => Ok(engine.json(response).await?),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Err(Error::Unauthorized("device token refused".to_owned()))
        }
        StatusCode::PAYLOAD_TOO_LARGE => Err(Error::TooLarge),
        status => Err(unexpected(status)),
    }
}

pub(crate) fn endpoint(base: &Url, path: &str) -> Result<Url> {
    let joined = format!(
        "{}{}/{}",
        base.as_str().trim_end_matches('/'),
        protocol::API_PREFIX,
        path
    );
    Url::parse(&joined).map_err(|_| Error::NotConfigured)
}

pub(crate) fn unexpected(status: StatusCode) -> Error {
    // 408: the server gave up waiting for the request's bytes (a link that
    // went silent mid-request): a passing problem like a 5xx.
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        Error::Server {
            status: status.as_u16(),
        }
    } else {
        Error::Protocol(format!("HTTP {status}"))
    }
}
