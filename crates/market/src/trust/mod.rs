//! Trust, for buyers: who sells (a cooperative's legal profile), labels
//! an operator verified, "report this listing" and messages to a
//! cooperative through its page. Set by operators only (the CLI in
//! `cli_trust.rs`, the console), never by a device.
//!
//! Every function takes the caller's transaction, so an operator action and
//! its `audit::record` entry commit together.

mod labels;
mod messages;
mod profile;
mod public;
mod reports;
mod text;

pub(crate) use labels::{
    Label, Subject, VerifiedLabel, all_labels, grant_label, labels, revoke_label,
};
pub(crate) use messages::{
    ContactMessage, MAX_BODY_CHARS, MAX_REPLY_TO_CHARS, MAX_SENDER_CHARS, MessageState,
    add_message, message_problem, messages, set_message_state,
};
pub(crate) use profile::{Profile, profile, set_profile};
pub(crate) use public::{public_profiles, with_trust};
pub(crate) use reports::{
    MAX_DETAILS_CHARS, Report, ReportReason, ReportState, add_report, close_report,
    open_report_count, open_reports,
};

#[cfg(test)]
mod tests;
