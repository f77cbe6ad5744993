//! The JSON extractor and response of the API: like `axum::Json`, but a
//! body that does not parse is answered with an [`ErrorBody`](protocol::ErrorBody).

use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub(crate) struct AppJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> AppError {
        // The body limit surfaces here when the body is streamed (gzip, or
        // no Content-Length); everything else is the client's mistake.
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge(
                "the request body is too large — send fewer changes per push".to_owned(),
            )
        } else {
            AppError::BadRequest(rejection.body_text())
        }
    }
}
