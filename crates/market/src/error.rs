//! The crate's errors: [`Error`] for the domain and the database, and
//! [`AppError`], what an HTTP handler answers with.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use protocol::{ErrorBody, ErrorDetail, ErrorKind};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no cooperative has the slug `{0}` — add it with `hanout-market coop add`")]
    UnknownCooperative(String),
    #[error("a cooperative with the slug `{0}` already exists — pick another slug")]
    SlugTaken(String),
    #[error(
        "`{0}` is not a valid slug — use 1 to 64 lowercase letters, digits and dashes, like `atlas`"
    )]
    InvalidSlug(String),
    #[error("the cooperative's name is empty — give it a name")]
    EmptyName,
    #[error("no device has the id `{0}`")]
    UnknownDevice(String),
    #[error("no listing has the id `{0}`, or it was deleted")]
    UnknownListing(String),
    #[error("`{0}` is not a photo's SHA-256 — give the 64 hex digits of its URL /photos/SHA.jpg")]
    NotASha256(String),
    #[error("a rejection needs a reason the cooperative can act on — pass `--reason`")]
    EmptyReason,
    #[error("{field} has {count} characters — the limit is {max}")]
    TooLong {
        field: &'static str,
        count: usize,
        max: usize,
    },
    #[error("{0} is missing — fill it in")]
    Missing(&'static str),
    #[error(
        "the email or phone is neither an email address nor a phone number — write one the cooperative can answer"
    )]
    NotAnAddress,
    #[error("no open report has the id `{0}` — see `hanout-market report list`")]
    UnknownReport(String),
    #[error("no message has the id `{0}` — see `hanout-market message list`")]
    UnknownMessage(String),
    #[error(
        "`{0}` is not a label — use one of made_in_morocco, protected_origin, artisan_label, centre_of_excellence"
    )]
    UnknownLabel(String),
    #[error("`{0}` is not an email address")]
    InvalidEmail(String),
    #[error("could not hash the password: {0}")]
    PasswordHash(String),
    #[error("`{0}` is not a version — give a semantic version like 0.2.0")]
    InvalidVersion(String),
    #[error(
        "`{target}` is not a platform: {why} — write OS-ARCH or OS-ARCH-INSTALLER, like linux-x86_64 or windows-x86_64-nsis"
    )]
    InvalidPlatform { target: String, why: String },
    #[error(
        "the signature is not one `tauri signer sign` writes ({0}) — pass the FILE.sig it wrote, or that file's text"
    )]
    InvalidSignature(&'static str),
    #[error("{path}: {why}")]
    InvalidPackage { path: String, why: String },
    #[error("{0} changed while it was being copied — add it again once nothing writes to it")]
    PackageChanged(String),
    #[error(
        "this database was written by a newer hanout-market (schema {found}, this build knows up to {known}) — update hanout-market to open it"
    )]
    TooNew { found: i64, known: i64 },
    #[error("the database could not be read or written: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database could not be read or written: {0}")]
    Pg(#[from] postgres::Error),
    #[error("the database is out of reach: {0}")]
    Postgres(String),
    #[error("the database returned an unexpected value: {0}")]
    Column(String),
    #[error("the database could not be upgraded: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("a page could not be rendered: {0}")]
    Render(#[from] askama::Error),
    #[error("a file in the data directory could not be read or written: {0}")]
    Io(#[from] std::io::Error),
    #[error("the demo catalog was refused: {0} — a bug of `hanout-market demo`, please report it")]
    DemoRefused(String),
    #[error("the blob store failed: {0}")]
    ObjectStore(#[from] object_store::Error),
    #[error("a database task did not finish: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// What a handler fails with. Renders as [`ErrorBody`]; an internal error
/// says only "internal error" to the client and logs its detail.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("too many attempts from this address — wait {retry_after_s} s and try again")]
    TooManyRequests { retry_after_s: u64 },
    #[error("your cooperative started too many uploads — wait {retry_after_s} s and go on")]
    TooManyUploads { retry_after_s: u64 },
    /// A status of its own (tus: 409, 410, 412, 415, 460) with the kind
    /// that says what to do about it.
    #[error("{message}")]
    Status {
        status: StatusCode,
        kind: ErrorKind,
        message: String,
    },
    #[error(transparent)]
    Internal(#[from] Error),
}

impl AppError {
    fn status_and_kind(&self) -> (StatusCode, ErrorKind) {
        match self {
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorKind::NotFound),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorKind::BadRequest),
            AppError::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorKind::PayloadTooLarge)
            }
            AppError::TooManyRequests { .. } | AppError::TooManyUploads { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorKind::TooManyRequests)
            }
            AppError::Status { status, kind, .. } => (*status, *kind),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::Internal),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, kind) = self.status_and_kind();
        let message = match &self {
            AppError::Internal(err) => {
                tracing::error!(error = %err, "request failed");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail { kind, message },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let AppError::TooManyRequests { retry_after_s }
        | AppError::TooManyUploads { retry_after_s } = self
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after_s.into());
        }
        response
    }
}
