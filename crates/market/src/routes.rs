//! The whole HTTP app: the `/v1` API, the HTML catalog and the layers
//! around them.

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::http::{StatusCode, Uri};
use axum::middleware::{from_fn, map_response};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::{
    Market, app_update, catalog, console, enroll, etag, feeds, listing_photos, openapi, pages,
    photos, pull, push, tus,
};

/// The marketplace's HTTP app, ready for `axum::serve`.
pub fn app(market: Market) -> Router {
    let config = market.config().clone();
    let api = Router::new()
        .merge(enroll::router())
        .merge(push::router())
        // Pull answers are JSON that shrinks several times: gzip them for
        // clients that ask (the sync engine does). Photos are JPEG: not.
        .merge(pull::router().layer(CompressionLayer::new()))
        .merge(photos::router())
        .merge(listing_photos::router())
        .merge(tus::router())
        .merge(openapi::router())
        .merge(public_read(catalog::router()))
        // Packages keep their own ETag (their hash) and Range, like photos.
        .merge(app_update::router());
    // The last layer added sees the request first: trace, time out, gunzip,
    // then count the (decompressed) bytes against the limit.
    Router::new()
        .nest(protocol::API_PREFIX, api)
        .merge(public_read(pages::router()))
        .merge(public_read(feeds::router()))
        // Photos keep their own ETag (their hash), Range and caching, and
        // are JPEG: no layer of `public_read`.
        .merge(photos::public_router())
        // The operators' console: private pages, never cached (`console`).
        .merge(console::router())
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(config.body_limit))
        .layer(map_response(body_limit_as_error_body))
        .layer(RequestDecompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(market)
}

/// What buyers, crawlers and the platforms read (pages, the public JSON,
/// the feeds): tagged with an `ETag` and answered `304` when unchanged
/// (`etag.rs`), then gzipped or brotli'd for clients that ask. The tag is
/// computed on the plain body, inside the compression.
fn public_read(router: Router<Market>) -> Router<Market> {
    router
        .layer(from_fn(etag::revalidate))
        .layer(CompressionLayer::new())
}

/// For load balancers: 200 `ok` when the database answers, 503 when not.
async fn healthz(axum::extract::State(market): axum::extract::State<Market>) -> Response {
    match market.read(|tx| tx.query_one("SELECT 1", &[])).await {
        Ok(_) => "ok".into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn not_found(uri: Uri) -> AppError {
    AppError::NotFound(format!("nothing lives at `{}`", uri.path()))
}

/// `RequestBodyLimitLayer` answers a too-long `Content-Length` with a plain
/// text 413; give it the API's error body like every other error.
async fn body_limit_as_error_body(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        AppError::PayloadTooLarge(
            "the request body is too large — send fewer changes per push".to_owned(),
        )
        .into_response()
    } else {
        response
    }
}
