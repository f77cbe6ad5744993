mod backup;
mod bundle;
mod config;
mod conflicts;
mod csv;
pub(crate) mod listing;
mod photos;
mod print;
mod sales;
mod status;
mod sync;

pub use sync::SyncFailed;

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::args::{Args, Command, ExportCommand, ImportCommand, PhotosCommand};

use crate::output::{Outcome, Output};
pub(crate) use sync::runtime;

pub fn run(args: &Args, out: &Output) -> Result<Outcome> {
    let data = DataDir::new(args.data_dir.clone())?;
    match &args.command {
        Command::Listing(cmd) => listing::run(&data, cmd, out),
        Command::Import {
            what: ImportCommand::Csv { file, dry_run },
        } => csv::import(&data, file, *dry_run, out),
        Command::Export {
            what: ExportCommand::Csv { file },
        } => csv::export(&data, file, out),
        Command::Photos(PhotosCommand::Import {
            files,
            listing,
            workers,
        }) => photos::import(&data, files, listing.as_deref(), *workers, out),
        Command::Backup { file } => backup::backup(&data, file.as_deref(), out),
        Command::Restore { file, yes } => backup::restore(&data, file, *yes, out),
        Command::Status => status::run(&data, out),
        Command::Sale {
            id,
            qty,
            price,
            note,
            undo,
        } => sales::sale(
            &data,
            id.as_deref(),
            *qty,
            price.as_deref(),
            note.as_deref(),
            *undo,
            out,
        ),
        Command::Restock { id, qty } => sales::restock(&data, id, *qty, out),
        Command::Sales { day, csv } => sales::journal(&data, day.as_deref(), csv.as_deref(), out),
        Command::Labels {
            ids,
            out: file,
            layout,
        } => {
            // clap checked the name against the same list.
            let layout = layout.parse().unwrap_or_default();
            print::labels(&data, ids, layout, file, out)
        }
        Command::Catalogue {
            out: file,
            only_live,
        } => print::catalogue(&data, *only_live, file, out),
        Command::Config {
            pause,
            resume,
            metered,
            budget_mb,
            market_url,
        } => config::run(
            &data,
            config::Changes {
                paused: if *pause {
                    Some(true)
                } else if *resume {
                    Some(false)
                } else {
                    None
                },
                metered: metered.as_deref(),
                budget_mb: budget_mb.as_deref(),
                market_url: market_url.as_deref(),
            },
            out,
        ),
        Command::Bundle(cmd) => bundle::bundle(&data, cmd, out),
        Command::Peer(cmd) => bundle::peer(&data, cmd, out),
        Command::Connect { url, code } => sync::connect(&data, url, code, out),
        Command::Sync {
            watch,
            interval,
            send_photos,
        } => sync::sync(&data, *watch, *interval, *send_photos, out),
    }
}

/// The app's data directory and what lives in it.
pub struct DataDir {
    pub dir: PathBuf,
}

impl DataDir {
    fn new(dir: Option<PathBuf>) -> Result<DataDir> {
        let dir = match dir {
            Some(dir) => dir,
            // Tauri's app_data_dir for the app's identifier, on every OS.
            None => dirs::data_dir()
                .context("no data directory on this system; pass --data-dir")?
                .join("ma.hanout.desktop"),
        };
        Ok(DataDir { dir })
    }

    pub fn catalog(&self) -> PathBuf {
        self.dir.join("catalog.db")
    }

    /// Opens the catalog for reading; works while the app runs.
    pub fn read(&self) -> Result<store::Store> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("create {}", self.dir.display()))?;
        Ok(store::open(&self.catalog())?)
    }

    /// Opens the catalog for writing: refuses while the app holds it.
    pub fn write(&self) -> Result<(store::WriterLock, store::Store)> {
        let lock = store::lock_writer(&self.dir)?;
        let store = store::open(&self.catalog())?;
        Ok((lock, store))
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
