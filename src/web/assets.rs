//! Static files (CSS, JS, vendored htmx), embedded in the binary.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

#[get("/static/{path:.*}")]
pub async fn serve(path: web::Path<String>) -> HttpResponse {
    match Assets::get(&path) {
        Some(file) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .insert_header((
                header::ETAG,
                format!("\"{}\"", hex(&file.metadata.sha256_hash()[..8])),
            ))
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .finish(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
