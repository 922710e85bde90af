//! The real `boxoffice` binary on a free 127.0.0.1 port with a fresh SQLite database,
//! killed when dropped (its log is printed if the test is failing).
//!
//! Always SQLite, even when `TEST_DATABASE_URL` names a PostgreSQL server: the browser
//! exercises the same handlers either way, and the HTTP tests cover both engines.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::poll::{self, PATIENCE};

/// A running server; the process and its database go away on drop.
pub struct Server {
    pub base_url: String,
    binary: PathBuf,
    child: Child,
    dir: tempfile::TempDir,
}

impl Server {
    /// Starts `binary serve` (which seeds the two demo events) and waits until
    /// `GET /healthz` answers 200.
    pub async fn start(binary: impl Into<PathBuf>) -> Server {
        let binary = binary.into();
        assert!(
            binary.exists(),
            "the server binary {} does not exist: build it first (cargo build --bin boxoffice)",
            binary.display()
        );
        let dir = tempfile::tempdir().expect("temporary directory for the server");
        let port = poll::free_port();
        let log = File::create(dir.path().join("server.log")).expect("server log file");
        let mut command = Command::new(&binary);
        command
            .arg("serve")
            .env("BIND", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log);
        configure(&mut command, dir.path());
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", binary.display()));
        let mut server = Server {
            base_url: format!("http://127.0.0.1:{port}"),
            binary,
            child,
            dir,
        };
        server.wait_until_healthy().await;
        server
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Makes `email` an admin with `password`, through the binary's `create-admin`.
    pub fn create_admin(&self, email: &str, password: &str) {
        let mut command = Command::new(&self.binary);
        command
            .args(["create-admin", email])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        configure(&mut command, self.dir.path());
        let mut child = command.spawn().expect("start create-admin");
        child
            .stdin
            .take()
            .expect("stdin of create-admin")
            .write_all(format!("{password}\n").as_bytes())
            .expect("write the admin password");
        let output = child.wait_with_output().expect("wait for create-admin");
        assert!(
            output.status.success(),
            "create-admin {email} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The first link to this shop, as a path, in the newest mail to `email` whose
    /// subject starts with `subject`, waiting for the server's outbox dispatcher to put
    /// it in the dev mailbox (its database; the shop has no SMTP server here).
    pub async fn mail_link(&self, email: &str, subject: &str) -> String {
        let url = self
            .dir
            .path()
            .join("shop.db")
            .to_string_lossy()
            .into_owned();
        let pool = boxoffice::db::connection::connect(&url, 1, std::time::Duration::from_secs(10))
            .expect("the shop's database");
        let what = format!("a mail {subject:?} to {email}");
        poll::until(&what, PATIENCE, || {
            let pool = pool.clone();
            let (email, subject) = (email.to_owned(), subject.to_owned());
            let base = self.base_url.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    let mut conn = pool.get().ok()?;
                    let mails = boxoffice::db::mailbox::to_recipient(&mut conn, &email).ok()?;
                    let mail = mails
                        .into_iter()
                        .rev()
                        .find(|m| m.subject.starts_with(&subject))?;
                    mail.body_text
                        .split_whitespace()
                        .find_map(|word| word.strip_prefix(base.as_str()))
                        .map(str::to_owned)
                })
                .await
                .ok()
                .flatten()
            }
        })
        .await
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    async fn wait_until_healthy(&mut self) {
        let client = reqwest::Client::new();
        let health = self.url("/healthz");
        let what = format!("{health} to answer 200");
        poll::until(&what, PATIENCE, || {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the server exited with {status} before it was healthy:\n{}",
                    self.log()
                );
            }
            let request = client.get(&health).send();
            async move {
                match request.await {
                    Ok(response) if response.status() == 200 => Some(()),
                    _ => None,
                }
            }
        })
        .await;
    }
}

/// The environment every run of the binary shares: one database file, a fixed session
/// key, cheap bcrypt, quiet logs, the built-in test payment provider.
fn configure(command: &mut Command, dir: &Path) {
    command
        .env("DATABASE_URL", dir.join("shop.db"))
        .env("SESSION_KEY", "e2e-browser-session-key-".repeat(3))
        .env("BCRYPT_COST", "4")
        .env("RUST_LOG", "warn")
        // Mail reaches the dev mailbox within a second (journeys follow mailed links).
        .env("OUTBOX_INTERVAL_SECONDS", "1")
        .env_remove("PUBLIC_URL")
        .env_remove("STRIPE_SECRET_KEY")
        .env_remove("STRIPE_WEBHOOK_SECRET")
        .env_remove("STRIPE_API_BASE");
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- server log ({}) ----\n{}", self.base_url, self.log());
        }
    }
}
