//! The operator commands of trust: a cooperative's profile, verified
//! labels, the reports queue and buyers' messages. `cli.rs` flattens
//! [`TrustCommand`] into its commands and hands each to [`run`] with its
//! way of printing a line (the library prints nothing itself). Every command that changes something, and
//! every reading of buyers' messages (their email or phone), writes an
//! audit entry by the operator `cli` in the same transaction.

use clap::{Args, Subcommand};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::trust::{self, Label, MessageState, Profile, ReportState, Subject};
use crate::{Market, admin, audit, cooperative};

/// Who the audit log says did it.
const OPERATOR: &str = "cli";

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// A cooperative's public profile: who sells.
    Cooperative {
        #[command(subcommand)]
        command: CooperativeCommand,
    },
    /// Labels the marketplace verified (shown to buyers as verified).
    Label {
        #[command(subcommand)]
        command: LabelCommand,
    },
    /// Buyers' reports of listings.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Messages buyers sent cooperatives through their pages.
    Message {
        #[command(subcommand)]
        command: MessageCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum CooperativeCommand {
    /// Print the profile, or set the fields given (an empty value unsets one).
    Profile {
        slug: String,
        #[arg(long)]
        legal_name: Option<String>,
        /// The registration number, e.g. with the ODCo.
        #[arg(long)]
        registration: Option<String>,
        #[arg(long)]
        city: Option<String>,
        #[arg(long)]
        region: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LabelCommand {
    /// Grant a label: made_in_morocco, protected_origin, artisan_label,
    /// centre_of_excellence.
    Grant {
        #[command(flatten)]
        subject: SubjectArgs,
        label: String,
        /// E.g. the certificate's number.
        #[arg(long)]
        note: Option<String>,
    },
    /// Take a label back.
    Revoke {
        #[command(flatten)]
        subject: SubjectArgs,
        label: String,
    },
    /// List every label granted, newest first: subject, label, granted by,
    /// when, note.
    List,
}

/// `--cooperative SLUG` or `--listing ID`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SubjectArgs {
    #[arg(long, value_name = "SLUG")]
    cooperative: Option<String>,
    #[arg(long, value_name = "ID")]
    listing: Option<Uuid>,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// List the open reports, newest first: id, listing, reason, when,
    /// open reports of that listing, details.
    List,
    /// Close a report.
    Close {
        id: Uuid,
        /// Nothing wrong found.
        #[arg(
            long,
            conflicts_with = "actioned",
            required_unless_present = "actioned"
        )]
        dismiss: bool,
        /// The listing was dealt with.
        #[arg(long)]
        actioned: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MessageCommand {
    /// List the newest messages: id, when, cooperative, state, sender,
    /// reply to, listing, text.
    List {
        #[arg(long, value_name = "SLUG")]
        cooperative: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Mark a message as forwarded to its cooperative, or as spam.
    Mark {
        id: Uuid,
        #[arg(value_parser = ["new", "forwarded", "spam"])]
        state: String,
    },
}

/// Runs one command on `market` (blocking); `say` prints each line of
/// its answer.
pub fn run(market: &Market, command: TrustCommand, say: fn(&str)) -> anyhow::Result<()> {
    for line in answer(market, command)? {
        say(&line);
    }
    Ok(())
}

fn answer(market: &Market, command: TrustCommand) -> anyhow::Result<Vec<String>> {
    let now_ms = market.now_ms();
    let lines = match command {
        TrustCommand::Cooperative {
            command:
                CooperativeCommand::Profile {
                    slug,
                    legal_name,
                    registration,
                    city,
                    region,
                },
        } => market.db().write(|tx| {
            let coop = coop_id(tx, &slug)?;
            let mut profile = trust::profile(tx, coop)?;
            let given = [&legal_name, &registration, &city, &region];
            if given.iter().any(|f| f.is_some()) {
                let keep = |new: Option<String>, old: Option<String>| new.or(old);
                profile = Profile {
                    legal_name: keep(legal_name, profile.legal_name),
                    registration: keep(registration, profile.registration),
                    city: keep(city, profile.city),
                    region: keep(region, profile.region),
                };
                trust::set_profile(tx, coop, &profile)?;
                profile = trust::profile(tx, coop)?;
                let detail = format!("{profile:?}");
                audit::record(
                    tx,
                    now_ms,
                    OPERATOR,
                    "cooperative.profile",
                    Some(&slug),
                    Some(&detail),
                )?;
            }
            let show =
                |v: Option<String>| v.map(|v| admin::clean_for_terminal(&v)).unwrap_or_default();
            Ok(vec![
                format!("legal name\t{}", show(profile.legal_name)),
                format!("registration\t{}", show(profile.registration)),
                format!("city\t{}", show(profile.city)),
                format!("region\t{}", show(profile.region)),
            ])
        })?,
        TrustCommand::Label {
            command:
                LabelCommand::Grant {
                    subject,
                    label,
                    note,
                },
        } => {
            let label = parse_label(&label)?;
            market.db().write(|tx| {
                let (subject, shown) = subject_of(tx, &subject)?;
                trust::grant_label(tx, subject, label, note.as_deref(), OPERATOR, now_ms)?;
                audit::record(
                    tx,
                    now_ms,
                    OPERATOR,
                    "label.grant",
                    Some(&shown),
                    Some(label.key()),
                )?;
                Ok(vec![format!("granted {} to {shown}", label.key())])
            })?
        }
        TrustCommand::Label {
            command: LabelCommand::Revoke { subject, label },
        } => {
            let label = parse_label(&label)?;
            market.db().write(|tx| {
                let (subject, shown) = subject_of(tx, &subject)?;
                if !trust::revoke_label(tx, subject, label)? {
                    return Ok(vec![format!("{shown} does not have {}", label.key())]);
                }
                audit::record(
                    tx,
                    now_ms,
                    OPERATOR,
                    "label.revoke",
                    Some(&shown),
                    Some(label.key()),
                )?;
                Ok(vec![format!("revoked {} from {shown}", label.key())])
            })?
        }
        TrustCommand::Label {
            command: LabelCommand::List,
        } => market.db().read(|tx| {
            let mut lines = Vec::new();
            for (subject, label) in trust::all_labels(tx)? {
                let shown = match subject {
                    Subject::Cooperative(id) => slug_of(tx, id)?.unwrap_or_else(|| id.to_string()),
                    Subject::Listing(id) => format!("listing {id}"),
                };
                lines.push(format!(
                    "{shown}\t{}\t{}\t{}\t{}",
                    label.label.key(),
                    admin::clean_for_terminal(&label.granted_by),
                    http_date(label.granted_at_ms),
                    admin::clean_for_terminal(label.note.as_deref().unwrap_or(""))
                ));
            }
            Ok(lines)
        })?,
        TrustCommand::Report {
            command: ReportCommand::List,
        } => market.db().read(|tx| {
            let mut lines = Vec::new();
            let reports: Vec<trust::Report> = trust::open_reports(tx)?;
            for report in reports {
                let count = trust::open_report_count(tx, report.listing_id)?;
                lines.push(format!(
                    "{}\t{}\t{}\t{}\t{count}\t{}",
                    report.id,
                    report.listing_id,
                    report.reason.key(),
                    http_date(report.at_ms),
                    admin::clean_for_terminal(report.details.as_deref().unwrap_or(""))
                ));
            }
            Ok(lines)
        })?,
        TrustCommand::Report {
            command: ReportCommand::Close { id, actioned, .. },
        } => {
            let state = if actioned {
                ReportState::Actioned
            } else {
                ReportState::Dismissed
            };
            market.db().write(|tx| {
                if !trust::close_report(tx, id, state, OPERATOR, now_ms)? {
                    return Err(Error::UnknownReport(id.to_string()));
                }
                audit::record(
                    tx,
                    now_ms,
                    OPERATOR,
                    "report.close",
                    Some(&id.to_string()),
                    Some(state.key()),
                )?;
                Ok(vec![format!("report {id} {}", state.key())])
            })?
        }
        TrustCommand::Message {
            command: MessageCommand::List { cooperative, limit },
        } => market.db().write(|tx| {
            let coop = cooperative
                .as_deref()
                .map(|slug| coop_id(tx, slug))
                .transpose()?;
            let found: Vec<trust::ContactMessage> = trust::messages(tx, coop, limit.max(0))?;
            audit::record(
                tx,
                now_ms,
                OPERATOR,
                "message.list",
                cooperative.as_deref(),
                None,
            )?;
            let mut lines = Vec::new();
            for m in found {
                let slug = slug_of(tx, m.cooperative_id)?.unwrap_or_default();
                lines.push(format!(
                    "{}\t{}\t{slug}\t{}\t{}\t{}\t{}\t{}",
                    m.id,
                    http_date(m.at_ms),
                    m.state.key(),
                    admin::clean_for_terminal(&m.sender_name),
                    admin::clean_for_terminal(&m.reply_to),
                    m.listing_id.map(|l| l.to_string()).unwrap_or_default(),
                    admin::clean_for_terminal(&m.body.replace('\n', " / "))
                ));
            }
            Ok(lines)
        })?,
        TrustCommand::Message {
            command: MessageCommand::Mark { id, state },
        } => {
            let state = MessageState::parse(&state).unwrap_or(MessageState::New);
            market.db().write(|tx| {
                if !trust::set_message_state(tx, id, state)? {
                    return Err(Error::UnknownMessage(id.to_string()));
                }
                audit::record(
                    tx,
                    now_ms,
                    OPERATOR,
                    "message.mark",
                    Some(&id.to_string()),
                    Some(state.key()),
                )?;
                Ok(vec![format!("message {id} {}", state.key())])
            })?
        }
    };
    Ok(lines)
}

fn parse_label(key: &str) -> Result<Label> {
    Label::parse(key).ok_or_else(|| Error::UnknownLabel(key.to_owned()))
}

fn coop_id(tx: &mut crate::db::Tx<'_>, slug: &str) -> Result<Uuid> {
    Ok(cooperative::by_slug(tx, slug)?
        .ok_or_else(|| Error::UnknownCooperative(slug.to_owned()))?
        .id)
}

fn slug_of(tx: &mut crate::db::Tx<'_>, id: Uuid) -> Result<Option<String>> {
    tx.query_opt(
        "SELECT slug FROM cooperatives WHERE id = ?1",
        crate::db::args![&id.to_string()],
    )?
    .map(|row| row.get(0))
    .transpose()
}

/// The subject and how the audit log and the output name it: the slug,
/// or `listing ID`.
fn subject_of(tx: &mut crate::db::Tx<'_>, args: &SubjectArgs) -> Result<(Subject, String)> {
    match (&args.cooperative, args.listing) {
        (Some(slug), _) => Ok((Subject::Cooperative(coop_id(tx, slug)?), slug.clone())),
        (None, Some(id)) => Ok((Subject::Listing(id), format!("listing {id}"))),
        (None, None) => unreachable!("clap requires one of --cooperative and --listing"),
    }
}

/// `ms` since the epoch as an HTTP date.
fn http_date(ms: i64) -> String {
    let at =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    httpdate::fmt_http_date(at)
}
