use serde::{Deserialize, Serialize};
use specta::Type;

use super::ListingDetails;

/// Every error a command can return. The UI switches on `kind` (and on
/// the keys inside) and shows its own translated message: no English text
/// crosses the boundary; details go to the log file.
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
    /// The local catalog could not be read or written.
    #[error("storage error: {cause:?}")]
    Storage { cause: StorageCause },
    /// The operating system refused (the login item).
    #[error("the system refused: {action:?}")]
    System { action: SystemAction },
    /// Restoring would overwrite listings not yet sent to the marketplace
    /// (their titles); nothing was changed. Ask, then restore with `confirm`.
    #[error("restoring would lose {} unsent listing(s)", .titles.len())]
    RestoreWouldLose { titles: Vec<String> },
    /// The file is not a CSV file Hanout can read (no header row, binary).
    #[error("the CSV file could not be read")]
    CsvUnreadable,
    /// Labels or a catalogue could not be made or saved.
    #[error("print failed: {cause:?}")]
    Print { cause: PrintCause },
    /// A bundle or an exchange with the cooperative's other laptop did
    /// not go through.
    #[error("the other laptop: {cause:?}")]
    Peer { cause: PeerCause },
    /// Something inside the app failed (a background task panicked).
    #[error("internal error")]
    Internal,
    /// Fields this edit changed were also changed on another laptop
    /// meanwhile (a pull brought them in): nothing was saved. `current` is
    /// the listing as it is now, so the manager can compare and choose.
    #[error("edited meanwhile: {fields:?}")]
    EditedMeanwhile {
        fields: Vec<ErrorField>,
        current: Box<ListingDetails>,
    },
}

/// Why the catalog could not be read or written.
#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum StorageCause {
    /// The disk is full.
    DiskFull,
    /// The catalog file is damaged.
    Damaged,
    /// Written by a newer Hanout.
    TooNew,
    /// Another program holds the catalog.
    Busy,
    /// Anything else (the log file says what).
    Other,
}

/// Why labels or a catalogue were not made.
#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum PrintCause {
    /// No listing to print (none chosen, or drafts and archives only).
    NothingToPrint,
    /// The PDF could not be written where the manager chose.
    NotSaved,
    /// The layout failed (a bug; the log file says what).
    Failed,
}

/// Why a bundle was not made or taken, or an exchange with the other
/// laptop did not go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum PeerCause {
    /// This laptop is not connected to the cooperative's account yet.
    NotConnected,
    /// The file is not a Hanout bundle, or it is damaged.
    NotABundle,
    /// Made by a newer Hanout.
    BundleTooNew,
    /// From another cooperative.
    OtherCooperative,
    /// Made on this very laptop.
    OwnBundle,
    /// Not the code shown on the other laptop.
    WrongCode,
    /// Too many wrong codes: the other laptop shows a new one.
    CodeChanged,
    /// The other laptop could not be reached (not sharing, another network).
    Unreachable,
    /// Anything else (the log file says what).
    Failed,
}

impl From<&store::BundleError> for PeerCause {
    fn from(e: &store::BundleError) -> Self {
        use store::BundleError as B;
        match e {
            B::NotConnected => PeerCause::NotConnected,
            B::NotABundle => PeerCause::NotABundle,
            B::TooNew => PeerCause::BundleTooNew,
            B::OtherCooperative => PeerCause::OtherCooperative,
            B::FromThisLaptop => PeerCause::OwnBundle,
        }
    }
}

impl From<peer::Error> for AppError {
    fn from(e: peer::Error) -> Self {
        let cause = match e {
            peer::Error::Store(e) => return e.into(),
            // A file that cannot be read or written: as the catalog's own.
            peer::Error::Io(e) => return store::Error::Io(e).into(),
            peer::Error::WrongCode => PeerCause::WrongCode,
            peer::Error::CodeChanged => PeerCause::CodeChanged,
            peer::Error::Unreachable(detail) => {
                tracing::warn!(%detail, "the other laptop could not be reached");
                PeerCause::Unreachable
            }
            peer::Error::Protocol(detail) | peer::Error::Discovery(detail) => {
                tracing::warn!(%detail, "exchange with the other laptop failed");
                PeerCause::Failed
            }
        };
        AppError::Peer { cause }
    }
}

/// What the operating system was asked to do.
#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SystemAction {
    /// Turn starting at login on or off, or read it.
    StartAtLogin,
    /// Open a page in the browser.
    OpenPage,
    /// Open a folder in the file manager.
    OpenFolder,
    /// Install the downloaded update.
    InstallUpdate,
    /// Open a saved file (a PDF to print) in its viewer.
    OpenFile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
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
    Region,
    Dimensions,
    Photos,
    MarketUrl,
    EnrollCode,
    /// The daily data limit, in the sync settings.
    DailyBudget,
}

impl ErrorField {
    /// The listing field on the wire this field stands for, if any.
    pub fn listing_field(self) -> Option<protocol::ListingField> {
        use protocol::ListingField as L;
        Some(match self {
            ErrorField::Title => L::Title,
            ErrorField::Description => L::Description,
            ErrorField::Price => L::Price,
            ErrorField::Category => L::Category,
            ErrorField::Stock => L::Stock,
            ErrorField::Unit => L::Unit,
            ErrorField::Weight => L::WeightGrams,
            ErrorField::Status => L::Status,
            ErrorField::Tags => L::Tags,
            ErrorField::Artisan => L::Artisan,
            ErrorField::Materials => L::Materials,
            ErrorField::Origin => L::Origin,
            ErrorField::Region => L::Region,
            ErrorField::Dimensions => L::Dimensions,
            _ => return None,
        })
    }

