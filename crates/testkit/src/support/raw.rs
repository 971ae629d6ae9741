//! A raw HTTP/1.1 client on a plain socket, for requests no well-behaved
//! client library sends: header blocks larger than any server takes, bodies
//! still being sent while the answer comes back, bytes that are not text.
//! [`exchange`] writes a request and reads its answer at the same time, as
//! a browser does, and reports what became of the connection afterwards.
//!
//! ```no_run
//! # async fn demo(addr: std::net::SocketAddr) -> Result<(), String> {
//! use keyway_testkit::support::raw;
//!
//! let head = b"GET /api/auth/session HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
//! let answer = raw::exchange(addr, head, Vec::new()).await?;
//! assert_eq!(answer.response.status, 200);
//! # Ok(())
//! # }
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use http::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;

/// How long [`exchange`] waits for an answer.
pub const ANSWER_TIME: Duration = Duration::from_secs(10);

/// A response read off the socket.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// Its status.
    pub status: StatusCode,
    /// Its headers, in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// Its body (de-chunked).
    pub body: Vec<u8>,
}

/// What became of the connection after the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// The server kept it open and answered a second request on it.
    Reusable,
    /// It ended after the whole answer.
    ClosedAfterAnswer,
    /// The server stopped reading the request and closed the connection
    /// while the client was still sending (after the whole answer).
    ClosedWhileSending,
}

/// An answer and the connection's fate.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The answer.
    pub response: RawResponse,
    /// What became of the connection.
    pub fate: Fate,
}

impl RawResponse {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Status, headers and body, for a message.
    pub fn summary(&self) -> String {
        format!(
            "{} {:?} {:?}",
            self.status,
            self.headers,
            String::from_utf8_lossy(&self.body)
        )
    }
}

/// Parses one complete response at the start of `buf`: `Ok(None)` while it
/// is incomplete, else the response and how many bytes it took.
fn parse_response(buf: &[u8]) -> Result<Option<(RawResponse, usize)>, String> {
    let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| "the response head is not text".to_owned())?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1 status line: {status_line:?}"));
    }
    let status = parts
        .next()
        .and_then(|code| StatusCode::from_bytes(code.as_bytes()).ok())
        .ok_or_else(|| format!("no status in {status_line:?}"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("a header line without a colon: {line:?}"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut response = RawResponse {
        status,
        headers,
        body: Vec::new(),
    };
    let rest = &buf[head_end + 4..];
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        let Some((body, used)) = dechunk(rest)? else {
            return Ok(None);
        };
        response.body = body;
        return Ok(Some((response, head_end + 4 + used)));
    }
    let length = match response.header("content-length") {
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| format!("a bad Content-Length: {v:?}"))?,
        None => 0,
    };
    if rest.len() < length {
        return Ok(None);
    }
    response.body = rest[..length].to_vec();
    Ok(Some((response, head_end + 4 + length)))
}

/// A chunked body at the start of `buf`: `Ok(None)` while incomplete.
fn dechunk(mut buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, String> {
    let total = buf.len();
    let mut body = Vec::new();
    loop {
        let Some(line_end) = buf.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(&buf[..line_end]).map_err(|e| e.to_string())?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("a bad chunk size: {size_text:?}"))?;
        buf = &buf[line_end + 2..];
        if size == 0 {
            // No trailers expected: the final CRLF.
            if buf.len() < 2 {
                return Ok(None);
            }
            return Ok(Some((body, total - buf.len() + 2)));
        }
        if buf.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&buf[..size]);
        buf = &buf[size + 2..];
    }
}

/// How reading one response ended.
enum Read {
    /// A whole response, and the bytes after it.
    Answer(RawResponse, Vec<u8>),
    /// The connection ended (`Ok`: cleanly; `Err`: with this error) before
    /// a whole response.
    Ended(Result<(), String>, Vec<u8>),
}

