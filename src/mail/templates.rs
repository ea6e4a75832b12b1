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

/// Declares the three askama templates of a message (subject, text, HTML under
/// templates/emails/<dir>/, each seeing the message as `m`; askama wants the paths as literals) and implements [`EmailMessage`] for it.
macro_rules! email_message {
    ($message:ident, $dir:literal, $subject:literal, $text:literal, $html:literal) => {
        const _: () = {
            #[derive(Template)]
            #[template(path = $subject)]
            #[allow(dead_code)] // a subject line may need none of the fields
            struct Subject<'a> {
                m: &'a $message,
            }
            #[derive(Template)]
            #[template(path = $text)]
            struct Text<'a> {
                m: &'a $message,
            }
            #[derive(Template)]
            #[template(path = $html)]
            struct Html<'a> {
                m: &'a $message,
            }
            impl EmailMessage for $message {
                fn template_name(&self) -> &'static str {
                    $dir
                }
                fn render(&self) -> askama::Result<Rendered> {
                    Ok(Rendered {
                        subject: Subject { m: self }.render()?.trim().to_string(),
                        text: Text { m: self }.render()?,
                        html: Html { m: self }.render()?,
                    })
                }
            }
        };
    };
}

/// Sent when a user's password changes, so they notice a change they did not make.
pub struct PasswordChanged {
    pub name: String,
    pub profile_url: String,
    pub changed_at: String,
}
email_message!(
    PasswordChanged,
    "password_changed",
    "emails/password_changed/subject.txt",
    "emails/password_changed/body.txt",
    "emails/password_changed/body.html"
);

/// A partner asks a customer for access to their account.
pub struct PartnerInvitation {
    pub partner: String,
    pub inviter: String,
    pub access_level: String,
    /// What the access level allows, in plain words.
    pub allows: Vec<String>,
    pub message: String,
    pub expires_at: String,
    /// When the access would end by itself; empty for no end date.
    pub access_ends_at: String,
    pub accept_url: String,
}
email_message!(
    PartnerInvitation,
    "partner_invitation",
    "emails/partner_invitation/subject.txt",
    "emails/partner_invitation/body.txt",
    "emails/partner_invitation/body.html"
);

/// Tells the partner's inviter that the customer answered.
pub struct PartnerInvitationAnswered {
    pub accepted: bool,
    pub email: String,
    /// The customer tenant's name (accepted) or empty.
    pub customer: String,
    pub reason: String,
    pub manage_url: String,
}
email_message!(
    PartnerInvitationAnswered,
    "partner_invitation_answered",
    "emails/partner_invitation_answered/subject.txt",
    "emails/partner_invitation_answered/body.txt",
    "emails/partner_invitation_answered/body.html"
);

/// Tells one side that a partner link has ended.
pub struct PartnerLinkEnded {
    pub partner: String,
    pub customer: String,
    /// "the partner", "the customer" or "support staff".
    pub ended_by: String,
    pub reason: String,
    pub url: String,
}
email_message!(
    PartnerLinkEnded,
    "partner_link_ended",
    "emails/partner_link_ended/subject.txt",
    "emails/partner_link_ended/body.txt",
    "emails/partner_link_ended/body.html"
);

/// Someone invites a person to one of a tenant's roles.
pub struct RoleInvitation {
    pub inviter: String,
    pub tenant: String,
    pub role: String,
    /// Where the role applies, in words.
    pub applies: String,
    /// What the role allows, in plain words.
    pub allows: Vec<String>,
    pub expires_at: String,
    pub accept_url: String,
}
email_message!(
    RoleInvitation,
    "role_invitation",
    "emails/role_invitation/subject.txt",
    "emails/role_invitation/body.txt",
    "emails/role_invitation/body.html"
);

/// Tells the inviter that an invitation to a role was accepted.
pub struct RoleInvitationAccepted {
    pub email: String,
    pub tenant: String,
    pub role: String,
    pub url: String,
}
email_message!(
    RoleInvitationAccepted,
    "role_invitation_accepted",
    "emails/role_invitation_accepted/subject.txt",
    "emails/role_invitation_accepted/body.txt",
    "emails/role_invitation_accepted/body.html"
);

/// Tells a user that one of their roles was taken away.
pub struct MembershipRevoked {
    pub name: String,
    pub tenant: String,
    pub role: String,
    /// Who removed it (their name and address).
    pub by: String,
    /// The portal's start page.
    pub url: String,
}
email_message!(
    MembershipRevoked,
    "membership_revoked",
    "emails/membership_revoked/subject.txt",
    "emails/membership_revoked/body.txt",
    "emails/membership_revoked/body.html"
);

