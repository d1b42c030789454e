//! GOV.UK Frontend's precompiled stylesheet and script, embedded from the npm package
//! (`web/build.rs` installs it), served under `/assets/`.
//!
//! Councils are not GOV.UK: the crown and the GOV.UK Transport typeface are for GOV.UK
//! only, so neither is embedded. The stylesheet is served with the typeface taken out
//! of every `font-family`, leaving GOV.UK Frontend's own fallback (Arial, then the
//! system sans-serif); its `@font-face` rules then name files no page ever asks for.

use std::borrow::Cow;
use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "node_modules/govuk-frontend/dist/govuk/"]
#[include = "govuk-frontend.min.css"]
#[include = "govuk-frontend.min.js"]
#[include = "assets/manifest.json"]
struct Frontend;

const CSS: &str = "govuk-frontend.min.css";
const JS: &str = "govuk-frontend.min.js";
/// The sitting page's live tally script, ours.
const LIVE_TALLY: &str = "live-tally.js";
const LIVE_TALLY_SOURCE: &str = include_str!("../../assets/live-tally.js");
/// What every page's head and foot once carried inline, as files: the
/// Content-Security-Policy allows no inline script or style (`crate::headers`).
const OWN: [(&str, &str, &str); 3] = [
    (
        "sendpanel.css",
        include_str!("../../assets/sendpanel.css"),
        "text/css; charset=utf-8",
    ),
    (
        "js-enabled.js",
        include_str!("../../assets/js-enabled.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "init.js",
        include_str!("../../assets/init.js"),
        "text/javascript; charset=utf-8",
    ),
];

/// The stylesheet without the GOV.UK Transport typeface.
static STYLESHEET: LazyLock<String> = LazyLock::new(|| {
    Frontend::get(CSS)
        .map(|file| {
            String::from_utf8_lossy(&file.data)
                .replace("font-family:GDS Transport,arial,", "font-family:arial,")
        })
        .unwrap_or_default()
});

/// `GET /assets/{file}`.
pub async fn serve(file: web::Path<String>) -> HttpResponse {
    let name = file.into_inner();
    let (body, content_type): (Cow<'static, [u8]>, &str) = match name.as_str() {
        CSS => (
            Cow::Borrowed(STYLESHEET.as_bytes()),
            "text/css; charset=utf-8",
        ),
        LIVE_TALLY => (
            Cow::Borrowed(LIVE_TALLY_SOURCE.as_bytes()),
            "text/javascript; charset=utf-8",
        ),
        JS => match Frontend::get(JS) {
            Some(file) => (file.data, "text/javascript; charset=utf-8"),
            None => return HttpResponse::NotFound().finish(),
        },
        other => match OWN.iter().find(|(own, _, _)| *own == other) {
            Some((_, source, content_type)) => (Cow::Borrowed(source.as_bytes()), *content_type),
            None => match Frontend::get(&format!("assets/{other}")) {
                Some(file) => (file.data, "application/json"),
                None => return HttpResponse::NotFound().finish(),
            },
        },
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body.into_owned())
}
