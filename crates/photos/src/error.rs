//! The one error type of the pipeline. Each variant is something the UI can
//! branch on and translate; the English messages say what happened and what
//! to do.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong turning a file into derivatives.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error("could not read {path}: {source} — check that the file still exists")]
    Read {
        /// The file we tried to read.
        path: PathBuf,
        /// Why the OS refused.
        source: io::Error,
    },
    /// The file is empty (0 bytes).
    #[error("the file is empty (0 bytes) — choose the photo again")]
    Empty,
    /// The file is larger than [`crate::Limits::max_file_bytes`].
    #[error("photo is {bytes} bytes; the limit is {limit} bytes — export a smaller JPEG")]
    TooLarge {
        /// Size of the file (at least; reading stops past the limit).
        bytes: u64,
        /// The limit in force.
        limit: u64,
    },
    /// The bytes are not a JPEG, PNG, WebP, TIFF or GIF (whatever the
    /// extension says).
    #[error("this file is not a photo we can read — use JPEG, PNG, WebP, TIFF or GIF")]
    UnsupportedFormat,
    /// The file is one of our formats but uses a feature its decoder does
    /// not support (an unusual TIFF compression, say).
    #[error("this photo uses a feature we cannot read ({0}) — export it as JPEG")]
    UnsupportedFeature(String),
    /// The file is HEIC/HEIF, which we refuse (see [`crate::Format::Heic`]).
    #[error(
        "HEIC photos are not supported — on the iPhone choose Settings › Camera › Formats › Most Compatible, or share the photo as JPEG"
    )]
    Heic,
    /// The decoded picture would be larger than
    /// [`crate::Limits::max_pixels`] (or a side larger than
    /// [`crate::Limits::max_side`]): refused before allocating.
    #[error(
        "photo is {width}×{height} pixels; the limit is {limit} pixels — export a smaller photo"
    )]
    TooManyPixels {
        /// Width claimed by the file header.
        width: u32,
        /// Height claimed by the file header.
        height: u32,
        /// The pixel-count limit in force.
        limit: u64,
    },
    /// The file is damaged or incomplete (truncated download, broken
    /// header…), or the decoder failed on it.
    #[error("photo is damaged or incomplete ({0}) — copy it again from the phone")]
    Corrupt(String),
    /// The JPEG encoder failed. Should not happen; a bug if it does.
    #[error("could not encode the JPEG ({0})")]
    Encode(String),
    /// Writing a derivative into the store failed (disk full, permissions).
    #[error("could not save the photo to {path}: {source} — check free disk space")]
    Store {
        /// The file or directory we were writing.
        path: PathBuf,
        /// Why the OS refused.
        source: io::Error,
    },
    /// The batch was cancelled before this file was started.
    #[error("import cancelled")]
    Cancelled,
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A stable key for the UI and the CLI to translate and branch on.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Read { .. } => "read",
            Error::Empty => "empty",
            Error::TooLarge { .. } => "too_large",
            Error::UnsupportedFormat => "unsupported_format",
            Error::UnsupportedFeature(_) => "unsupported_feature",
            Error::Heic => "heic",
            Error::TooManyPixels { .. } => "too_many_pixels",
            Error::Corrupt(_) => "corrupt",
            Error::Encode(_) => "encode",
            Error::Store { .. } => "store",
            Error::Cancelled => "cancelled",
        }
    }
}
