//! Headless Chromium through chromedriver: the driver process on a free port, and a fresh
//! WebDriver session (its own profile directory) connected over plain HTTP.
//!
//! A missing browser or driver is a failure with instructions, never a skipped test.

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use super::poll::{self, PATIENCE};

/// The desktop window the journeys run in; pages are also checked at `PHONE_WIDTH`.
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE_WIDTH: u32 = 360;

const INSTALL: &str = "install them with `apt-get install -y chromium chromium-driver`, \
                       or point CHROME_BIN / CHROMEDRIVER at them";

/// The Chromium binary: `CHROME_BIN`, else Debian's `/usr/bin/chromium`.
fn chromium_binary() -> PathBuf {
    let path = std::env::var_os("CHROME_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.is_file(),
        "Chromium not found at {}: the browser tests need it; {INSTALL}",
        path.display()
    );
    path
}

/// The chromedriver binary: `CHROMEDRIVER`, else `chromedriver` on the PATH.
fn chromedriver_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMEDRIVER") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("chromedriver"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("chromedriver not found on the PATH; {INSTALL}"))
}

/// A chromedriver process (in its own process group, so the browsers it starts go down
/// with it) and the Chromium profile directory.
pub struct Chrome {
    chromium: PathBuf,
    driver: Child,
    port: u16,
    dir: tempfile::TempDir,
    sessions: Mutex<Vec<String>>,
}

impl Chrome {
    /// Starts chromedriver on a free port and waits until it reports ready.
    pub async fn start() -> Chrome {
        let chromium = chromium_binary();
        let driver_binary = chromedriver_binary();
        let dir = tempfile::tempdir().expect("temporary directory for Chromium");
        let port = poll::free_port();
        let log = File::create(dir.path().join("chromedriver.log")).expect("chromedriver log");
        let driver = Command::new(&driver_binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "could not start {}: {e}; {INSTALL}",
                    driver_binary.display()
                )
            });
        let mut chrome = Chrome {
            chromium,
            driver,
            port,
            dir,
            sessions: Mutex::default(),
        };
        chrome.wait_until_ready().await;
        chrome
    }

    /// A new WebDriver session in a fresh headless Chromium.
    pub async fn session(&self) -> Client {
        let profile = self.dir.path().join("profile");
        let (width, height) = DESKTOP;
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                    "--disable-sync",
                    "--disable-quic",
                    "--disable-dev-shm-usage",
                    "--hide-scrollbars",
                    "--lang=en-GB",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("capabilities are a JSON object");
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| {
                panic!("chromedriver could not start Chromium: {e}\n{}", self.log())
            });
        if let Ok(Some(id)) = client.session_id().await {
            self.sessions.lock().expect("session list").push(id);
        }
        client
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("chromedriver.log")).unwrap_or_default()
    }

    async fn wait_until_ready(&mut self) {
        let client = reqwest::Client::new();
        let status = format!("http://127.0.0.1:{}/status", self.port);
        poll::until("chromedriver to report ready", PATIENCE, || {
            if let Ok(Some(exit)) = self.driver.try_wait() {
                panic!("chromedriver exited with {exit}:\n{}", self.log());
            }
            let request = client.get(&status).send();
            async move {
                let body: serde_json::Value = request.await.ok()?.json().await.ok()?;
                (body["value"]["ready"] == true).then_some(())
            }
        })
        .await;
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        // A failing test never closed its session: have chromedriver quit Chromium (and
        // reap it), then end the whole group, chromedriver and anything left over.
        for id in self.sessions.lock().map(|s| s.clone()).unwrap_or_default() {
            end_session(self.port, &id);
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        if std::thread::panicking() {
            eprintln!(
                "---- chromedriver log (tail) ----\n{}",
                tail(&self.log(), 40)
            );
        }
    }
}

/// `DELETE /session/{id}`, synchronously (this runs in `drop`); a closed session answers
/// 404, which is fine.
fn end_session(port: u16, id: &str) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    // Read until the whole reply is in: chromedriver answers once Chromium has quit.
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(read @ 1..) = stream.read(&mut chunk) {
        reply.extend_from_slice(&chunk[..read]);
        if reply_complete(&reply) {
            break;
        }
    }
}

/// Whether `reply` holds an HTTP response's headers and its `Content-Length` of body.
fn reply_complete(reply: &[u8]) -> bool {
    let text = String::from_utf8_lossy(reply);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    body.len() >= length
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
