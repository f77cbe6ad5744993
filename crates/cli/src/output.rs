use std::process::ExitCode;

use serde_json::{Value, json};

use crate::args::Lang;
use crate::messages;

/// How the command ended, for the exit code: 0 all well, 1 some items failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    SomeFailed,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Ok => ExitCode::SUCCESS,
            Outcome::SomeFailed => ExitCode::from(1),
        }
    }
}

/// Text for people in their language, or one JSON document for scripts.
pub struct Output {
    pub json: bool,
    pub lang: Lang,
}

impl Output {
    pub fn new(json: bool, lang: Lang) -> Output {
        Output { json, lang }
    }

    /// Prints `text` lines, or `doc` in JSON mode.
    pub fn print(&self, text: impl FnOnce() -> String, doc: Value) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_else(|_| doc.to_string())
            );
        } else {
            let text = text();
            if !text.is_empty() {
                println!("{text}");
            }
        }
    }

    /// Like [`Output::print`], but JSON as one line: `sync --watch` prints
    /// one document per event (JSON lines).
    pub fn line(&self, text: impl FnOnce() -> String, doc: Value) {
        if self.json {
            println!("{doc}");
        } else {
            println!("{}", text());
        }
    }

    /// A fatal error: `{"error": {"kind", "message"}}` on stdout in JSON
    /// mode, a translated line on stderr otherwise.
    pub fn fatal(&self, error: &anyhow::Error) {
        let (kind, message) = messages::error(self.lang, error);
        if self.json {
            println!(
                "{}",
                json!({ "error": { "kind": kind, "message": message } })
            );
        } else {
            eprintln!("hanout: {message}");
        }
    }
}
