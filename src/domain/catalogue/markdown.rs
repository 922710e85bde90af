//! Event descriptions are Markdown (CommonMark with tables and strikethrough), shown as
//! HTML that is safe to put in a page: raw HTML typed into the source is shown as text,
//! and what the parser makes is cleaned by an allow-list sanitiser (ammonia): no script,
//! no event handler, no style, and links only to `http`, `https` and `mailto`, opened
//! with `rel="noopener noreferrer nofollow"`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use pulldown_cmark::{Event, Options, Parser, html};

/// The sanitiser, built once: the tags Markdown makes and nothing else.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&'static str> = [
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    ]
    .into_iter()
    .collect();
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags)
        .add_tag_attributes("a", ["href", "title"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("th", ["align"])
        .add_tag_attributes("td", ["align"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// The description's HTML: Markdown rendered, raw HTML shown as text, and the result
/// sanitised.
pub fn to_html(source: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(source, options).map(|event| match event {
        // Raw HTML in the source is not markup here: show it as typed.
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        other => other,
    });
    let mut rendered = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut rendered, events);
    CLEANER.clean(&rendered).to_string()
}

/// How many descriptions `shown` keeps rendered (a page of events and then some).
const SHOWN_KEPT: usize = 256;

/// Descriptions already rendered, by their source.
static SHOWN: LazyLock<Mutex<HashMap<Box<str>, Arc<str>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// `to_html` for a page that shows the same description to every visitor: rendered
/// once per source text and kept. The HTML is a function of the source alone, so a kept
/// one is never stale: an edited description is another source (the old one is dropped
/// when the memo is full, and the memo is emptied then).
pub fn shown(source: &str) -> Arc<str> {
    if let Ok(kept) = SHOWN.lock()
        && let Some(html) = kept.get(source)
    {
        return html.clone();
    }
    let html: Arc<str> = to_html(source).into();
    if let Ok(mut kept) = SHOWN.lock() {
        if kept.len() >= SHOWN_KEPT {
            kept.clear();
        }
        kept.insert(source.into(), html.clone());
    }
    html
}

/// A short text's HTML for inside a line or a table cell: as `to_html`, without the
/// paragraph around a text of one paragraph.
pub fn inline_html(source: &str) -> String {
    let html = to_html(source);
    let trimmed = html.trim();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|rest| rest.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_paragraph_text_renders_inline() {
        assert_eq!(
            inline_html("Send `Authorization: Bearer <token>`."),
            "Send <code>Authorization: Bearer &lt;token&gt;</code>."
        );
        let two = inline_html("One.\n\nTwo.");
        assert!(
            two.contains("<p>One.</p>") && two.contains("<p>Two.</p>"),
            "{two}"
        );
    }

    #[test]
    fn a_shown_description_is_what_to_html_makes_each_time() {
        let source = "**Doors** at 19:00 <b>sharp</b>";
        assert_eq!(&*shown(source), to_html(source));
        assert_eq!(&*shown(source), to_html(source));
        let edited = "**Doors** at 19:30";
        assert_eq!(&*shown(edited), to_html(edited));
    }

    #[test]
    fn markdown_becomes_html() {
        let html = to_html("# Line-up\n\n**Big band** and *friends*.\n\n- one\n- two\n");
        assert!(html.contains("<h1>Line-up</h1>"), "{html}");
        assert!(html.contains("<strong>Big band</strong>"), "{html}");
        assert!(html.contains("<em>friends</em>"), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn raw_html_and_scripts_are_shown_as_text_never_run() {
        let html = to_html("Hello <script>alert(1)</script>\n\n<div onclick=\"x()\">hi</div>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        // The handler is only text inside escaped text, never an attribute.
        assert!(html.contains("&lt;div onclick="), "{html}");
    }

    #[test]
    fn only_safe_links_survive_and_they_open_safely() {
        let html = to_html(
            "[ok](https://example.com) [bad](javascript:alert(1)) [data](data:text/html,hi) [mail](mailto:a@example.com)",
        );
        assert!(
            html.contains(
                "<a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">ok</a>"
            ),
            "{html}"
        );
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:text"), "{html}");
        assert!(html.contains("href=\"mailto:a@example.com\""), "{html}");
        // An image is not among the allowed tags (no tracking pixels in descriptions).
        let html = to_html("![x](https://example.com/x.png \"t\")");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn an_event_handler_smuggled_into_a_link_title_is_dropped() {
        let html = to_html("[x](https://example.com \"a\\\" onmouseover=\\\"alert(1)\")");
        assert!(!html.contains("onmouseover=\""), "{html}");
    }
}
