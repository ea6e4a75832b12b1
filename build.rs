//! `embed_migrations!` reads the migration folders at compile time, but cargo does not know it
//! does: without this a new migration stays out of the binary until some Rust file changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
