//! Outgoing mail: message templates, the transports and the outbox worker.

pub mod templates;
pub mod worker;
