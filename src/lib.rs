//! Liaison: a self-hosted portal for delegated access between tenants.

pub mod api;
pub mod authz;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod mail;
pub mod server;
pub mod services;
pub mod web;

/// Logs to standard error, filtered by LIAISON_LOG (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LIAISON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
