//! Local stand-ins for what alerts reach: an SMTP sink that accepts every
//! message and keeps it, and an HTTP receiver that keeps every request (and
//! can be told to fail). Both run on plain threads, so a test may block on
//! the `kho` binary meanwhile.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One message the sink accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as sent (dot-stuffing undone).
    pub data: String,
}

impl Mail {
    /// The body decoded from its transfer encoding (base64 or
    /// quoted-printable, as lettre picks for non-ASCII text).
    pub fn text(&self) -> String {
        let (headers, body) = self
            .data
            .split_once("\r\n\r\n")
            .unwrap_or((self.data.as_str(), ""));
        let encoding = headers
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-transfer-encoding:")
                    .map(|v| v.trim().to_owned())
            })
            .unwrap_or_default();
        match encoding.as_str() {
            "base64" => {
                use base64::Engine;
                let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(clean)
                    .expect("base64 body");
                String::from_utf8(bytes).expect("UTF-8 body")
            }
            "quoted-printable" => quoted_printable(body),
            _ => body.to_owned(),
        }
    }

    /// The Subject header, decoded from RFC 2047 words.
    pub fn subject(&self) -> String {
        let headers = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut subject = String::new();
        let mut in_subject = false;
        for line in headers.split("\r\n") {
            if let Some(v) = line.strip_prefix("Subject:") {
                subject.push_str(v.trim());
                in_subject = true;
            } else if in_subject && line.starts_with([' ', '\t']) {
                subject.push(' ');
                subject.push_str(line.trim());
            } else {
                in_subject = false;
            }
        }
        decode_words(&subject)
    }
}

fn quoted_printable(body: &str) -> String {
    let mut out = Vec::new();
    let bytes = body.replace("=\r\n", "").into_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 body")
}

/// `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words, joined.
fn decode_words(text: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    for word in text.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if let Some(rest) = lower
            .strip_prefix("=?utf-8?b?")
            .and_then(|r| r.strip_suffix("?="))
        {
            let raw = &word[word.len() - rest.len() - 2..word.len() - 2];
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(raw)
                .expect("base64 word");
            out.push_str(&String::from_utf8(bytes).expect("UTF-8 word"));
        } else if lower.starts_with("=?utf-8?q?") && lower.ends_with("?=") {
            let raw = &word[10..word.len() - 2];
            out.push_str(&quoted_printable(&raw.replace('_', " ")));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// An SMTP server on loopback that accepts every message.
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        let port = listener.local_addr().expect("sink address").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = mails.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let kept = kept.clone();
                std::thread::spawn(move || {
                    let _ = smtp_session(stream, &kept);
                });
            }
        });
        SmtpSink { port, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("sink lock").clone()
    }
}

fn smtp_session(stream: TcpStream, kept: &Mutex<Vec<Mail>>) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 sink ESMTP\r\n")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let upper = line.to_ascii_uppercase();
        let arg = |prefix: &str| {
            line[prefix.len()..]
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            out.write_all(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = arg("MAIL FROM:");
            to.clear();
            out.write_all(b"250 ok\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(arg("RCPT TO:"));
            out.write_all(b"250 ok\r\n")?;
        } else if upper.starts_with("DATA") {
            out.write_all(b"354 go ahead\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            kept.lock().expect("sink lock").push(Mail {
                from: from.clone(),
                to: to.clone(),
                data,
            });
            out.write_all(b"250 queued\r\n")?;
        } else if upper.starts_with("QUIT") {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            out.write_all(b"250 ok\r\n")?;
        }
    }
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hook {
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Hook {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP receiver on loopback: keeps every request, answers 200 (or 500
/// while told to fail).
pub struct HookReceiver {
    pub url: String,
    hooks: Arc<Mutex<Vec<Hook>>>,
    failing: Arc<AtomicBool>,
}

impl HookReceiver {
    pub fn start() -> HookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let port = listener.local_addr().expect("receiver address").port();
        let hooks = Arc::new(Mutex::new(Vec::new()));
        let failing = Arc::new(AtomicBool::new(false));
        let (kept, fail) = (hooks.clone(), failing.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let _ = http_request(stream, &kept, fail.load(Ordering::SeqCst));
            }
        });
        HookReceiver {
            url: format!("http://127.0.0.1:{port}/hooks/kho"),
            hooks,
            failing,
        }
    }

    pub fn fail(&self, on: bool) {
        self.failing.store(on, Ordering::SeqCst);
    }

    pub fn hooks(&self) -> Vec<Hook> {
        self.hooks.lock().expect("receiver lock").clone()
    }
}

fn http_request(stream: TcpStream, kept: &Mutex<Vec<Hook>>, fail: bool) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    kept.lock().expect("receiver lock").push(Hook {
        path,
        headers,
        body,
    });
    let status = if fail {
        "500 Internal Server Error"
    } else {
        "200 OK"
    };
    out.write_all(
        format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}
