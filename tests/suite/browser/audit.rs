//! The checks every visited page must pass: axe-core (no serious or critical violation),
//! no horizontal scrolling at 360 px, and a visible focus on every element Tab reaches.

use std::sync::OnceLock;
use std::time::Duration;

use fantoccini::Client;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::Value;

use super::chrome::{DESKTOP, PHONE_WIDTH};
use super::poll;

/// axe-core as installed by `npm ci` (pinned in package.json).
const AXE_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/node_modules/axe-core/axe.min.js"
);

fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        std::fs::read_to_string(AXE_PATH).unwrap_or_else(|e| {
            panic!("cannot read {AXE_PATH} ({e}): run `npm ci` in the repository root first")
        })
    })
}

/// Problems found on one page, one line each (empty when the page passes).
pub async fn page(client: &Client) -> Vec<String> {
    let mut problems = axe(client).await;
    problems.extend(phone_width(client).await);
    problems.extend(focus_visible(client).await);
    problems
}

const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] }).then(
  (results) => done(results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
  }))),
  (error) => done({ error: String(error) }),
);
"#;

/// axe-core's violations of serious or critical impact; milder ones are only printed.
async fn axe(client: &Client) -> Vec<String> {
    let mut problems = Vec::new();
    for (impact, line) in axe_violations(client).await {
        if matches!(impact.as_str(), "serious" | "critical") {
            problems.push(line);
        } else {
            eprintln!("note (not failing): {line}");
        }
    }
    problems
}

/// Every axe-core violation on the page, whatever its impact, one line each: for pages
/// a journey holds to zero.
pub async fn axe_all(client: &Client) -> Vec<String> {
    axe_violations(client)
        .await
        .into_iter()
        .map(|(_, line)| line)
        .collect()
}

/// axe-core's violations as (impact, description with the nodes).
async fn axe_violations(client: &Client) -> Vec<(String, String)> {
    let loaded = client
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .expect("ask whether axe is loaded");
    if loaded != Value::Bool(true) {
        client
            .execute(axe_source(), vec![])
            .await
            .expect("inject axe-core");
    }
    let result = client
        .execute_async(RUN_AXE, vec![])
        .await
        .expect("run axe-core");
    let Value::Array(violations) = result else {
        panic!("axe-core failed: {result}");
    };
    let mut found = Vec::new();
    for v in &violations {
        let impact = v["impact"].as_str().unwrap_or("unknown");
        let mut line = format!(
            "axe {} ({impact}): {}",
            str_of(&v["id"]),
            str_of(&v["help"])
        );
        for node in v["nodes"].as_array().into_iter().flatten() {
            line.push_str(&format!(
                "\n      at `{}`: {}\n      {}",
                str_of(&node["target"]),
                str_of(&node["html"]),
                str_of(&node["summary"]).replace('\n', " ")
            ));
        }
        found.push((impact.to_owned(), line));
    }
    found
}

fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

const MEASURE_WIDTH: &str = r#"
const root = document.documentElement;
const wide = [...document.body.querySelectorAll('*')]
  .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
  .slice(0, 5)
  .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
       (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
       ' (right edge ' + Math.round(el.getBoundingClientRect().right) + ' px)');
return { inner: window.innerWidth, scroll: root.scrollWidth, client: root.clientWidth, wide };
"#;

/// At 360 px the page must not scroll sideways. The window goes back to the size it had
/// (a journey may run at a phone's width).
async fn phone_width(client: &Client) -> Vec<String> {
    let (width, height) = match client.get_window_size().await {
        Ok((width, height)) => (
            u32::try_from(width).unwrap_or(DESKTOP.0),
            u32::try_from(height).unwrap_or(DESKTOP.1),
        ),
        Err(_) => DESKTOP,
    };
    client
        .set_window_size(PHONE_WIDTH, height)
        .await
        .expect("narrow the window");
    let measured = poll::until(
        "the window to be 360 px wide",
        Duration::from_secs(5),
        || async {
            let m = client.execute(MEASURE_WIDTH, vec![]).await.ok()?;
            (m["inner"] == PHONE_WIDTH).then_some(m)
        },
    )
    .await;
    client
        .set_window_size(width, height)
        .await
        .expect("restore the window");
    let (scroll, visible) = (&measured["scroll"], &measured["client"]);
    if scroll.as_f64() > visible.as_f64() {
        vec![format!(
            "layout: at {PHONE_WIDTH} px the page is {scroll} px wide and scrolls sideways; \
             widest elements: {}",
            measured["wide"]
        )]
    } else {
        Vec::new()
    }
}

const FOCUSED: &str = r#"
const el = document.activeElement;
if (!el || el === document.body || el === document.documentElement) return null;
const style = getComputedStyle(el);
const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
const shadow = style.boxShadow !== 'none';
const r = el.getBoundingClientRect();
const onScreen = r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 &&
  r.left < window.innerWidth && r.top < window.innerHeight;
const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40);
return {
  key: Array.prototype.indexOf.call(document.querySelectorAll('*'), el),
  who: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (text ? ' "' + text + '"' : ''),
  visible: (outline || shadow) && onScreen,
};
"#;

/// Walks the page with Tab from the top: every element reached must show a focus
/// indicator (an outline or a box shadow) and be on screen.
async fn focus_visible(client: &Client) -> Vec<String> {
    let mut problems = Vec::new();
    let mut first: Option<Value> = None;
    let mut previous: Option<Value> = None;
    for _ in 0..100 {
        press_tab(client).await;
        let focused = client.execute(FOCUSED, vec![]).await.expect("read focus");
        if focused.is_null() {
            break;
        }
        let key = focused["key"].clone();
        if first.as_ref() == Some(&key) && previous.as_ref() != Some(&key) {
            break; // wrapped around
        }
        if previous.as_ref() != Some(&key) && focused["visible"] != true {
            problems.push(format!(
                "focus: no visible focus indicator on {}",
                str_of(&focused["who"])
            ));
        }
        first.get_or_insert(key.clone());
        previous = Some(key);
    }
    problems
}

async fn press_tab(client: &Client) {
    let tab = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down {
            value: Key::Tab.into(),
        })
        .then(KeyAction::Up {
            value: Key::Tab.into(),
        });
    client.perform_actions(tab).await.expect("press Tab");
}