/// Reads until one response is complete, the connection ends, or
/// [`ANSWER_TIME`] passes (an error).
async fn read_response(reader: &mut OwnedReadHalf, mut buf: Vec<u8>) -> Result<Read, String> {
    let read = async {
        let mut chunk = vec![0; 16 * 1024];
        loop {
            if let Some((response, used)) = parse_response(&buf)? {
                return Ok(Read::Answer(response, buf.split_off(used)));
            }
            match reader.read(&mut chunk).await {
                Ok(0) => return Ok(Read::Ended(Ok(()), std::mem::take(&mut buf))),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Ok(Read::Ended(Err(e.to_string()), std::mem::take(&mut buf))),
            }
        }
    };
    tokio::time::timeout(ANSWER_TIME, read)
        .await
        .map_err(|_| format!("no answer within {} s", ANSWER_TIME.as_secs()))?
}

/// Sends `head` and then `body` (in pieces, as a client streaming it would)
/// on a new connection, reading the answer while still sending. Returns the
/// answer, and the connection's fate afterwards, checked by a second
/// request on it (`GET /api/auth/providers`, which must answer `200`) when
/// the server kept it open after the whole first one.
///
/// Fails when the connection ends, is reset or stays silent for
/// [`ANSWER_TIME`] before a whole answer, when the answer is not HTTP/1,
/// or when a kept connection answers the second request wrongly.
pub async fn exchange(addr: SocketAddr, head: Vec<u8>, body: Vec<u8>) -> Result<Exchange, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect to {addr}: {e}"))?;
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        writer.write_all(&head).await?;
        for piece in body.chunks(8 * 1024) {
            writer.write_all(piece).await?;
            tokio::task::yield_now().await;
        }
        writer.flush().await?;
        Ok::<_, std::io::Error>(writer)
    });
    let (response, rest) = match read_response(&mut reader, Vec::new()).await? {
        Read::Answer(response, rest) => (response, rest),
        Read::Ended(how, partial) => {
            sender.abort();
            return Err(format!(
                "the connection ended ({}) before a whole answer; read {:?}",
                how.err().unwrap_or_else(|| "cleanly".to_owned()),
                String::from_utf8_lossy(&partial)
            ));
        }
    };
    // Whether the client could send everything: if not, the server stopped
    // reading and must close.
    let sent = tokio::time::timeout(ANSWER_TIME, sender).await;
    let Ok(Ok(Ok(mut writer))) = sent else {
        return Ok(Exchange {
            response,
            fate: Fate::ClosedWhileSending,
        });
    };
    let closed = |response| {
        Ok(Exchange {
            response,
            fate: Fate::ClosedAfterAnswer,
        })
    };
    let follow_up = b"GET /api/auth/providers HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if writer.write_all(follow_up).await.is_err() {
        return closed(response);
    }
    match read_response(&mut reader, rest).await? {
        Read::Answer(second, _) => {
            if second.status != StatusCode::OK {
                return Err(format!(
                    "the connection was kept open after {}, but the next request on it got {}",
                    response.status,
                    second.summary()
                ));
            }
            Ok(Exchange {
                response,
                fate: Fate::Reusable,
            })
        }
        Read::Ended(_, partial) if partial.is_empty() => closed(response),
        Read::Ended(_, partial) => Err(format!(
            "after {}, the connection sent a partial message: {:?}",
            response.status,
            String::from_utf8_lossy(&partial)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_parsed_whole_or_not_at_all() {
        let plain = b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 5\r\n\r\nhelloGET";
        let (r, used) = parse_response(plain).unwrap().unwrap();
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(r.body, b"hello");
        assert_eq!(&plain[used..], b"GET");
        assert!(parse_response(&plain[..40]).unwrap().is_none());
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        let (r, used) = parse_response(chunked).unwrap().unwrap();
        assert_eq!(r.body, b"abc");
        assert_eq!(used, chunked.len());
        assert!(
            parse_response(&chunked[..chunked.len() - 2])
                .unwrap()
                .is_none()
        );
        assert!(parse_response(b"garbage\r\n\r\n").is_err());
    }
}
