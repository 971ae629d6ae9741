//! Just enough HTTP/1.1 over a `TcpStream` to sign in: one request per
//! connection (`Connection: close`), the answer read to the end.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::Result;

/// One answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// Header names lower-cased, in order.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Answer {
    /// The `name=value` part of every `Set-Cookie`.
    pub(crate) fn set_cookies(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter(|(name, _)| name == "set-cookie")
            .filter_map(|(_, value)| {
                let pair = value.split(';').next()?;
                let (name, value) = pair.split_once('=')?;
                Some((name.trim().to_owned(), value.trim().to_owned()))
            })
            .collect()
    }
}

/// Sends one request and reads the whole answer.
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Answer> {
    let what = format!("{method} {path}");
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("{what}: cannot connect to {addr}: {e}"))?;
    let timeout = Some(Duration::from_secs(30));
    stream
        .set_read_timeout(timeout)
        .and_then(|()| stream.set_write_timeout(timeout))
        .map_err(|e| format!("{what}: {e}"))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .map_err(|e| format!("{what}: cannot send: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("{what}: cannot read the answer: {e}"))?;
    parse(&raw).ok_or_else(|| format!("{what}: the answer is not HTTP/1.1"))
}

fn parse(raw: &[u8]) -> Option<Answer> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_owned()
    };
    Some(Answer {
        status,
        headers,
        body,
    })
}

fn dechunk(mut rest: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(after.get(..size)?);
        rest = after.get(size + 2..)?;
    }
}

/// The value of the string field `"name":"value"` in a flat JSON object
/// (enough for `{"csrfToken":"…"}`; the value holds no escapes).
pub(crate) fn json_string_field(json: &str, name: &str) -> Option<String> {
    let key = format!("\"{name}\"");
    let after = &json[json.find(&key)? + key.len()..];
    let after = after.trim_start().strip_prefix(':')?.trim_start();
    let value = after.strip_prefix('"')?;
    Some(value[..value.find('"')?].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_headers_cookies_and_body() {
        let raw = b"HTTP/1.1 302 Found\r\nSet-Cookie: a=1; Path=/; HttpOnly\r\n\
                    set-cookie: b=x=y; Path=/\r\nLocation: /\r\n\r\nbody";
        let a = parse(raw).unwrap();
        assert_eq!(a.status, 302);
        assert_eq!(a.body, "body");
        assert_eq!(
            a.set_cookies(),
            [("a".into(), "1".into()), ("b".into(), "x=y".into())]
        );
    }

    #[test]
    fn reads_chunked_bodies() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse(raw).unwrap().body, "abcde");
    }

    #[test]
    fn finds_a_json_string_field() {
        assert_eq!(
            json_string_field(r#"{"csrfToken": "ab12"}"#, "csrfToken").as_deref(),
            Some("ab12")
        );
        assert_eq!(json_string_field(r#"{"other":"x"}"#, "csrfToken"), None);
    }
}
