pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no marketplace is configured")]
    NotConfigured,
    #[error("this device is not enrolled and has no enrollment code")]
    NotEnrolled,
    #[error("the marketplace refused this device ({0}) — ask for a new enrollment code")]
    Unauthorized(String),
    #[error("the marketplace could not be reached: {0}")]
    Network(#[from] reqwest::Error),
    #[error("the marketplace had a problem (HTTP {status}); will retry")]
    Server { status: u16 },
    #[error("the marketplace answered something unexpected: {0}")]
    Protocol(String),
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// What went wrong, as a stable key the UI translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    NotConfigured,
    NotEnrolled,
    Unauthorized,
    Network,
    Server,
    Protocol,
    Storage,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotConfigured => ErrorKind::NotConfigured,
            Error::NotEnrolled => ErrorKind::NotEnrolled,
            Error::Unauthorized(_) => ErrorKind::Unauthorized,
            Error::Network(_) => ErrorKind::Network,
            Error::Server { .. } => ErrorKind::Server,
            Error::Protocol(_) => ErrorKind::Protocol,
            Error::Store(_) | Error::Task(_) => ErrorKind::Storage,
        }
    }

    /// Whether trying again later can help without the user doing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Network(_) | Error::Server { .. } | Error::Protocol(_)
        )
    }
}
