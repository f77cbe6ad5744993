//! QR codes of listing URLs, as SVG text: on every listing page of the
//! marketplace and on the labels and catalogue the desktop app prints, so
//! both carry the same code. Only `qrcode` underneath.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// Pixels per module of the drawing (a scale: the page sizes it with CSS).
const MODULE_PX: u32 = 4;

/// An `<svg>` element (no XML prolog, ready to inline in HTML) of the QR
/// code of `url`: medium error correction, with its quiet zone, dark on
/// white whatever the page's colour scheme, `role="img"` with `label` for
/// screen readers. `None` if `url` is too long for a QR code.
pub fn qr_svg(url: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let drawn = code
        .render::<svg::Color<'_>>()
        .module_dimensions(MODULE_PX, MODULE_PX)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let start = drawn.find("<svg")?;
    let label = label
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    Some(drawn[start..].replacen(
        "<svg ",
        &format!(r#"<svg role="img" aria-label="{label}" class="qr" "#),
        1,
    ))
}
