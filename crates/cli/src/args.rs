use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

/// Hanout's catalog from the command line: the same data and rules as the app.
///
/// Exit codes: 0 all went well; 1 some items failed (listed); 2 usage or fatal error.
#[derive(Debug, Parser)]
#[command(name = "hanout", version)]
pub struct Args {
    /// The app's data directory (default: the desktop app's, for this OS).
    #[arg(long, global = true, env = "HANOUT_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Language of messages.
    #[arg(long, global = true, value_enum, default_value_t = Lang::detect())]
    pub lang: Lang,
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Ar,
    Fr,
    En,
}

impl Lang {
    /// The user's language: on Linux from `LC_ALL`, `LC_MESSAGES` or `LANG`
    /// (`ar_MA.UTF-8` → ar), on Windows and macOS from the system's setting
    /// (`sys-locale`); else French, the cooperatives' written language.
    fn detect() -> Lang {
        Lang::from_locale(&sys_locale::get_locale().unwrap_or_default())
    }

    /// `ar_MA.UTF-8`, `ar-MA`, `fr`, `en_US` → the language; anything else → French.
    pub fn from_locale(locale: &str) -> Lang {
        let language = locale
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match language.as_str() {
            "ar" => Lang::Ar,
            "en" => Lang::En,
            _ => Lang::Fr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn languages_from_posix_and_bcp47_locales() {
        for (locale, lang) in [
            ("ar_MA.UTF-8", Lang::Ar),
            ("ar-MA", Lang::Ar),
            ("AR", Lang::Ar),
            ("en_US.UTF-8", Lang::En),
            ("en-GB", Lang::En),
            ("fr_MA.UTF-8", Lang::Fr),
            ("C", Lang::Fr),
            ("", Lang::Fr),
            ("es-ES", Lang::Fr),
        ] {
            assert_eq!(Lang::from_locale(locale), lang, "{locale}");
        }
    }
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process; boxing buys nothing
pub enum Command {
    /// Add, edit, show, list, search or archive listings.
    #[command(subcommand)]
    Listing(ListingCommand),
    /// Import listings from a CSV file (Excel or LibreOffice; `,` or `;`; UTF-8 or Windows-1256).
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Export the catalog.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Turn photos into small JPEGs without metadata, in parallel; optionally attach them to a listing.
    #[command(subcommand)]
    Photos(PhotosCommand),
    /// Back the catalog up (to FILE, or to a new rolling backup).
    Backup { file: Option<PathBuf> },
    /// Replace the catalog with a backup; asks (or needs --yes) if unsynced work would be lost.
    Restore {
        file: PathBuf,
        #[arg(long)]
        yes: bool,
    },
    /// What is in the catalog and what is waiting to sync.
    Status,
    /// Record a sale (the stock goes down; it syncs), or undo the last one.
    Sale {
        /// The listing sold (not needed with --undo).
        #[arg(required_unless_present = "undo")]
        id: Option<String>,
        #[arg(long, default_value_t = 1)]
        qty: u32,
        /// The price paid per unit when it differs from the listing's, in dirhams.
        #[arg(long)]
        price: Option<String>,
        /// A note about the buyer (optional).
        #[arg(long)]
        note: Option<String>,
        /// Undo the last sale: its units go back to the stock.
        #[arg(long, conflicts_with_all = ["id", "price", "note"])]
        undo: bool,
    },
    /// Add delivered units to a listing's stock (it syncs).
    Restock { id: String, qty: u32 },
    /// The day's sales journal: totals in MAD, count, what sold out.
    Sales {
        /// The day, YYYY-MM-DD (default: today, on this computer's clock).
        #[arg(long)]
        day: Option<String>,
        /// Also write the day's sales to this CSV file (opens in Excel).
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// Price labels of listings as a PDF (title in Arabic and French, price, cooperative, origin, QR code).
    Labels {
        /// The listings, one label each (repeat an id for more labels).
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long)]
        out: PathBuf,
        /// a4-3x8 (70×37 mm), a4-2x7 (99.1×38.1 mm) or thermal-58x40 (one label per page).
        #[arg(long, default_value = "a4-3x8", value_parser = ["a4-3x8", "a4-2x7", "thermal-58x40"])]
        layout: String,
    },
    /// The catalogue as a PDF, in the edition of --lang: ar right to left, fr left to right (en: the French edition).
    Catalogue {
        #[arg(long)]
        out: PathBuf,
        /// Only the listings live on the marketplace (else all but drafts and archives).
        #[arg(long)]
        only_live: bool,
    },
    /// Show or change sync settings: pause/resume, metered link, daily data budget, marketplace address.
    Config {
        /// Stop sending and receiving until --resume.
        #[arg(long, conflicts_with = "resume")]
        pause: bool,
        #[arg(long)]
        resume: bool,
        /// yes: text and thumbnails only (display photos wait); no; auto: as the system says.
        #[arg(long, value_parser = ["yes", "no", "auto"])]
        metered: Option<String>,
        /// Megabytes sync may spend per day (both directions), or "none".
        #[arg(long)]
        budget_mb: Option<String>,
        /// The marketplace's address (only before this laptop is enrolled; then use `hanout connect`).
        #[arg(long)]
        market_url: Option<String>,
    },
    /// Carry changes to the cooperative's other laptop on a USB stick: a bundle file.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Sync with the cooperative's other laptop over the stand's network, without internet.
    #[command(subcommand)]
    Peer(PeerCommand),
    /// Connect this catalog to a marketplace with the one-time code its operators gave (enrolls now).
    Connect {
        /// The marketplace's address, e.g. souk.example.org (https:// is assumed).
        url: String,
        #[arg(long)]
        code: String,
    },
    /// Send and receive what waits, then exit (0 all done; 1 something refused or left; 2 no connection or error).
    ///
    /// When the desktop app is open on this catalog it syncs it itself: this says so and exits 0.
    Sync {
        /// Keep syncing: after each change, periodically, and as soon as the marketplace answers again.
        #[arg(long)]
        watch: bool,
        /// With --watch: seconds between passes when nothing happens.
        #[arg(long, default_value_t = 300)]
        interval: u64,
        /// Send display-size photos even on a metered connection.
        #[arg(long)]
        send_photos: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListingCommand {
    /// Add a listing.
    Add(ListingFields),
    /// Change a listing: only the fields given change.
    Edit {
        id: String,
        #[command(flatten)]
        fields: ListingFields,
    },
    /// Show one listing.
    Show { id: String },
    /// List listings, newest change first.
    List(Filters),
    /// Search titles, descriptions, tags, materials, origin and artisan, in all three languages.
    Search {
        query: String,
        #[command(flatten)]
        filters: Filters,
    },
    /// Archive a listing (it leaves the marketplace; the change syncs).
    Archive { id: String },
    /// Remove a listing: deleted for good if it never reached the marketplace, archived otherwise.
    Remove { id: String },
    /// Take back your value of fields where another laptop's later edit won (see `listing show`).
    TakeBack {
        id: String,
        /// Only this field (title, price, status…); repeat for several. Default: every lost field.
        #[arg(long = "field")]
        fields: Vec<String>,
    },
    /// Keep the other laptop's value of fields where your edit lost, and stop showing the conflict.
    KeepTheirs {
        id: String,
        /// Only this field; repeat for several. Default: every lost field.
        #[arg(long = "field")]
        fields: Vec<String>,
    },
}

#[derive(Debug, Default, ClapArgs)]
pub struct ListingFields {
    #[arg(long)]
    pub title_ar: Option<String>,
    #[arg(long)]
    pub title_fr: Option<String>,
    #[arg(long)]
    pub title_en: Option<String>,
    /// Price in dirhams, as you would type it: 4500, "4 500,50", ٤٥٠٠.
    #[arg(long)]
    pub price: Option<String>,
    /// carpets, pottery, argan-cosmetics, food, leather, textiles, woodwork, metal-lanterns, jewellery, basketry, other.
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub stock: Option<u32>,
    /// Adds to the stock as it is when the edit is saved (negative: sold), e.g. --stock-add -2.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "stock")]
    pub stock_add: Option<i64>,
    /// piece, kg, litre, m2.
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub origin: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub materials: Option<String>,
    /// Comma-separated.
    #[arg(long)]
    pub tags: Option<String>,
    /// draft, ready, published, archived.
    #[arg(long)]
    pub status: Option<String>,
    /// Removes this photo (its SHA-256, from `listing show`) from the listing.
    #[arg(long)]
    pub photo_remove: Option<String>,
    /// Makes this photo (its SHA-256) the listing's cover: first, the others keep their order.
    #[arg(long)]
    pub photo_cover: Option<String>,
}

#[derive(Debug, Default, ClapArgs)]
pub struct Filters {
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

#[derive(Debug, Subcommand)]
pub enum PhotosCommand {
    /// Import photo files (JPEG, PNG, WebP, TIFF, GIF); a bad file never stops the others.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Attach the imported photos to this listing (the first becomes the cover if it has none).
        #[arg(long)]
        listing: Option<String>,
        /// Worker threads (default: 2, kind to a 4 GB laptop).
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Validate every row, report row by row, then import the valid ones.
    Csv {
        file: PathBuf,
        /// Only report; import nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// UTF-8 with BOM, one row per listing, photos by file name.
    Csv { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Write this laptop's changes since the other laptop's last bundle (and their photos) to FILE.
    Export {
        file: PathBuf,
        /// Leave the photo files out (the other laptop gets them from the marketplace later).
        #[arg(long)]
        no_photos: bool,
    },
    /// Take in a bundle from the other laptop; taking the same one twice changes nothing.
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum PeerCommand {
    /// Open this laptop to the other one: shows its address and a code to type there; Ctrl-C ends it.
    Share {
        /// The port to listen on (default 47470, or any free one if taken).
        #[arg(long)]
        port: Option<u16>,
        /// End after the first exchange.
        #[arg(long)]
        once: bool,
        /// Do not announce over mDNS (the address is typed on the other laptop).
        #[arg(long)]
        no_mdns: bool,
    },
    /// The laptops sharing on this network (mDNS; blocked on some networks: type the address then).
    Find {
        /// Seconds to listen.
        #[arg(long, default_value_t = 3)]
        wait: u64,
    },
    /// Exchange changes with the laptop sharing at ADDRESS, with the code shown on its screen.
    Sync {
        /// As shown on the other laptop: 192.168.1.20:47470 (or the text of its QR code).
        address: String,
        #[arg(long)]
        code: String,
    },
}
