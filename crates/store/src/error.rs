use std::fmt;
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("listing {0} does not exist")]
    NotFound(String),
    #[error(
        "this catalog was written by a newer version of Hanout (schema {found}, this build knows up to {known}) — update Hanout to open it"
    )]
    TooNew { found: i64, known: i64 },
    #[error("the catalog file is damaged ({detail}); restore the latest backup{}", latest_hint(.backups))]
    Corrupt {
        detail: String,
        backups: Vec<PathBuf>,
    },
    #[error("restoring would lose {} listing(s) not yet sent to the marketplace; confirm to restore anyway", .unsynced.len())]
    RestoreWouldLose { unsynced: Vec<String> },
    #[error(
        "Hanout is open on this catalog; close the app (or quit it from the tray) and try again"
    )]
    Locked,
    #[error("the file could not be read or written: {0}")]
    Io(#[from] std::io::Error),
    #[error("the CSV file could not be read: {0}")]
    Csv(String),
    #[error("the database could not be read or written: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database could not be upgraded: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error(transparent)]
    Bundle(#[from] crate::bundle::BundleError),
    #[error("{} changed on another laptop while this one was being edited", .fields.join(", "))]
    EditedMeanwhile {
        /// The fields (named as in validation errors: `title`, `price`…)
        /// that this edit and another both changed.
        fields: Vec<String>,
    },
}

impl Error {
    /// The disk is full: nothing can be written until space is freed.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.code == rusqlite::ErrorCode::DiskFull
            }
            Error::Io(e) => e.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }
}

fn latest_hint(backups: &[PathBuf]) -> String {
    match backups.first() {
        Some(latest) => format!(" ({})", latest.display()),
        None => " (none found)".to_owned(),
    }
}

/// A field failed validation. The UI translates `field` + `reason`; the
/// `Display` text is for logs and the CLI only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    pub field: Field,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
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
    /// A listing's photos (their order, which it has).
    Photos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Required,
    TooLong,
    NotANumber,
    TooManyDecimals,
    Negative,
    TooLarge,
    Unknown,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Description => "description",
            Field::Price => "price",
            Field::Category => "category",
            Field::Stock => "stock",
            Field::Unit => "unit",
            Field::Weight => "weight",
            Field::Status => "status",
            Field::Tags => "tags",
            Field::Artisan => "artisan",
            Field::Name => "name",
            Field::Materials => "materials",
            Field::Origin => "origin",
            Field::Dimensions => "dimensions",
            Field::Photos => "photos",
        }
    }
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Required => "required",
            Reason::TooLong => "too_long",
            Reason::NotANumber => "not_a_number",
            Reason::TooManyDecimals => "too_many_decimals",
            Reason::Negative => "negative",
            Reason::TooLarge => "too_large",
            Reason::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn a_full_disk_is_told_apart() {
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        assert!(Error::Sqlite(full).is_disk_full());
        let io = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert!(Error::Io(io).is_disk_full());
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert!(!Error::Sqlite(busy).is_disk_full());
    }
}
