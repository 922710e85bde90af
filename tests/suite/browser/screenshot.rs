//! Full-page screenshots of what a `Shop` shows, at a given window width.

use super::Shop;
use super::chrome::DESKTOP;

impl Shop {
    /// A full-page PNG at `width` pixels (the window is restored afterwards).
    pub async fn screenshot(&self, width: u32) -> Vec<u8> {
        let (desktop_width, desktop_height) = DESKTOP;
        self.client()
            .set_window_size(width, desktop_height)
            .await
            .expect("resize for the screenshot");
        // The window is taller than the page's viewport by the (invisible) browser frame.
        let measured = self
            .client()
            .execute(
                "return { page: Math.ceil(document.body.getBoundingClientRect().height),
                          frame: window.outerHeight - window.innerHeight };",
                vec![],
            )
            .await
            .expect("measure the page");
        let number = |key: &str| {
            measured[key]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or_else(|| panic!("no {key} in {measured}"))
        };
        self.client()
            .set_window_size(width, number("page") + number("frame"))
            .await
            .expect("resize to the whole page");
        let png = self
            .client()
            .screenshot()
            .await
            .expect("take the screenshot");
        self.client()
            .set_window_size(desktop_width, desktop_height)
            .await
            .expect("restore the window");
        png
    }
}
