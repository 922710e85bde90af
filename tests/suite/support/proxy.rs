//! A real reverse proxy for the tests: Debian's nginx, started on a free loopback port
//! with a configuration the test writes, passing every request to the app and appending
//! the address it saw to `X-Forwarded-For` (`$proxy_add_x_forwarded_for`), as a
//! production nginx in front of the shop does. Its connections to the app come from
//! `proxy_bind`, so the app can tell them from a client reaching it directly. A missing
//! nginx fails the test with the install instruction; it never skips.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian (and most systems) put the binary; `PATH` is searched first.
const PLACES: &[&str] = &[
    "/usr/sbin/nginx",
    "/usr/local/sbin/nginx",
    "/usr/local/nginx/sbin/nginx",
];

/// A running nginx in front of an app.
pub struct Nginx {
    /// `http://127.0.0.1:PORT`: the proxy's address.
    pub base: String,
    child: Child,
    folder: tempfile::TempDir,
}

fn binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("nginx"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(PLACES.iter().map(PathBuf::from))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nginx is not installed: the `proxy` tests need Debian's nginx \
                 (apt-get install -y nginx); .ci/run installs it"
            )
        })
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

impl Nginx {
    /// Starts nginx on a free port of 127.0.0.1, proxying to `upstream` (`host:port`)
    /// from the local address `bind` (a loopback address such as 127.0.0.2).
    pub fn start(upstream: &str, bind: &str) -> Nginx {
        let folder = tempfile::tempdir().expect("a folder for nginx");
        let port = free_port();
        let dir = folder.path().display().to_string();
        // One process (no master, no user switch), in the foreground, everything it
        // writes inside the test's folder.
        let config = format!(
            r#"daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_bind {bind};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"#
        );
        let config_path = folder.path().join("nginx.conf");
        std::fs::File::create(&config_path)
            .and_then(|mut file| file.write_all(config.as_bytes()))
            .expect("write nginx.conf");
        let mut child = Command::new(binary())
            .arg("-p")
            .arg(folder.path())
            .arg("-c")
            .arg(&config_path)
            .arg("-e")
            .arg(folder.path().join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run nginx");
        // Wait until it listens (polled with a deadline), or report why it stopped.
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("nginx stopped ({status}): {}", error_log(folder.path()));
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx did not listen on {port} within 10 s: {}",
                error_log(folder.path())
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            base: format!("http://127.0.0.1:{port}"),
            child,
            folder,
        }
    }

    /// What nginx logged (warnings and errors).
    pub fn log(&self) -> String {
        error_log(self.folder.path())
    }
}

fn error_log(folder: &Path) -> String {
    std::fs::read_to_string(folder.join("error.log")).unwrap_or_default()
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
