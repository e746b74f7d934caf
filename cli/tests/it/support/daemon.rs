//! `kho serve` as a child process: the real binary on a test's database,
//! on a port the system chooses, read back from what the daemon prints.
#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::db::TestDb;

/// How long a daemon may take to listen (migrations, accounts, a loaded
/// machine) before the test fails instead of hanging.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the daemon's stderr goes.
enum Stderr {
    Inherit,
    File(File),
    Capture,
}

/// A `kho --config kho.toml serve` about to start; see [`Daemon::serve`].
pub struct Serve<'a> {
    db: &'a TestDb,
    env: Vec<(String, String)>,
    stderr: Stderr,
}

impl Serve<'_> {
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn envs(mut self, vars: &[(&str, &str)]) -> Self {
        for (k, v) in vars {
            self.env.push(((*k).into(), (*v).into()));
        }
        self
    }

    /// `sync.order_poll_interval` (e.g. "1h" so that only webhooks ingest).
    pub fn poll(self, interval: &str) -> Self {
        self.env("KHO__SYNC__ORDER_POLL_INTERVAL", interval)
    }

    /// The `KHO_LOG` filter (default "warn").
    pub fn log(self, filter: &str) -> Self {
        self.env("KHO_LOG", filter)
    }

    /// Appends the daemon's stderr to `file`.
    pub fn stderr_to(mut self, file: File) -> Self {
        self.stderr = Stderr::File(file);
        self
    }

    /// Keeps the daemon's stderr, returned by [`Daemon::stop_with_log`].
    pub fn capture_stderr(mut self) -> Self {
        self.stderr = Stderr::Capture;
        self
    }

    /// Starts the daemon and waits until it listens.
    pub fn start(self) -> Daemon {
        let mut cmd = self.db.kho_cmd(&["--config", "kho.toml", "serve"]);
        cmd.env("KHO__SERVER__LISTEN", "127.0.0.1:0")
            // Port 0 in the public URL names the port the daemon binds, so
            // that signed webhooks are checked against the real address.
            .env("KHO__SERVER__PUBLIC_URL", "http://127.0.0.1:0")
            .env("KHO_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::piped());
        let capture = matches!(self.stderr, Stderr::Capture);
        match self.stderr {
            Stderr::Inherit => cmd.stderr(Stdio::inherit()),
            Stderr::File(f) => cmd.stderr(f),
            Stderr::Capture => cmd.stderr(Stdio::piped()),
        };
        let mut child = cmd.spawn().expect("start kho serve");
        let log = if capture {
            let mut pipe = child.stderr.take().expect("stderr pipe");
            Some(std::thread::spawn(move || {
                let mut s = String::new();
                let _ = pipe.read_to_string(&mut s);
                s
            }))
        } else {
            None
        };
        let stdout = child.stdout.take().expect("stdout pipe");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the daemon never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(e) => {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "kho serve did not start listening within {START_TIMEOUT:?} ({e}; {status:?})"
                );
            }
        };
        assert!(
            line.contains("kho serve: listening on http://"),
            "kho serve said: {line}"
        );
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("listening address")
            .trim_end_matches('/')
            .to_owned();
        Daemon { child, url, log }
    }
}

/// A running `kho serve`, killed when dropped.
pub struct Daemon {
    child: Child,
    /// `http://127.0.0.1:PORT`, where it listens.
    pub url: String,
    log: Option<JoinHandle<String>>,
}

impl Daemon {
    /// `kho --config kho.toml serve` in `db`'s directory, on its database.
    pub fn serve(db: &TestDb) -> Serve<'_> {
        Serve {
            db,
            env: Vec::new(),
            stderr: Stderr::Inherit,
        }
    }

    /// The daemon with extra environment and an order poll interval.
    pub fn start_with(db: &TestDb, env: &[(&str, &str)], poll: &str) -> Daemon {
        Daemon::serve(db).envs(env).poll(poll).start()
    }

    /// The daemon's process id (to read its memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks for a clean stop (SIGTERM).
    pub fn sigterm(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the daemon's exit, up to `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(s) = self.child.try_wait().expect("wait for kho serve") {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// SIGKILL: no clean stop.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A clean stop (SIGTERM), waiting for the exit.
    pub fn stop(mut self) {
        self.sigterm();
        let _ = self.child.wait();
    }

    /// A clean stop; returns what the daemon wrote to stderr when it was
    /// started with [`Serve::capture_stderr`].
    pub fn stop_with_log(mut self) -> String {
        self.sigterm();
        let _ = self.child.wait();
        self.log
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
