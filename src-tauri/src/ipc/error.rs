use serde::Serialize;
use specta::Type;

/// Every error a command can return. The UI switches on `kind` (and on
/// `field`/`reason` for validation) and shows its own translated message.
#[derive(Debug, Serialize, Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    #[error("{field:?} is {reason:?}")]
    Validation {
        field: ErrorField,
        reason: ErrorReason,
    },
    #[error("listing {id} not found")]
    NotFound { id: String },
    #[error("storage error: {message}")]
    Storage { message: String },
    /// The operating system refused (login items, dialogs…).
    #[error("system error: {message}")]
    System { message: String },
}

#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorField {
    Title,
    Description,
    Price,
    Category,
    Stock,
    Unit,
    Weight,
    Status,
    Tags,
    Artisan,
    Name,
    Materials,
    Origin,
    Dimensions,
    MarketUrl,
    EnrollCode,
}

#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorReason {
    Required,
    TooLong,
    NotANumber,
    TooManyDecimals,
    Negative,
    TooLarge,
    Unknown,
    /// Not in a shape that can work (a web address without `http://`).
    Invalid,
    /// Cannot change any more (the marketplace, once enrolled).
    Locked,
    /// Plain `http://` to a marketplace on the internet: tokens would
    /// cross it in clear.
    Insecure,
}

impl From<store::ValidationError> for AppError {
    fn from(e: store::ValidationError) -> Self {
        let field = match e.field {
            store::Field::Title => ErrorField::Title,
            store::Field::Description => ErrorField::Description,
            store::Field::Price => ErrorField::Price,
            store::Field::Category => ErrorField::Category,
            store::Field::Stock => ErrorField::Stock,
            store::Field::Unit => ErrorField::Unit,
            store::Field::Weight => ErrorField::Weight,
            store::Field::Status => ErrorField::Status,
            store::Field::Tags => ErrorField::Tags,
            store::Field::Artisan => ErrorField::Artisan,
            store::Field::Name => ErrorField::Name,
            store::Field::Materials => ErrorField::Materials,
            store::Field::Origin => ErrorField::Origin,
            store::Field::Dimensions => ErrorField::Dimensions,
        };
        let reason = match e.reason {
            store::Reason::Required => ErrorReason::Required,
            store::Reason::TooLong => ErrorReason::TooLong,
            store::Reason::NotANumber => ErrorReason::NotANumber,
            store::Reason::TooManyDecimals => ErrorReason::TooManyDecimals,
            store::Reason::Negative => ErrorReason::Negative,
            store::Reason::TooLarge => ErrorReason::TooLarge,
            store::Reason::Unknown => ErrorReason::Unknown,
        };
        AppError::Validation { field, reason }
    }
}

impl From<store::Error> for AppError {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::Validation(v) => v.into(),
            store::Error::NotFound(id) => AppError::NotFound { id },
            other => {
                tracing::error!(error = %other, "store error");
                AppError::Storage {
                    message: other.to_string(),
                }
            }
        }
    }
}

impl From<tauri::Error> for AppError {
    fn from(e: tauri::Error) -> Self {
        tracing::error!(error = %e, "task error");
        AppError::Storage {
            message: e.to_string(),
        }
    }
}
