//! A shopper's browser on a fresh shop: one server, one Chromium session, and helpers
//! that read like the journey (visit, click a link, press a button, fill a field).
//! Every page the browser lands on is audited; `finish` fails on any problem found.
//! Reading the page is in `reading.rs`, screenshots in `screenshot.rs`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use fantoccini::Client;
use fantoccini::elements::Element;
use serde_json::Value;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::chrome::Chrome;
use super::poll::{self, PATIENCE};
use super::reading::xpath_literal;
use super::{Server, audit};

/// Browsers running at once: each one is a server, a chromedriver and a Chromium, and
/// the machines this runs on have two cores.
static TURNS: Semaphore = Semaphore::const_new(2);

pub struct Shop {
    client: Client,
    /// Kept for its `Drop`: chromedriver and Chromium end with the shop.
    chrome: Chrome,
    pub server: Server,
    audit: bool,
    problems: Vec<String>,
    steps: StepCounter,
    _turn: SemaphorePermit<'static>,
}

/// What a journey cost its user since the last `reset`: clicks (links followed, buttons
/// pressed, Enter in a field), fields typed into, and pages loaded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Steps {
    pub clicks: u32,
    pub fields: u32,
    pub pages: u32,
}

#[derive(Default)]
struct StepCounter {
    clicks: AtomicU32,
    fields: AtomicU32,
    pages: AtomicU32,
}

