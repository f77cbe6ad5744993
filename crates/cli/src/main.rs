//! `hanout`: everything the desktop app does to the catalog, headless.
//! No logic of its own: it parses arguments, calls `store` (and `photos`),
//! and prints the outcome in the user's language or as JSON.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool talks to its terminal

mod args;
mod commands;
mod messages;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    let out = output::Output::new(args.json, args.lang);
    match commands::run(&args, &out) {
        Ok(outcome) => outcome.exit_code(),
        Err(e) => {
            out.fatal(&e);
            ExitCode::from(2)
        }
    }
}
