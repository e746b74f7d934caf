//! E-mail over SMTP (lettre, on tokio with rustls).

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpConfig, SmtpSecurity};

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("{0:?} is not an e-mail address: {1}")]
    Address(String, String),
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("SMTP: {0}")]
    Smtp(String),
}

/// The transport for the configured server.
pub fn transport(smtp: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, EmailError> {
    let builder = match smtp.security {
        SmtpSecurity::None => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        }
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| EmailError::Smtp(e.to_string()))?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|e| EmailError::Smtp(e.to_string()))?,
    };
    let mut builder = builder
        .port(smtp.port)
        .timeout(Some(std::time::Duration::from_secs(30)));
    if let Some(user) = &smtp.username {
        let password = smtp
            .password
            .as_ref()
            .map(|p| p.expose().to_owned())
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}

fn mailbox(text: &str) -> Result<Mailbox, EmailError> {
    text.parse().map_err(|e: lettre::address::AddressError| {
        EmailError::Address(text.to_owned(), e.to_string())
    })
}

/// Sends one plain-text message to every address in `to`.
pub async fn send(
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    from: &str,
    to: &[String],
    subject: &str,
    body: String,
) -> Result<(), EmailError> {
    let mut message = Message::builder().from(mailbox(from)?).subject(subject);
    for address in to {
        message = message.to(mailbox(address)?);
    }
    let message = message
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| EmailError::Build(e.to_string()))?;
    mailer
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| EmailError::Smtp(e.to_string()))
}
