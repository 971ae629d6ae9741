//! How commands speak: progress on standard error for a person, the result
//! on standard output (text, or one JSON object with `--json`), and the exit
//! code.

use std::process::ExitCode;

use serde_json::{Value, json};

/// The exit codes, as documented in `keyway --help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Done; for `check`, no problem found.
    Ok = 0,
    /// `check` found problems.
    Problems = 1,
    /// The command line or a setting is unusable.
    Usage = 2,
    /// The database or a file failed.
    Failed = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Where a command's words go.
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether the result is one JSON object.
    pub(crate) fn json(&self) -> bool {
        self.json
    }

    /// A progress line for a person (standard error; silent with `--json`).
    pub(crate) fn progress(&self, line: &str) {
        if !self.json {
            eprintln!("{line}");
        }
    }

    /// The result: `text` for a person, or `object` (with `"command"` and
    /// `"ok"` added) with `--json`.
    pub(crate) fn result(&self, command: &str, ok: bool, text: &str, object: Value) -> Exit {
        if self.json {
            let mut full = json!({ "command": command, "ok": ok });
            if let (Some(full), Value::Object(fields)) = (full.as_object_mut(), object) {
                full.extend(fields);
            }
            println!("{full}");
        } else {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
        }
        if ok { Exit::Ok } else { Exit::Problems }
    }

    /// A command that could not be done: `message` (already free of
    /// secrets) on standard error, or as `{"ok": false, "error": ...}` with
    /// `--json`; returns `exit`.
    pub(crate) fn failed(
        &self,
        command: &str,
        exit: Exit,
        code: Option<&str>,
        message: &str,
    ) -> Exit {
        if self.json {
            let object = json!({
                "command": command,
                "ok": false,
                "error": { "code": code, "message": message },
            });
            println!("{object}");
        } else {
            match code {
                Some(code) => eprintln!("keyway {command}: [{code}] {message}"),
                None => eprintln!("keyway {command}: {message}"),
            }
        }
        exit
    }
}
