//! App authorization emails (issue 6).

use super::{EmailMessage, Rendered};
use askama::Template;

/// A partner asks a customer's contact to authorize an app (or to approve a change).
pub struct AppAuthorizationRequested {
    pub edit: bool,
    pub partner: String,
    pub requester: String,
    pub app: String,
    pub environment: String,
    pub customer_name: String,
    pub account_number: String,
    /// An edit: whom the partner submits it for.
    pub on_behalf_of: String,
    pub info: String,
    /// Empty: no end.
    pub valid_until: String,
    pub expires_at: String,
    pub url: String,
}
email_message!(
    AppAuthorizationRequested,
    "app_authorization_requested",
    "emails/app_authorization_requested/subject.txt",
    "emails/app_authorization_requested/body.txt",
    "emails/app_authorization_requested/body.html"
);

/// The contact approved or declined; sent to the partner user who asked.
pub struct AppAuthorizationAnswered {
    pub approved: bool,
    pub edit: bool,
    pub contact: String,
    pub app: String,
    pub environment: String,
    pub customer: String,
    pub reason: String,
    pub url: String,
}
email_message!(
    AppAuthorizationAnswered,
    "app_authorization_answered",
    "emails/app_authorization_answered/subject.txt",
    "emails/app_authorization_answered/body.txt",
    "emails/app_authorization_answered/body.html"
);

/// The partner removed an authorization; sent to the customer's contact.
pub struct AppAuthorizationRemoved {
    pub partner: String,
    pub app: String,
    pub environment: String,
    pub customer: String,
    pub reason: String,
}
email_message!(
    AppAuthorizationRemoved,
    "app_authorization_removed",
    "emails/app_authorization_removed/subject.txt",
    "emails/app_authorization_removed/body.txt",
    "emails/app_authorization_removed/body.html"
);
