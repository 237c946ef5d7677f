//! The probe's one TCP connection: every read and write bounded by a deadline, lines bounded
//! in length, plain text or TLS behind the same calls.
//!
//! This module must never block past the deadline it was given: each socket call gets only
//! the time that is left (a server that trickles one byte a second cannot stretch a read), and
//! nothing here retries.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use rustls::{ClientConnection, StreamOwned};

/// A single line is cut to this many bytes; the rest of it is read and dropped.
pub(crate) const LINE_LIMIT: usize = 2048;

/// How many bytes of a failed TLS handshake's answer are kept to say what answered instead.
const RECORD_LIMIT: usize = 512;

/// A TCP stream whose reads and writes stop at a deadline.
pub(crate) struct DeadlineSocket {
    stream: TcpStream,
    deadline: Instant,
    /// The bytes read since recording started (a TLS handshake), up to [`RECORD_LIMIT`].
    recorded: Option<Vec<u8>>,
}

impl DeadlineSocket {
    pub(crate) fn new(stream: TcpStream, deadline: Instant) -> Self {
        DeadlineSocket {
            stream,
            deadline,
            recorded: None,
        }
    }

    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the probe's time is up",
            ))
        } else {
            Ok(left)
        }
    }
}

/// Timeouts surface as WouldBlock on Unix and TimedOut on Windows; callers see one kind.
fn timeout_as_timed_out(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::WouldBlock {
        io::Error::new(io::ErrorKind::TimedOut, e)
    } else {
        e
    }
}

impl Read for DeadlineSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.stream.set_read_timeout(Some(left))?;
        let n = self.stream.read(buf).map_err(timeout_as_timed_out)?;
        if let Some(recorded) = &mut self.recorded {
            let room = RECORD_LIMIT.saturating_sub(recorded.len()).min(n);
            recorded.extend_from_slice(&buf[..room]);
        }
        Ok(n)
    }
}

impl Write for DeadlineSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.stream.set_write_timeout(Some(left))?;
        self.stream.write(buf).map_err(timeout_as_timed_out)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

enum Wire {
    Plain(DeadlineSocket),
    Tls(Box<StreamOwned<ClientConnection, DeadlineSocket>>),
}

/// Why a read gave no line.
#[derive(Debug)]
pub(crate) enum ReadFailure {
    /// Nothing complete arrived before the deadline; `partial` holds what did.
    TimedOut {
        partial: Vec<u8>,
    },
    /// The server closed the connection; `partial` holds an unterminated last line.
    Closed {
        partial: Vec<u8>,
    },
    Failed(io::Error),
}

/// The connection, with a read-ahead buffer for line reading and a record of what was sent.
pub(crate) struct Conn {
    wire: Wire,
    buffer: Vec<u8>,
    /// Every command sent, as the report shows it.
    pub(crate) sent: Vec<String>,
}

impl Conn {
    pub(crate) fn new(stream: TcpStream, deadline: Instant) -> Self {
        Conn {
            wire: Wire::Plain(DeadlineSocket::new(stream, deadline)),
            buffer: Vec::new(),
            sent: Vec::new(),
        }
    }

    fn socket(&mut self) -> &mut DeadlineSocket {
        match &mut self.wire {
            Wire::Plain(s) => s,
            Wire::Tls(s) => &mut s.sock,
        }
    }

    pub(crate) fn is_tls(&self) -> bool {
        matches!(self.wire, Wire::Tls(_))
    }

    /// The deadline for the reads and writes that follow (never later than the probe's own).
    pub(crate) fn set_deadline(&mut self, deadline: Instant) {
        self.socket().deadline = deadline;
    }

    /// The negotiated TLS session, when there is one.
    pub(crate) fn tls_session(&self) -> Option<&ClientConnection> {
        match &self.wire {
            Wire::Tls(s) => Some(&s.conn),
            Wire::Plain(_) => None,
        }
    }