/// Both sides of a grant, 7 days and 1 day before its access period ends.
pub struct AccessEnding {
    pub grantee: String,
    pub owner: String,
    /// "7 days" or "1 day".
    pub left: String,
    pub ends_at: String,
    pub url: String,
}
email_message!(
    AccessEnding,
    "access_ending",
    "emails/access_ending/subject.txt",
    "emails/access_ending/body.txt",
    "emails/access_ending/body.html"
);

/// Both sides of a grant whose access period has ended.
pub struct AccessExpired {
    pub grantee: String,
    pub owner: String,
    pub ended_at: String,
    pub url: String,
}
email_message!(
    AccessExpired,
    "access_expired",
    "emails/access_expired/subject.txt",
    "emails/access_expired/body.txt",
    "emails/access_expired/body.html"
);

/// The owner side: the grantee asks for a later end date; the link confirms it, once.
pub struct ExtensionRequested {
    pub grantee: String,
    pub owner: String,
    pub requested_by: String,
    pub current_ends_at: String,
    pub requested_ends_at: String,
    pub expires_at: String,
    pub confirm_url: String,
}
email_message!(
    ExtensionRequested,
    "extension_requested",
    "emails/extension_requested/subject.txt",
    "emails/extension_requested/body.txt",
    "emails/extension_requested/body.html"
);

/// The customer: the partner asks for another access level; what it adds and removes.
pub struct LevelChangeRequested {
    pub partner: String,
    pub customer: String,
    pub requested_by: String,
    pub current_level: String,
    pub requested_level: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub url: String,
}
email_message!(
    LevelChangeRequested,
    "level_change_requested",
    "emails/level_change_requested/subject.txt",
    "emails/level_change_requested/body.txt",
    "emails/level_change_requested/body.html"
);

/// Both sides: the customer approved or declined a change of access level.
pub struct LevelChangeAnswered {
    pub partner: String,
    pub customer: String,
    pub approved: bool,
    pub current_level: String,
    pub requested_level: String,
    pub url: String,
}
email_message!(
    LevelChangeAnswered,
    "level_change_answered",
    "emails/level_change_answered/subject.txt",
    "emails/level_change_answered/body.txt",
    "emails/level_change_answered/body.html"
);

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

    #[test]
    fn the_invitation_says_who_what_until_when_and_links_once() {
        let m = PartnerInvitation {
            partner: "Betty's <MSP>".into(),
            inviter: "Betty".into(),
            access_level: "Operator".into(),
            allows: vec!["See linked customer accounts".into()],
            message: "<script>alert(1)</script>".into(),
            expires_at: "2026-12-02 10:00 UTC".into(),
            access_ends_at: "2027-03-01 00:00 UTC".into(),
            accept_url: "https://portal.example/invitations/abc".into(),
        };
        let r = m.render().unwrap();
        assert_eq!(r.subject, "Betty's <MSP> asks for access to your account");
        for part in [&r.text, &r.html] {
            assert!(part.contains("Operator"));
            assert!(part.contains("See linked customer accounts"));
            assert!(part.contains("2026-12-02 10:00 UTC"));
            assert!(part.contains("Accept and Login"));
            assert!(part.contains("ends by itself on") && part.contains("2027-03-01 00:00 UTC"));
            assert_eq!(
                part.matches("https://portal.example/invitations/abc")
                    .count(),
                1
            );
        }
        assert!(
            !r.html.contains("<script>"),
            "the partner's message is escaped"
        );
        assert!(!r.html.contains("<MSP>"));
    }

    #[test]
    fn the_role_invitation_names_inviter_tenant_role_and_links_once() {
        let m = RoleInvitation {
            inviter: "Bruce <b>".into(),
            tenant: "Wayne Enterprises".into(),
            role: "Operator".into(),
            applies: "This account and sub-accounts".into(),
            allows: vec!["See the account and its settings".into()],
            expires_at: "2026-12-02 10:00 UTC".into(),
            accept_url: "https://portal.example/role-invitations/abc".into(),
        };
        let r = m.render().unwrap();
        assert_eq!(
            r.subject,
            "Bruce <b> invites you to Wayne Enterprises as Operator"
        );
        for part in [&r.text, &r.html] {
            assert!(part.contains("See the account and its settings"));
            assert!(part.contains("2026-12-02 10:00 UTC"));
            assert_eq!(
                part.matches("https://portal.example/role-invitations/abc")
                    .count(),
                1
            );
        }
        assert!(!r.html.contains("<b>"), "names are escaped");
    }
}

mod apps;
pub use apps::*;
