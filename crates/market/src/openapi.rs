//! `GET /v1/openapi.json`: the API described as OpenAPI 3.1.
//!
//! Hand-maintained in `openapi.json` rather than generated with utoipa:
//! the wire types live in `protocol`, which stays free of HTTP-side
//! dependencies, and annotating every handler would duplicate the same
//! facts in attributes. A unit test reads every `.route(…)` in this crate's
//! source and fails when one is missing from the document; an integration
//! test requests every documented path and fails when the server does not
//! serve it.

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::Market;

pub(crate) const DOCUMENT: &str = include_str!("openapi.json");

pub(crate) fn router() -> Router<Market> {
    Router::new().route("/openapi.json", get(document))
}

async fn document() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], DOCUMENT)
}
