//! `hanout-market operator …`: the accounts of the console's operators.

use clap::{Subcommand, ValueEnum};

use market::Market;
use market::admin::{self, OperatorRole};

use crate::cli::say;

#[derive(Debug, Subcommand)]
pub(crate) enum OperatorCommand {
    /// Add an operator (or reset one's password) and print their one-time
    /// setup link, valid 3 days.
    Add {
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The marketplace's address, for the link (e.g.
        /// https://souk.example.org).
        #[arg(
            long,
            env = "HANOUT_MARKET_PUBLIC_URL",
            default_value = "http://127.0.0.1:7878"
        )]
        public_url: String,
    },
    /// List operators: email, role, state.
    List,
    /// Disable an operator: their sessions end, they cannot sign in.
    Disable { email: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum RoleArg {
    Moderator,
    Admin,
}

pub(crate) fn run(market: &Market, command: OperatorCommand) -> anyhow::Result<()> {
    match command {
        OperatorCommand::Add {
            email,
            role,
            public_url,
        } => {
            let role = match role {
                RoleArg::Moderator => OperatorRole::Moderator,
                RoleArg::Admin => OperatorRole::Admin,
            };
            let token = admin::add_operator(market, &email, role)?;
            say(&format!(
                "{}/admin/setup/{token}",
                public_url.trim_end_matches('/')
            ));
        }
        OperatorCommand::List => {
            for op in admin::list_operators(market)? {
                let state = if op.disabled {
                    "disabled"
                } else if op.active {
                    "active"
                } else {
                    "not set up"
                };
                say(&format!("{}\t{}\t{state}", op.email, op.role.as_str()));
            }
        }
        OperatorCommand::Disable { email } => admin::disable_operator(market, &email)?,
    }
    Ok(())
}
