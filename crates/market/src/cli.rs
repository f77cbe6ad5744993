//! The commands of `hanout-market`. Logs go to stderr; stdout carries only
//! what a script reads (the listening address, a code).

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use market::{Config, Market, ModerationPolicy, S3Blobs, admin};
use tokio::net::TcpListener;
use uuid::Uuid;

const DEMO_SLUG: &str = "atlas";
const DEMO_NAME: &str = "Coopérative Atlas — تعاونية الأطلس";

/// The Hanout marketplace server.
#[derive(Debug, Parser)]
#[command(name = "hanout-market", version)]
pub struct Cli {
    /// Directory holding the marketplace database (market.db), the photos
    /// (blobs/) and unfinished uploads (uploads/).
    #[arg(
        long,
        global = true,
        env = "HANOUT_MARKET_DATA",
        default_value = "./market-data"
    )]
    data: PathBuf,
    /// Keep the database in PostgreSQL instead of <data>/market.db:
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`. Several servers
    /// behind a load balancer may share it (and the blob store; give them
    /// one shared <data>/uploads too).
    #[arg(long, global = true, env = "HANOUT_MARKET_DATABASE")]
    database: Option<String>,
    /// Keep photos and the app's packages in an S3-compatible bucket
    /// instead of <data>/blobs: `s3://BUCKET?endpoint=URL&region=REGION`.
    /// Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
    /// Give it to every command (`serve`, `release add`, `photo purge`),
    /// or set HANOUT_MARKET_BLOBS once.
    #[arg(long, global = true, env = "HANOUT_MARKET_BLOBS")]
    blobs: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the public catalog until Ctrl-C or SIGTERM.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: String,
        /// `auto`: pushed listings are public at once. `manual`: they wait
        /// for `hanout-market listing approve`.
        #[arg(long, value_enum, default_value_t = Moderation::Auto)]
        moderation: Moderation,
        /// A reverse proxy in front of this server (repeat for several):
        /// the client address comes from its `X-Forwarded-For` for the
        /// enrollment rate limit. Without it the header is ignored.
        #[arg(long = "trusted-proxy", value_name = "IP")]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Storage each cooperative's photos may take, in MB.
        #[arg(long, default_value_t = 20 * 1024)]
        quota_mb: u64,
        /// Seconds between clean-up passes (expired uploads; photos no
        /// listing has shown for a week).
        #[arg(long, default_value_t = 600)]
        cleanup_every_s: u64,
        /// The address buyers use (e.g. https://souk.example.org), for absolute
        /// links in share previews, structured data and the sitemap.
        #[arg(long, env = "HANOUT_MARKET_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Manage cooperatives.
    Coop {
        #[command(subcommand)]
        command: CoopCommand,
    },
    /// Manage devices.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Moderate listings.
    Listing {
        #[command(subcommand)]
        command: ListingCommand,
    },
    /// Take photos down.
    Photo {
        #[command(subcommand)]
        command: PhotoCommand,
    },
    /// The console's operators (`/admin`).
    Operator {
        #[command(subcommand)]
        command: crate::cli_operator::OperatorCommand,
    },
    /// Publish the desktop app's installers and updates.
    Release {
        #[command(subcommand)]
        command: ReleaseCommand,
    },
    #[command(flatten)]
    Trust(market::cli_trust::TrustCommand),
    /// Ensure the demo cooperative `atlas` with its catalog (32 products with
    /// photos, published, once) and print a fresh enrollment code.
    Demo,
}

