//! `keyway secret`: a new `AUTH_SECRET`, printed or written into an env
//! file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use crate::output::{Exit, Output};

/// Random bytes in a secret: 32, shown as 64 hex digits (the demo's dev
/// secret has the same shape; keyway derives its keys from the text with
/// HKDF, so any encoding of enough randomness serves).
const SECRET_BYTES: usize = 32;

/// The variable written into the env file.
const NAME: &str = "AUTH_SECRET";

/// Options of `keyway secret`.
#[derive(Debug, Args)]
pub(crate) struct SecretArgs {
    /// Write `AUTH_SECRET=<secret>` into this file (created if missing; an
    /// existing AUTH_SECRET line is replaced, other lines are kept) instead
    /// of printing the secret.
    #[arg(long, value_name = "PATH")]
    env_file: Option<PathBuf>,
}

/// A new secret from the OS CSPRNG.
pub(crate) fn new_secret() -> String {
    keyway::random::hex(SECRET_BYTES)
}

pub(crate) fn run(args: &SecretArgs, out: &Output) -> Exit {
    let secret = new_secret();
    let Some(path) = &args.env_file else {
        out.progress(
            "keyway secret: a new AUTH_SECRET (32 random bytes); set it in the environment:",
        );
        let text = if out.json() {
            String::new()
        } else {
            format!("{secret}\n")
        };
        return out.result("secret", true, &text, json!({ "secret": secret }));
    };
    match write_env_file(path, &secret) {
        Ok(change) => {
            let shown = path.display();
            let text = match change {
                Change::Created => format!("AUTH_SECRET written to {shown} (new file)\n"),
                Change::Added => format!("AUTH_SECRET added to {shown}\n"),
                Change::Replaced => {
                    format!("AUTH_SECRET replaced in {shown} (the old secret is gone)\n")
                }
            };
            out.result(
                "secret",
                true,
                &text,
                json!({ "env_file": shown.to_string(), "change": change.as_str() }),
            )
        }
        Err(e) => out.failed(
            "secret",
            Exit::Failed,
            None,
            &format!("cannot write {}: {e}", path.display()),
        ),
    }
}

/// What writing the env file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// The file did not exist.
    Created,
    /// The file had no AUTH_SECRET line; one was appended.
    Added,
    /// The file's AUTH_SECRET line now holds the new secret.
    Replaced,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Added => "added",
            Self::Replaced => "replaced",
        }
    }
}

/// Whether `line` sets AUTH_SECRET (`AUTH_SECRET=`, `export AUTH_SECRET =`).
fn sets_secret(line: &str) -> bool {
    let line = line.trim_start();
    let line = line
        .strip_prefix("export")
        .filter(|rest| rest.starts_with([' ', '\t']))
        .map_or(line, str::trim_start);
    line.strip_prefix(NAME)
        .is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// `contents` with its first AUTH_SECRET line set to `secret` (later ones
/// removed, so no older value can win), or the line appended.
pub(crate) fn with_secret(contents: &str, secret: &str) -> (String, Change) {
    let line = format!("{NAME}={secret}");
    let mut out = Vec::new();
    let mut replaced = false;
    for existing in contents.lines() {
        if sets_secret(existing) {
            if !replaced {
                out.push(line.clone());
                replaced = true;
            }
        } else {
            out.push(existing.to_owned());
        }
    }
    if !replaced {
        out.push(line);
    }
    let mut text = out.join("\n");
    text.push('\n');
    let change = if replaced {
        Change::Replaced
    } else {
        Change::Added
    };
    (text, change)
}

fn write_env_file(path: &Path, secret: &str) -> io::Result<Change> {
    match fs::read_to_string(path) {
        Ok(contents) => {
            let (text, change) = with_secret(&contents, secret);
            fs::write(path, text)?;
            Ok(change)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut file = create_private(path)?;
            file.write_all(format!("{NAME}={secret}\n").as_bytes())?;
            Ok(Change::Created)
        }
        Err(e) => Err(e),
    }
}

/// A new file only its owner can read, where the system has such modes.
fn create_private(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_lines_are_recognised() {
        for yes in [
            "AUTH_SECRET=x",
            "AUTH_SECRET = x",
            "  export AUTH_SECRET=x",
            "export\tAUTH_SECRET=\"x\"",
            "AUTH_SECRET=",
        ] {
            assert!(sets_secret(yes), "{yes}");
        }
        for no in [
            "AUTH_SECRET_1=x",
            "NEXTAUTH_SECRET=x",
            "# AUTH_SECRET=x",
            "exportAUTH_SECRET=x",
            "AUTH_SECRETS=x",
            "",
        ] {
            assert!(!sets_secret(no), "{no}");
        }
    }

    #[test]
    fn the_first_line_is_replaced_in_place_and_later_ones_dropped() {
        let (text, change) = with_secret(
            "A=1\nexport AUTH_SECRET=old\nB=2\nAUTH_SECRET=older\nAUTH_SECRET_1=keep\n",
            "new",
        );
        assert_eq!(change, Change::Replaced);
        assert_eq!(text, "A=1\nAUTH_SECRET=new\nB=2\nAUTH_SECRET_1=keep\n");
    }

    #[test]
    fn a_missing_line_is_appended_even_without_a_final_newline() {
        let (text, change) = with_secret("A=1\n# comment", "new");
        assert_eq!(change, Change::Added);
        assert_eq!(text, "A=1\n# comment\nAUTH_SECRET=new\n");
        let (text, _) = with_secret("", "new");
        assert_eq!(text, "AUTH_SECRET=new\n");
    }

    #[test]
    fn secrets_are_64_hex_digits_and_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
