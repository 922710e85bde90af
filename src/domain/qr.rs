//! The QR code of a ticket code, as an SVG drawn on the server (no JavaScript).

use qrcode::QrCode;
use qrcode::render::svg;

use crate::error::AppError;

/// An SVG image of `text`, sized by its viewBox so CSS can scale it.
pub fn svg(text: &str) -> Result<String, AppError> {
    let code =
        QrCode::new(text.as_bytes()).map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_an_svg() {
        let image = super::svg("7K3M-AB12-CD34-EF56-GH78").unwrap();
        assert!(image.contains("<svg"));
        assert!(image.contains("</svg>"));
    }
}
