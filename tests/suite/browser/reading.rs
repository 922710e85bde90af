//! Reading the page a `Shop` is on: text, fields, links and buttons, where it is, and
//! the HTTP status it came with.

use fantoccini::Locator;
use fantoccini::elements::Element;

use super::Shop;

impl Shop {
    /// Whether a button starting with `text` is on the page.
    pub async fn has_button(&self, text: &str) -> bool {
        self.find_xpath(&format!(
            "//button[starts-with(normalize-space(.), {})]",
            xpath_literal(text)
        ))
        .await
        .is_some()
    }

    /// Whether a link with exactly `text` is on the page.
    pub async fn has_link(&self, text: &str) -> bool {
        self.find_xpath(&format!("//a[normalize-space(.)={}]", xpath_literal(text)))
            .await
            .is_some()
    }

    /// The current field value of `css`.
    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .expect("read the value")
            .unwrap_or_default()
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("read the text")
    }

    /// Whether something matches `css`.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client()
            .find_all(Locator::Css(css))
            .await
            .expect("query the page")
            .is_empty()
    }

    /// The whole visible text of the page.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// The availability cell ("N left", "Sold out") of a ticket type on an event page.
    pub async fn availability(&self, ticket_type: &str) -> String {
        let xpath = format!(
            "//tr[th[normalize-space(.)={}]]/td[contains(@class, 'availability')]",
            xpath_literal(ticket_type)
        );
        let Some(cell) = self.find_xpath(&xpath).await else {
            panic!("no ticket type “{ticket_type}” on {}", self.here().await);
        };
        cell.text().await.expect("read the availability")
    }

    /// The current path and query, for example `/login?next=%2Fbookings`.
    pub async fn path(&self) -> String {
        let url = self.client().current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// A query parameter of the current URL, decoded.
    pub async fn query_param(&self, name: &str) -> Option<String> {
        let url = self.client().current_url().await.expect("current URL");
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// The HTTP status of the response now shown (after redirects).
    pub async fn status(&self) -> u16 {
        let status = self
            .client()
            .execute(
                "const nav = performance.getEntriesByType('navigation')[0];
                 return nav ? nav.responseStatus : null;",
                vec![],
            )
            .await
            .expect("read the navigation status");
        status
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .expect("the browser reports the response status")
    }

    /// The first element matching `css`; fails naming the page when there is none.
    pub(super) async fn find(&self, css: &str) -> Element {
        match self.client().find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no `{css}` on {} ({e})", self.here().await),
        }
    }

    /// The first element matching `xpath`, if any.
    pub(super) async fn find_xpath(&self, xpath: &str) -> Option<Element> {
        self.client()
            .find_all(Locator::XPath(xpath))
            .await
            .expect("query the page")
            .into_iter()
            .next()
    }

    /// A short description of where the browser is, for failure messages.
    pub(super) async fn here(&self) -> String {
        match self.client().current_url().await {
            Ok(url) => url.to_string(),
            Err(e) => format!("an unknown page ({e})"),
        }
    }
}

/// `text` as an XPath string literal (XPath 1.0 has no escapes: use concat for quotes).
pub(super) fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}