#[derive(Debug, Subcommand)]
enum CoopCommand {
    /// Add a cooperative.
    Add {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCommand {
    /// Print a fresh one-time enrollment code (valid 24 h) for a cooperative.
    Code { slug: String },
    /// Revoke a device's token.
    Revoke { device_id: Uuid },
    /// List the devices of a cooperative, or of all: id, cooperative, state, name.
    List { slug: Option<String> },
}

#[derive(Debug, Subcommand)]
enum ListingCommand {
    /// Approve a listing: it appears in the public catalog.
    Approve {
        listing_id: Uuid,
        /// Who decides, for the moderation history (default: $USER).
        #[arg(long)]
        by: Option<String>,
    },
    /// Reject a listing; the reason reaches the cooperative's devices. It
    /// stays rejected until approved (or, under manual moderation, until
    /// the cooperative changes what a buyer sees).
    Reject {
        listing_id: Uuid,
        #[arg(long)]
        reason: String,
        /// Who decides, for the moderation history (default: $USER).
        #[arg(long)]
        by: Option<String>,
    },
    /// List the listings waiting for review, oldest first: id, cooperative,
    /// waiting since, title.
    Pending,
    /// Print a listing's moderation history: when, who, what, state, why.
    History { listing_id: Uuid },
}

#[derive(Debug, Subcommand)]
enum PhotoCommand {
    /// Remove a photo from the blob store and from every listing that shows
    /// it; the same photo is refused if uploaded again.
    Purge {
        /// The photo's SHA-256, as in its URL /photos/SHA.jpg.
        sha256: String,
        /// Why, for the moderation history of the listings that showed it.
        #[arg(long)]
        reason: Option<String>,
        /// Who purges, for the moderation history (default: $USER).
        #[arg(long)]
        by: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ReleaseCommand {
    /// Copy a package `tauri build` made into the blob store and offer it
    /// to the app's updater; the same version and target again replaces it.
    Add {
        /// The package (AppImage, .deb, .msi, NSIS setup, .app.tar.gz…);
        /// copied, the file stays.
        file: PathBuf,
        /// Its version (semver), e.g. 0.2.0.
        #[arg(long)]
        version: String,
        /// Its platform key: OS-ARCH or OS-ARCH-INSTALLER, e.g.
        /// linux-x86_64, linux-x86_64-deb, windows-x86_64-nsis, darwin-aarch64.
        #[arg(long)]
        target: String,
        /// The signature `tauri signer sign` wrote: the path of FILE.sig,
        /// or its text.
        #[arg(long)]
        signature: String,
        /// What changed, in Arabic.
        #[arg(long)]
        notes_ar: Option<String>,
        /// What changed, in French.
        #[arg(long)]
        notes_fr: Option<String>,
        /// What changed, in English.
        #[arg(long)]
        notes_en: Option<String>,
    },
    /// List the releases, newest first: version, platform, bytes, added.
    List,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Moderation {
    Auto,
    Manual,
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    init_tracing();
    let mut config = Config {
        database: cli.database.clone(),
        blobs: cli.blobs.clone().map(|url| S3Blobs {
            url,
            access_key_id: None,
            secret_access_key: None,
        }),
        ..Config::default()
    };
    if let Command::Serve {
        moderation,
        trusted_proxies,
        quota_mb,
        public_url,
        ..
    } = &cli.command
    {
        config.public_url = public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_owned());
        config.trusted_proxies = trusted_proxies.clone();
        config.storage_quota_bytes = quota_mb.saturating_mul(1024 * 1024);
        config.moderation = match moderation {
            Moderation::Auto => ModerationPolicy::Auto,
            Moderation::Manual => ModerationPolicy::Manual,
        };
    }
    let market = Market::open_with(&cli.data, config)?;
    match cli.command {
        Command::Serve {
            listen,
            cleanup_every_s,
            ..
        } => serve(market, &listen, Duration::from_secs(cleanup_every_s.max(1))),
        Command::Coop {
            command: CoopCommand::Add { slug, name },
        } => {
            let coop = admin::add_cooperative(&market, &slug, &name)?;
            say(&format!("added cooperative {} ({})", coop.slug, coop.id));
            Ok(())
        }
        Command::Device {
            command: DeviceCommand::Code { slug },
        } => {
            say(&admin::enrollment_code(&market, &slug)?);
            Ok(())
        }
        Command::Device {
            command: DeviceCommand::Revoke { device_id },
        } => {
            admin::revoke_device(&market, device_id)?;
            say(&format!("revoked device {device_id}"));
            Ok(())
        }
        Command::Device {
            command: DeviceCommand::List { slug },
        } => {
            for device in admin::list_devices(&market, slug.as_deref())? {
                let state = if device.revoked_at_ms.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                say(&format!(
                    "{}\t{}\t{state}\t{}",
                    device.id, device.cooperative_slug, device.name
                ));
            }
            Ok(())
        }
        Command::Listing {
            command: ListingCommand::Approve { listing_id, by },
        } => {
            admin::approve_listing_as(&market, listing_id, &operator(by))?;
            say(&format!("approved listing {listing_id}"));
            Ok(())
        }
        Command::Listing {
            command:
                ListingCommand::Reject {
                    listing_id,
                    reason,
                    by,
                },
        } => {
            admin::reject_listing_as(&market, listing_id, &reason, &operator(by))?;
            say(&format!("rejected listing {listing_id}"));
            Ok(())
        }
        Command::Listing {
            command: ListingCommand::Pending,
        } => {
            for listing in admin::pending_listings(&market)? {
                say(&format!(
                    "{}\t{}\t{}\t{}",
                    listing.id,
                    listing.cooperative_slug,
                    http_date(listing.since_ms),
                    terminal_safe(&listing.title)
                ));
            }
            Ok(())
        }
        Command::Listing {
            command: ListingCommand::History { listing_id },
        } => {
            for event in admin::listing_history(&market, listing_id)? {
                say(&format!(
                    "{}\t{}\t{}\t{:?}\t{}",
                    http_date(event.at_ms),
                    terminal_safe(&event.actor),
                    event.action,
                    event.state,
                    terminal_safe(event.reason.as_deref().unwrap_or(""))
                ));
            }
            Ok(())
        }
        Command::Photo {
            command: PhotoCommand::Purge { sha256, reason, by },
        } => {
            let listings = admin::purge_photo(&market, &sha256, &operator(by), reason.as_deref())?;
            say(&format!(
                "purged photo {} from {} listing(s)",
                sha256.trim().to_ascii_lowercase(),
                listings.len()
            ));
            Ok(())
        }
        Command::Release {
            command:
                ReleaseCommand::Add {
                    file,
                    version,
                    target,
                    signature,
                    notes_ar,
                    notes_fr,
                    notes_en,
                },
        } => {
            let input = admin::ReleaseInput {
                file,
                version,
                target,
                signature: crate::cli_release::signature_text(&signature)?,
                notes_ar,
                notes_fr,
                notes_en,
            };
            let runtime =
                tokio::runtime::Runtime::new().context("could not start the async runtime")?;
            let release = runtime.block_on(admin::add_release(&market, input))?;
            say(&format!(
                "added release {} for {} ({} bytes, sha256 {})",
                release.version, release.platform, release.size, release.sha256
            ));
            Ok(())
        }
        Command::Release {
            command: ReleaseCommand::List,
        } => {
            for release in admin::list_releases(&market)? {
                say(&format!(
                    "{}\t{}\t{}\t{}",
                    release.version,
                    release.platform,
                    release.size,
                    http_date(release.pub_date_ms)
                ));
            }
            Ok(())
        }
        Command::Operator { command } => crate::cli_operator::run(&market, command),
        Command::Trust(command) => market::cli_trust::run(&market, command, say),
        Command::Demo => {
            admin::ensure_cooperative(&market, DEMO_SLUG, DEMO_NAME)?;
            let published = admin::fill_demo_catalog(&market, DEMO_SLUG)?;
            if published > 0 {
                tracing::info!(published, "demo catalog filled");
            }
            say(&admin::enrollment_code(&market, DEMO_SLUG)?);
            Ok(())
        }
    }
}

fn serve(market: Market, listen: &str, cleanup_every: Duration) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("could not start the async runtime")?;
    runtime.block_on(async {
        let listener = TcpListener::bind(listen).await.with_context(|| {
            format!("could not listen on {listen} — is another server using it?")
        })?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, "serving");
        say(&format!("listening on http://{addr}"));
        let cleanup = market::cleanup::spawn(market.clone(), cleanup_every);
        // ConnectInfo gives the enrollment rate limit each client's address.
        let app = market::app(market).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("the server stopped with an error")?;
        cleanup.abort();
        tracing::info!("stopped");
        Ok(())
    })
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Who an operator command is recorded as: `--by`, else `$USER`.
fn operator(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok())
        .map(|name| terminal_safe(&name))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| admin::DEFAULT_OPERATOR.to_owned())
}

/// Text from devices, as safe to print on a terminal as device names.
fn terminal_safe(text: &str) -> String {
    admin::clean_for_terminal(text)
}

/// `ms` since the epoch as an HTTP date (`Sun, 01 Mar 2026 00:00:00 GMT`).
fn http_date(ms: i64) -> String {
    let at =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    httpdate::fmt_http_date(at)
}

/// One line on stdout, for whoever runs the command.
#[expect(clippy::print_stdout, reason = "stdout is the CLI's output channel")]
pub(crate) fn say(line: &str) {
    println!("{line}");
}
