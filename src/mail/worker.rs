//! The outbox worker: a thread that sends due messages through SMTP (lettre) or keeps them in
//! the dev mailbox, records failures with backoff, sweeps access periods (reminders, expiries)
//! and purges expired sessions on the side.

use crate::config::Settings;
use crate::db::Pool;
use crate::services::{grant_periods, now, outbox, sessions};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Message, SmtpTransport, Transport as _};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

pub const DEV_MAILBOX: &str = "dev-mailbox";
pub const SMTP: &str = "smtp";

pub enum Transport {
    Smtp {
        transport: Box<SmtpTransport>,
        from: Mailbox,
    },
    /// No SMTP configured: messages stay in the database and show at /dev/mailbox.
    DevMailbox,
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.smtp_url {
            Some(url) => Ok(Self::Smtp {
                transport: Box::new(
                    SmtpTransport::from_url(url)?
                        .timeout(Some(Duration::from_secs(20)))
                        .build(),
                ),
                from: settings.mail_from.clone(),
            }),
            None => Ok(Self::DevMailbox),
        }
    }

    fn deliver(&self, message: &outbox::OutboxMessage) -> Result<&'static str, String> {
        match self {
            Self::DevMailbox => Ok(DEV_MAILBOX),
            Self::Smtp { transport, from } => {
                let to: Mailbox = message
                    .to_address
                    .parse()
                    .map_err(|e| format!("bad recipient address: {e}"))?;
                // The outbox row's id: a receiver can tell a message sent twice (a worker that
                // stopped between sending and marking it sent) from two messages.
                let email = Message::builder()
                    .message_id(Some(format!("<{}@{}>", message.id, from.email.domain())))
                    .from(from.clone())
                    .to(to)
                    .subject(message.subject.clone())
                    .multipart(MultiPart::alternative_plain_html(
                        message.body_text.clone(),
                        message.body_html.clone(),
                    ))
                    .map_err(|e| format!("building the message: {e}"))?;
                transport.send(&email).map_err(|e| format!("SMTP: {e}"))?;
                Ok(SMTP)
            }
        }
    }
}

/// Sweeps the access periods (reminders and expiries write their messages to the outbox), then
/// sends what is due now; returns how many messages were delivered.
pub fn run_once(pool: &Pool, transport: &Transport, settings: &Settings) -> anyhow::Result<usize> {
    let mut conn = pool.get()?;
    let swept = grant_periods::sweep(&mut conn, settings, now())?;
    if swept != grant_periods::SweepReport::default() {
        tracing::info!(?swept, "access periods swept");
    }
    let due = outbox::claim_due(&mut conn, 20)?;
    let mut delivered = 0;
    for message in due {
        match transport.deliver(&message) {
            Ok(via) => {
                outbox::mark_sent(&mut conn, &message.id, via)?;
                delivered += 1;
            }
            Err(error) => {
                tracing::warn!(message_id = %message.id, attempts = message.attempts + 1, %error, "mail delivery failed");
                outbox::mark_attempt_failed(&mut conn, &message, &error, &settings.mail)?;
            }
        }
    }
    Ok(delivered)
}

pub struct Worker {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Worker {
    pub fn start(pool: Pool, settings: Settings) -> anyhow::Result<Self> {
        let transport = Transport::from_settings(&settings)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("liaison-mail".into())
            .spawn(move || {
                let mut rounds: u64 = 0;
                loop {
                    if let Err(e) = run_once(&pool, &transport, &settings) {
                        tracing::error!(error = %e, "mail worker round failed");
                    }
                    if rounds.is_multiple_of(300) {
                        match pool
                            .get()
                            .map_err(anyhow::Error::from)
                            .and_then(|mut c| Ok(sessions::purge_expired(&mut c)?))
                        {
                            Ok(n) if n > 0 => {
                                tracing::info!(sessions = n, "purged expired sessions")
                            }
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
                        }
                    }
                    rounds += 1;
                    match stopped.recv_timeout(settings.mail.poll_interval) {
                        Err(mpsc::RecvTimeoutError::Timeout) => continue,
                        _ => break,
                    }
                }
            })?;
        Ok(Self { stop, thread })
    }

    pub fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}
