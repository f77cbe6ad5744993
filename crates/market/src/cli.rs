//! The commands of `hanout-market`. Logs go to stderr; stdout carries only
//! what a script reads (the listening address, a code).

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;

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
        /// Keep photos in an S3-compatible bucket instead of <data>/blobs:
        /// `s3://BUCKET?endpoint=URL&region=REGION`. Credentials come from
        /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
        #[arg(long, env = "HANOUT_MARKET_BLOBS")]
        blobs: Option<String>,
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
    /// Ensure the demo cooperative `atlas` and print a fresh enrollment code.
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
    Approve { listing_id: Uuid },
    /// Reject a listing; the reason reaches the cooperative's devices.
    Reject {
        listing_id: Uuid,
        #[arg(long)]
        reason: String,
    },
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
        ..Config::default()
    };
    if let Command::Serve {
        moderation, blobs, ..
    } = &cli.command
    {
        config.moderation = match moderation {
            Moderation::Auto => ModerationPolicy::Auto,
            Moderation::Manual => ModerationPolicy::Manual,
        };
        config.blobs = blobs.clone().map(|url| S3Blobs {
            url,
            access_key_id: None,
            secret_access_key: None,
        });
    }
    let market = Market::open_with(&cli.data, config)?;
    match cli.command {
        Command::Serve { listen, .. } => serve(market, &listen),
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
            command: ListingCommand::Approve { listing_id },
        } => {
            admin::approve_listing(&market, listing_id)?;
            say(&format!("approved listing {listing_id}"));
            Ok(())
        }
        Command::Listing {
            command: ListingCommand::Reject { listing_id, reason },
        } => {
            admin::reject_listing(&market, listing_id, &reason)?;
            say(&format!("rejected listing {listing_id}"));
            Ok(())
        }
        Command::Demo => {
            admin::ensure_cooperative(&market, DEMO_SLUG, DEMO_NAME)?;
            say(&admin::enrollment_code(&market, DEMO_SLUG)?);
            Ok(())
        }
    }
}

fn serve(market: Market, listen: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("could not start the async runtime")?;
    runtime.block_on(async {
        let listener = TcpListener::bind(listen).await.with_context(|| {
            format!("could not listen on {listen} — is another server using it?")
        })?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, "serving");
        say(&format!("listening on http://{addr}"));
        // ConnectInfo gives the enrollment rate limit each client's address.
        let app = market::app(market).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("the server stopped with an error")?;
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

/// One line on stdout, for whoever runs the command.
#[expect(clippy::print_stdout, reason = "stdout is the CLI's output channel")]
fn say(line: &str) {
    println!("{line}");
}