    /// The field standing for `field` on the wire.
    pub fn of_listing_field(field: protocol::ListingField) -> ErrorField {
        use protocol::ListingField as L;
        match field {
            L::Title => ErrorField::Title,
            L::Description => ErrorField::Description,
            L::Price => ErrorField::Price,
            L::Category => ErrorField::Category,
            L::Stock => ErrorField::Stock,
            L::Unit => ErrorField::Unit,
            L::WeightGrams => ErrorField::Weight,
            L::Status => ErrorField::Status,
            L::Tags => ErrorField::Tags,
            L::Artisan => ErrorField::Artisan,
            L::Materials => ErrorField::Materials,
            L::Origin => ErrorField::Origin,
            L::Region => ErrorField::Region,
            L::Dimensions => ErrorField::Dimensions,
        }
    }

    /// The field the store names `name` (`title`, `weight`…), as in its
    /// validation errors and `EditedMeanwhile`.
    pub fn from_store_name(name: &str) -> Option<ErrorField> {
        Some(match name {
            "title" => ErrorField::Title,
            "description" => ErrorField::Description,
            "price" => ErrorField::Price,
            "category" => ErrorField::Category,
            "stock" => ErrorField::Stock,
            "unit" => ErrorField::Unit,
            "weight" => ErrorField::Weight,
            "status" => ErrorField::Status,
            "tags" => ErrorField::Tags,
            "artisan" => ErrorField::Artisan,
            "name" => ErrorField::Name,
            "materials" => ErrorField::Materials,
            "origin" => ErrorField::Origin,
            "region" => ErrorField::Region,
            "dimensions" => ErrorField::Dimensions,
            "photos" => ErrorField::Photos,
            _ => return None,
        })
    }
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
        let field = ErrorField::from_store_name(e.field.as_str()).unwrap_or(ErrorField::Name);
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
        let cause = match &e {
            store::Error::Validation(v) => return (*v).into(),
            store::Error::NotFound(id) => return AppError::NotFound { id: id.clone() },
            store::Error::RestoreWouldLose { unsynced } => {
                return AppError::RestoreWouldLose {
                    titles: unsynced.clone(),
                };
            }
            store::Error::Csv(_) => {
                tracing::warn!(error = %e, "CSV not read");
                return AppError::CsvUnreadable;
            }
            store::Error::Bundle(b) => {
                tracing::warn!(error = %e, "bundle refused");
                return AppError::Peer { cause: b.into() };
            }
            store::Error::EditedMeanwhile { .. } => {
                // The command that can meet this one attaches the current
                // listing itself; reaching here is a bug, logged as such.
                tracing::error!(error = %e, "EditedMeanwhile without the current listing");
                return AppError::Internal;
            }
            e if e.is_disk_full() => StorageCause::DiskFull,
            store::Error::Corrupt { .. } => StorageCause::Damaged,
            store::Error::TooNew { .. } => StorageCause::TooNew,
            store::Error::Locked => StorageCause::Busy,
            // FIXME: SQLITE_BUSY is `Other` until the store says it
            // (`Error::is_busy`, like `is_disk_full`).
            _ => StorageCause::Other,
        };
        tracing::error!(error = %e, ?cause, "store error");
        AppError::Storage { cause }
    }
}

impl From<tauri::Error> for AppError {
    fn from(e: tauri::Error) -> Self {
        tracing::error!(error = %e, "task error");
        AppError::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_store_field_has_an_ipc_name_of_the_same_spelling() {
        use store::Field::*;
        for field in [
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
        ] {
            let ipc = ErrorField::from_store_name(field.as_str())
                .unwrap_or_else(|| panic!("{} has no ErrorField", field.as_str()));
            let json = serde_json::to_value(ipc).unwrap();
            assert_eq!(json, field.as_str());
        }
        assert_eq!(
            ErrorField::from_store_name("region"),
            Some(ErrorField::Region)
        );
        assert_eq!(ErrorField::from_store_name("colour"), None);
    }

    #[test]
    fn store_errors_cross_as_keys_without_their_english_text() {
        let e: AppError = store::Error::Locked.into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "storage", "cause": "busy"})
        );
        let e: AppError =
            store::Error::Io(std::io::Error::from(std::io::ErrorKind::StorageFull)).into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "storage", "cause": "disk_full"})
        );
        // The CSV reader's own sentence stays in the log; the window says
        // the file cannot be read, in its language.
        let e: AppError = store::Error::Csv("ligne 3: guillemet".into()).into();
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"kind":"csv_unreadable"}"#);
        // A bundle refused, and an exchange that did not go through.
        let e: AppError = store::Error::Bundle(store::BundleError::FromThisLaptop).into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "peer", "cause": "own_bundle"})
        );
        let e: AppError = peer::Error::Unreachable("connection refused".into()).into();
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"kind":"peer","cause":"unreachable"}"#);
        let e: AppError =
            peer::Error::Store(store::Error::Bundle(store::BundleError::TooNew)).into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "peer", "cause": "bundle_too_new"})
        );
        // The titles a restore would overwrite are the listings' own words.
        let e: AppError = store::Error::RestoreWouldLose {
            unsynced: vec!["زربية".into()],
        }
        .into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "restore_would_lose", "titles": ["زربية"]})
        );
    }
}
