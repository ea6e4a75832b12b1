//! Every email has a subject, a plain-text and an HTML part, rendered from
//! templates/emails/<name>/{subject.txt, body.txt, body.html}. The HTML part escapes what users
//! typed.

use askama::Template;

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub trait EmailMessage {
    fn template_name(&self) -> &'static str;
    fn render(&self) -> askama::Result<Rendered>;
}

/// Sent when a user's password changes, so they notice a change they did not make.
pub struct PasswordChanged {
    pub name: String,
    pub profile_url: String,
    pub changed_at: String,
}

#[derive(Template)]
#[template(path = "emails/password_changed/subject.txt")]
#[allow(dead_code)] // this subject line needs none of the fields
struct PasswordChangedSubject<'a> {
    m: &'a PasswordChanged,
}

#[derive(Template)]
#[template(path = "emails/password_changed/body.txt")]
struct PasswordChangedText<'a> {
    m: &'a PasswordChanged,
}

#[derive(Template)]
#[template(path = "emails/password_changed/body.html")]
struct PasswordChangedHtml<'a> {
    m: &'a PasswordChanged,
}

impl EmailMessage for PasswordChanged {
    fn template_name(&self) -> &'static str {
        "password_changed"
    }
    fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: PasswordChangedSubject { m: self }
                .render()?
                .trim()
                .to_string(),
            text: PasswordChangedText { m: self }.render()?,
            html: PasswordChangedHtml { m: self }.render()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_changed_escapes_names_in_html() {
        let m = PasswordChanged {
            name: "<b>Bruce</b>".into(),
            profile_url: "https://portal.example/profile".into(),
            changed_at: "2026-11-23 10:00 UTC".into(),
        };
        let r = m.render().unwrap();
        assert_eq!(r.subject, "Your Liaison password was changed");
        assert!(r.text.contains("<b>Bruce</b>"));
        assert!(r.html.contains("&#60;b&#62;Bruce") || r.html.contains("&lt;b&gt;Bruce"));
        assert!(r.html.contains("https://portal.example/profile"));
    }
}