    /// Sends one command line (CRLF added) and records `label` as sent.
    pub(crate) fn send(&mut self, label: &str, line: &str) -> io::Result<()> {
        self.sent.push(label.to_string());
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        if !line.ends_with("\r\n") {
            bytes.extend_from_slice(b"\r\n");
        }
        self.write_all(&bytes)
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.wire {
            Wire::Plain(s) => s.write_all(bytes)?,
            Wire::Tls(s) => s.write_all(bytes)?,
        }
        match &mut self.wire {
            Wire::Plain(s) => s.flush(),
            Wire::Tls(s) => s.flush(),
        }
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 2048];
        let n = match &mut self.wire {
            Wire::Plain(s) => s.read(&mut chunk)?,
            Wire::Tls(s) => s.read(&mut chunk)?,
        };
        self.buffer.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Reads one line (without its CR LF), cut to [`LINE_LIMIT`] bytes.
    pub(crate) fn read_line(&mut self) -> Result<Vec<u8>, ReadFailure> {
        let mut line: Vec<u8> = Vec::new();
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let rest = self.buffer.split_off(end + 1);
                let mut taken = std::mem::replace(&mut self.buffer, rest);
                taken.truncate(end);
                if taken.last() == Some(&b'\r') {
                    taken.pop();
                }
                let room = LINE_LIMIT.saturating_sub(line.len());
                line.extend_from_slice(&taken[..taken.len().min(room)]);
                return Ok(line);
            }
            // An endless line: keep its start, drop the rest as it arrives.
            if self.buffer.len() + line.len() > LINE_LIMIT {
                let room = LINE_LIMIT.saturating_sub(line.len());
                line.extend_from_slice(&self.buffer[..self.buffer.len().min(room)]);
                self.buffer.clear();
            }
            match self.fill() {
                Ok(0) => {
                    line.append(&mut self.buffer);
                    return Err(ReadFailure::Closed { partial: line });
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    line.append(&mut self.buffer);
                    return Err(ReadFailure::TimedOut { partial: line });
                }
                Err(e) if is_closed(&e) => {
                    line.append(&mut self.buffer);
                    return Err(ReadFailure::Closed { partial: line });
                }
                Err(e) => return Err(ReadFailure::Failed(e)),
            }
        }
    }

    /// Starts TLS on this connection. On failure the connection is spent; the error says why,
    /// and carries the first bytes the server sent back, to tell what answered instead.
    pub(crate) fn start_tls(
        self,
        config: std::sync::Arc<rustls::ClientConfig>,
        name: rustls::pki_types::ServerName<'static>,
    ) -> Result<Conn, TlsStartFailure> {
        let Conn { wire, sent, .. } = self;
        let Wire::Plain(mut socket) = wire else {
            return Err(TlsStartFailure {
                error: io::Error::other("TLS is already running"),
                answer: Vec::new(),
            });
        };
        let mut session = match ClientConnection::new(config, name) {
            Ok(session) => session,
            Err(e) => {
                return Err(TlsStartFailure {
                    error: io::Error::other(e),
                    answer: Vec::new(),
                })
            }
        };
        socket.recorded = Some(Vec::new());
        while session.is_handshaking() {
            if let Err(error) = session.complete_io(&mut socket) {
                let answer = socket.recorded.take().unwrap_or_default();
                return Err(TlsStartFailure { error, answer });
            }
        }
        socket.recorded = None;
        Ok(Conn {
            wire: Wire::Tls(Box::new(StreamOwned::new(session, socket))),
            buffer: Vec::new(),
            sent,
        })
    }

    /// Ends the connection politely: a TLS close_notify when TLS runs, then the TCP close.
    pub(crate) fn close(mut self) {
        if let Wire::Tls(s) = &mut self.wire {
            s.conn.send_close_notify();
            // Best effort: the server may be gone already.
            let _ = s.conn.complete_io(&mut s.sock);
        }
        let _ = self.socket().stream.shutdown(std::net::Shutdown::Both);
    }
}

/// A TLS handshake that did not complete.
#[derive(Debug)]
pub(crate) struct TlsStartFailure {
    pub(crate) error: io::Error,
    /// What the server sent back during the attempt (at most 512 bytes).
    pub(crate) answer: Vec<u8>,
}

/// A closed or reset connection, as opposed to a timeout or a protocol error.
pub(crate) fn is_closed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// A line as the report may show it: invalid UTF-8 replaced, control characters removed (tabs
/// become spaces), surrounding space trimmed.
pub(crate) fn clean(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Cuts `text` to at most `limit` bytes, on a character boundary.
pub(crate) fn bounded(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// True when `bytes` start like a TLS record (handshake or alert, SSL 3.0 to TLS 1.3).
pub(crate) fn looks_like_tls(bytes: &[u8]) -> bool {
    matches!(bytes, [0x15 | 0x16, 0x03, 0x00..=0x04, ..])
}

/// True when `bytes` read as text (a greeting or an HTTP answer), not binary.
pub(crate) fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && !looks_like_tls(bytes)
        && bytes.iter().take(64).all(|b| {
            b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\r' | b'\n') || *b >= 0x80
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_removed() {
        assert_eq!(clean(b"+OK ready\x1b[31m\x07\r"), "+OK ready[31m");
        assert_eq!(clean(b"\t220\tmail \xff"), "220 mail \u{fffd}");
    }

    #[test]
    fn bounded_cuts_on_a_character_boundary() {
        assert_eq!(bounded("abc", 5), "abc");
        assert_eq!(bounded("ééé", 3), "é");
    }

    #[test]
    fn tls_and_text_are_told_apart() {
        assert!(looks_like_tls(&[0x16, 0x03, 0x03, 0x00, 0x2a]));
        assert!(looks_like_tls(&[0x15, 0x03, 0x01, 0x00, 0x02]));
        assert!(!looks_like_text(&[0x15, 0x03, 0x01, 0x00, 0x02]));
        assert!(looks_like_text(b"HTTP/1.1 400 Bad Request\r\n"));
        assert!(!looks_like_text(b"\x00\x01binary"));
    }
}
