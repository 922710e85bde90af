//! The QR code of a ticket code, as an SVG drawn on the server (no JavaScript).

use qrcode::QrCode;
use qrcode::render::svg;

use crate::error::AppError;

/// An SVG image of `text`, sized by its viewBox so CSS can scale it, ready to sit inline
/// in an HTML page: without the `<?xml ?>` prolog, which HTML does not allow there.
pub fn svg(text: &str) -> Result<String, AppError> {
    let code =
        QrCode::new(text.as_bytes()).map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    let document = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Ok(inline(&document).to_owned())
}

/// The `<svg>` element of an SVG document, without anything before it (the XML prolog).
fn inline(document: &str) -> &str {
    document
        .find("<svg")
        .map_or(document, |start| &document[start..])
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_an_svg() {
        let image = super::svg("7K3M-AB12-CD34-EF56-GH78").unwrap();
        assert!(image.contains("<svg"));
        assert!(image.contains("</svg>"));
        assert!(image.starts_with("<svg"), "no XML prolog inline in HTML");
        assert!(!image.contains("<?xml"));
    }
}