fn bump(counter: &AtomicU32) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Shop {
    /// A fresh shop (demo events seeded) and a browser on it that audits every page.
    pub async fn open(binary: impl Into<PathBuf>) -> Shop {
        let turn = TURNS
            .acquire()
            .await
            .expect("the browser semaphore is never closed");
        let server = Server::start(binary).await;
        let chrome = Chrome::start().await;
        let client = chrome.session().await;
        Shop {
            client,
            chrome,
            server,
            audit: true,
            problems: Vec::new(),
            steps: StepCounter::default(),
            _turn: turn,
        }
    }

    /// Turns the per-page audit off (the screenshot tool only takes pictures).
    pub fn without_audit(mut self) -> Shop {
        self.audit = false;
        self
    }

    /// The clicks, typed fields and pages since the last [`Shop::reset_steps`].
    pub fn steps(&self) -> Steps {
        Steps {
            clicks: self.steps.clicks.load(Ordering::Relaxed),
            fields: self.steps.fields.load(Ordering::Relaxed),
            pages: self.steps.pages.load(Ordering::Relaxed),
        }
    }

    /// Starts counting a journey's steps from here.
    pub fn reset_steps(&self) {
        for counter in [&self.steps.clicks, &self.steps.fields, &self.steps.pages] {
            counter.store(0, Ordering::Relaxed);
        }
    }

    /// The WebDriver client, for checks the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `path` (for example `/events/1`) and audits the page.
    pub async fn visit(&mut self, path: &str) {
        let url = self.server.url(path);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
        self.landed().await;
    }

    /// Follows the link whose text (hidden text included, spaces collapsed) is `text`.
    pub async fn click_link(&mut self, text: &str) {
        let xpath = format!("//a[normalize-space(.)={}]", xpath_literal(text));
        let Some(link) = self.find_xpath(&xpath).await else {
            panic!("no link “{text}” on {}", self.here().await);
        };
        self.navigate_by(link).await;
    }

    /// Presses the first button whose text starts with `text` and waits for the page
    /// the form leads to.
    pub async fn press(&mut self, text: &str) {
        let xpath = format!(
            "//button[starts-with(normalize-space(.), {})]",
            xpath_literal(text)
        );
        let Some(button) = self.find_xpath(&xpath).await else {
            panic!("no button “{text}…” on {}", self.here().await);
        };
        self.navigate_by(button).await;
    }

    /// Types `value` into the (cleared) field matching `css`.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear the field");
        field.send_keys(value).await.expect("type into the field");
        bump(&self.steps.fields);
    }

    /// Types `value` into the (cleared) field matching `css` and presses Enter, as a hand
    /// scanner does, then waits for the page the form leads to.
    pub async fn type_and_enter(&mut self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear the field");
        let old = self.find("html").await;
        field
            .send_keys(&format!("{value}\u{E007}"))
            .await
            .expect("type into the field and press Enter");
        bump(&self.steps.fields);
        bump(&self.steps.clicks);
        self.replaced(old).await;
    }

    /// Sets a field's value directly (for `datetime-local`, which is awkward to type into).
    pub async fn set_value(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        let field = serde_json::to_value(&field).expect("element reference");
        self.client
            .execute(
                "arguments[0].value = arguments[1];",
                vec![field, Value::from(value)],
            )
            .await
            .expect("set the field's value");
    }

    /// Creates an account with the form on the log-in page this browser shows (the
    /// visitor's way in from an event page); registering does not log in, the mailed
    /// link does ([`Shop::follow_mail_link`]).
    pub async fn sign_up(&mut self, email: &str, password: &str) {
        self.fill("#new-email", email).await;
        self.fill("#new-password", password).await;
        self.press("Create account").await;
        if self.has(".field-error, .flash-error").await {
            panic!(
                "signing up as {email} failed on {}: {}",
                self.here().await,
                self.page_text().await
            );
        }
    }

    /// Opens the link in the newest mail to `email` whose subject starts with `subject`
    /// in this browser, as its owner clicking it in their mail would (one click, one
    /// page).
    pub async fn follow_mail_link(&mut self, email: &str, subject: &str) {
        let link = self.server.mail_link(email, subject).await;
        bump(&self.steps.clicks);
        self.visit(&link).await;
    }

    /// Creates an account through `/register`, then logs in with its password on the
    /// page it leads to (registering alone does not log in; the address stays
    /// unconfirmed, which allows one booking).
    pub async fn register(&mut self, email: &str, password: &str) {
        self.visit("/register").await;
        self.submit_account_form(email, password, "Create account")
            .await;
        self.submit_account_form(email, password, "Log in").await;
    }

    /// Logs in through `/login`.
    pub async fn log_in(&mut self, email: &str, password: &str) {
        self.visit("/login").await;
        self.submit_account_form(email, password, "Log in").await;
    }

    /// Fills the email and password of the form on this page and submits it; fails if
    /// the form comes back with an error.
    pub async fn submit_account_form(&mut self, email: &str, password: &str, button: &str) {
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.press(button).await;
        if self.has(".field-error, .flash-error").await {
            panic!(
                "{button} as {email} failed on {}: {}",
                self.here().await,
                self.page_text().await
            );
        }
    }

    /// The audit's findings on a page made of `html` (written into `about:blank`): the
    /// control that shows the audit catches what it claims to.
    pub async fn audit_html(&self, html: &str) -> Vec<String> {
        self.client
            .goto("about:blank")
            .await
            .expect("open about:blank");
        self.client
            .execute(
                "document.open(); document.write(arguments[0]); document.close();",
                vec![Value::from(html)],
            )
            .await
            .expect("write the page");
        audit::page(&self.client).await
    }

    /// Ends the session; fails listing every problem the audits found on the way.
    pub async fn finish(self) {
        let Shop {
            client, problems, ..
        } = self;
        let _ = client.close().await;
        assert!(
            problems.is_empty(),
            "{} problem(s) on the pages visited:\n  - {}",
            problems.len(),
            problems.join("\n  - ")
        );
    }

    /// Clicks `element` and waits until a new page has replaced this one.
    async fn navigate_by(&mut self, element: Element) {
        let old = self.find("html").await;
        element.click().await.expect("click");
        bump(&self.steps.clicks);
        self.replaced(old).await;
    }

    /// Waits until a new page has replaced the one whose `html` element is `old`.
    async fn replaced(&mut self, old: Element) {
        poll::until("the next page to replace this one", PATIENCE, || {
            let old = old.clone();
            async move {
                match old.tag_name().await {
                    Err(e) if e.is_stale_element_reference() || e.is_no_such_element() => Some(()),
                    _ => None,
                }
            }
        })
        .await;
        self.landed().await;
    }

    /// Waits for the page to finish loading, then audits it.
    async fn landed(&mut self) {
        poll::until("the page to finish loading", PATIENCE, || async {
            let state = self
                .client
                .execute("return document.readyState;", vec![])
                .await
                .ok()?;
            (state == "complete").then_some(())
        })
        .await;
        bump(&self.steps.pages);
        if !self.audit {
            return;
        }
        let path = self.path().await;
        let mut found = audit::page(&self.client).await;
        let status = self.status().await;
        if status >= 500 {
            found.push(format!("server error: HTTP {status}"));
        }
        for problem in found {
            eprintln!("PROBLEM on {path}: {problem}");
            self.problems.push(format!("{path}: {problem}"));
        }
    }
}
