#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing was asked to be printed (no listing, or none left after
    /// `only_live`).
    #[error("nothing to print")]
    Empty,
    /// Typst could not lay the document out (a template bug, never the data's).
    #[error("layout failed: {0}")]
    Layout(String),
    #[error("PDF export failed: {0}")]
    Pdf(String),
    #[error(transparent)]
    Store(#[from] store::Error),
}

pub type Result<T> = std::result::Result<T, Error>;
