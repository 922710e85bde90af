//! A real SMTP server for the mail tests: Debian's aiosmtpd (run by /usr/bin/python3,
//! which has it; the pyenv python3 on PATH does not) with `smtp_sink.py`, which writes
//! every accepted message to a folder the test reads. Missing aiosmtpd fails the test.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PYTHON: &str = "/usr/bin/python3";

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// A running SMTP server and the folder its messages land in.
pub struct SmtpSink {
    pub port: u16,
    child: Child,
    folder: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts the server on `port` (a free one, or one an app was already told about).
    pub fn start(port: u16) -> SmtpSink {
        let folder = tempfile::tempdir().expect("a folder for the messages");
        SmtpSink::start_into(port, folder)
    }

    fn start_into(port: u16, folder: tempfile::TempDir) -> SmtpSink {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/suite/support/smtp_sink.py");
        let mut child = Command::new(PYTHON)
            .arg(&script)
            .arg(port.to_string())
            .arg(folder.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run {PYTHON} (install Debian's python3-aiosmtpd): {e}")
            });
        let stdout = child.stdout.take().expect("the sink's stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the sink says it is ready");
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start (is python3-aiosmtpd installed for {PYTHON}?)"
        );
        SmtpSink {
            port,
            child,
            folder,
        }
    }

    /// `smtp://127.0.0.1:PORT` for `SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, as text.
    pub fn messages(&self) -> Vec<String> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.folder.path())
            .expect("the messages folder")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| std::fs::read_to_string(path).expect("a message"))
            .collect()
    }

    /// Waits (polling, with a deadline) until `count` messages have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let messages = self.messages();
            if messages.len() >= count || Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the server; its messages stay readable.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port, keeping the messages folder.
    pub fn restart(mut self) -> SmtpSink {
        self.stop();
        let port = self.port;
        let folder = std::mem::replace(&mut self.folder, tempfile::tempdir().expect("a folder"));
        SmtpSink::start_into(port, folder)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The `Message-ID` header of a raw message.
pub fn message_id(raw: &str) -> String {
    raw.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("message-id")
                .then(|| value.trim().to_owned())
        })
        .expect("a Message-ID header")
}
