//! The SMTP sink of `cargo xtask services`: plain SMTP on 127.0.0.1:2525,
//! every accepted message written as an `.eml` file (with an
//! `X-Sink-Rcpt-To:` header) under `$HOME/.cache/keyway/smtp-sink/mail`
//! (`KEYWAY_SMTP_SINK_DIR` overrides the state directory).

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The sink's plain port.
pub const PORT: u16 = 2525;

/// The running sink.
pub struct Sink {
    mail: PathBuf,
}

/// The sink, or `None` after a notice when it is not running and services
/// are not required.
pub fn sink(test: &str) -> Option<Sink> {
    let state = match std::env::var_os("KEYWAY_SMTP_SINK_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/keyway/smtp-sink"),
    };
    let mail = state.join("mail");
    if super::port_open(PORT) && mail.is_dir() {
        return Some(Sink { mail });
    }
    super::unavailable(
        test,
        &format!(
            "no SMTP sink on 127.0.0.1:{PORT} with mail in {}; `cargo xtask services` starts it",
            mail.display()
        ),
    )
}

impl Sink {
    /// The server URL for `EMAIL_SERVER`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{PORT}")
    }

    /// The text parts of the messages delivered to `to`, oldest first.
    fn texts_to(&self, to: &str) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.mail)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        // The sink names files by arrival time.
        files.sort();
        files
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter(|raw| header(raw, "X-Sink-Rcpt-To").is_some_and(|r| r == to))
            .map(|raw| text_part(&raw))
            .collect()
    }

    /// Waits (up to 15 s) for message number `n` (from 1) to `to` and
    /// returns its text part.
    pub async fn wait_for(&self, to: &str, n: usize) -> String {
        let started = Instant::now();
        loop {
            let mut texts = self.texts_to(to);
            if texts.len() >= n {
                return texts.swap_remove(n - 1);
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{} message(s) to {to} after 15 s, expected {n}",
                texts.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The sign-in link of a message's text part: the line that starts with the
/// site's origin.
pub fn link(text: &str, site: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(site))
        .unwrap_or_else(|| panic!("no line starting with {site} in:\n{text}"))
        .trim()
        .to_owned()
}

/// The one-time code of a message's text part.
pub fn code(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("Or enter this code on the sign-in page: "))
        .unwrap_or_else(|| panic!("no one-time code in:\n{text}"))
        .trim()
        .to_owned()
}

fn split_head(s: &str) -> (&str, &str) {
    s.split_once("\r\n\r\n")
        .or_else(|| s.split_once("\n\n"))
        .unwrap_or((s, ""))
}

/// A header's value (folded lines joined).
pub fn header(raw: &str, name: &str) -> Option<String> {
    let (head, _) = split_head(raw);
    let mut value: Option<String> = None;
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(v) = value.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if value.is_some() {
            break;
        } else if let Some((k, v)) = line.split_once(':')
            && k.trim().eq_ignore_ascii_case(name)
        {
            value = Some(v.trim().to_owned());
        }
    }
    value
}

/// The decoded `text/plain` part of a multipart message.
pub fn text_part(raw: &str) -> String {
    let content_type = header(raw, "Content-Type").unwrap_or_default();
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .map(|b| b.trim_matches('"').to_owned())
        .unwrap_or_else(|| panic!("not a multipart message:\n{raw}"));
    let (_, body) = split_head(raw);
    for part in body.split(&format!("--{boundary}")).skip(1) {
        let part = part.trim_start_matches(['\r', '\n']);
        let is_text = header(part, "Content-Type")
            .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("text/plain"));
        if !is_text {
            continue;
        }
        let (_, content) = split_head(part);
        let qp = header(part, "Content-Transfer-Encoding")
            .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
        return if qp {
            decode_quoted_printable(content)
        } else {
            content.to_owned()
        };
    }
    panic!("no text/plain part in:\n{raw}")
}

fn decode_quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = joined.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sink_reader_decodes_quoted_printable_text_parts() {
        let raw = "X-Sink-Rcpt-To: a@example.com\r\nContent-Type: multipart/alternative;\r\n \
                   boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\n\
                   Content-Transfer-Encoding: quoted-printable\r\n\r\nSign in\r\n\
                   http://127.0.0.1:1/x?a=3Db&c=\r\n=3Dd\r\n\r\nOr enter this code on the \
                   sign-in page: 12345678\r\n--B\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--B--\r\n";
        assert_eq!(
            header(raw, "x-sink-rcpt-to").as_deref(),
            Some("a@example.com")
        );
        let text = text_part(raw);
        assert_eq!(
            link(&text, "http://127.0.0.1:1"),
            "http://127.0.0.1:1/x?a=b&c=d"
        );
        assert_eq!(code(&text), "12345678");
    }
}
