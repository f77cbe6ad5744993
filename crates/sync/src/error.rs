pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no marketplace is configured")]
    NotConfigured,
    #[error("the marketplace address is plain http:// on the internet; use https://")]
    Insecure,
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
    #[error("the marketplace found the request too large")]
    TooLarge,
    #[error("this laptop is enrolled with another marketplace; its listings live there")]
    MarketLocked,
    #[error("sync is paused")]
    Paused,
    #[error("today's data budget is spent; the rest waits for tomorrow")]
    BudgetReached,
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
    /// The marketplace address is `http://` beyond this computer or LAN.
    Insecure,
    NotEnrolled,
    Unauthorized,
    Network,
    Server,
    Protocol,
    Storage,
    /// The manager paused sync: nothing goes out or comes in until resumed.
    Paused,
    /// The laptop's disk is full: nothing more can be saved until space is
    /// freed (sync tries again every minute, and at once on "sync now").
    DiskFull,
    /// The day's data budget is spent: what is left waits for tomorrow
    /// (or a larger budget).
    BudgetReached,
}

impl ErrorKind {
    /// The stable key the window and the CLI translate (`network`,
    /// `disk_full`…), the same as its serde name.
    pub fn key(self) -> &'static str {
        match self {
            ErrorKind::NotConfigured => "not_configured",
            ErrorKind::Insecure => "insecure",
            ErrorKind::NotEnrolled => "not_enrolled",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Network => "network",
            ErrorKind::Server => "server",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Storage => "storage",
            ErrorKind::DiskFull => "disk_full",
            ErrorKind::Paused => "paused",
            ErrorKind::BudgetReached => "budget_reached",
        }
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotConfigured => ErrorKind::NotConfigured,
            Error::Insecure => ErrorKind::Insecure,
            Error::NotEnrolled => ErrorKind::NotEnrolled,
            Error::Unauthorized(_) => ErrorKind::Unauthorized,
            Error::Network(_) => ErrorKind::Network,
            Error::Server { .. } => ErrorKind::Server,
            Error::Protocol(_) | Error::TooLarge => ErrorKind::Protocol,
            Error::MarketLocked => ErrorKind::NotConfigured,
            Error::Paused => ErrorKind::Paused,
            Error::BudgetReached => ErrorKind::BudgetReached,
            Error::Store(e) if e.is_disk_full() => ErrorKind::DiskFull,
            Error::Store(_) | Error::Task(_) => ErrorKind::Storage,
        }
    }

    /// Whether trying again later can help without the user doing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Network(_) | Error::Server { .. } | Error::Protocol(_) | Error::TooLarge
        ) || self.kind() == ErrorKind::DiskFull
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    #[test]
    fn keys_are_the_serde_names() {
        for kind in [
            ErrorKind::NotConfigured,
            ErrorKind::Insecure,
            ErrorKind::NotEnrolled,
            ErrorKind::Unauthorized,
            ErrorKind::Network,
            ErrorKind::Server,
            ErrorKind::Protocol,
            ErrorKind::Storage,
            ErrorKind::DiskFull,
            ErrorKind::Paused,
            ErrorKind::BudgetReached,
        ] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.key()));
        }
    }
}
