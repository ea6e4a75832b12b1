//! Actions in words, for the Activity page and its CSV export. An action without a label here
//! (one added later) is shown as its constant.

use crate::services::audit::actions as a;

/// "Partner link accepted" for `link.accepted`; None for an action without a label.
pub fn label(action: &str) -> Option<&'static str> {
    Some(match action {
        a::SIGNIN_SUCCEEDED => "Signed in",
        a::SIGNIN_FAILED => "Sign-in failed",
        a::SIGNIN_THROTTLED => "Sign-in throttled",
        a::SIGNOUT => "Signed out",
        a::SETUP_COMPLETED => "Setup completed",
        a::USER_CREATED => "User created",
        a::USER_DISABLED => "User disabled",
        a::USER_ENABLED => "User enabled",
        a::PROFILE_UPDATED => "Profile updated",
        a::PASSWORD_CHANGED => "Password changed",
        a::TENANT_CREATED => "Account created",
        a::CSRF_REFUSED => "Request refused (CSRF)",
        a::AUTHZ_REFUSED => "Access refused",
        a::MAIL_RETRIED => "Mail retried",
        a::LINK_INVITED => "Partner link invited",
        a::LINK_RESENT => "Partner invitation resent",
        a::LINK_ACCEPTED => "Partner link accepted",
        a::LINK_DECLINED => "Partner link declined",
        a::LINK_CANCELLED => "Partner invitation cancelled",
        a::LINK_REMOVED => "Partner link removed",
        a::TENANT_ENTERED => "Entered the account",
        a::TENANT_LEFT => "Left the account",
        a::TENANT_PARTNER_CHANGED => "Partner entitlement changed",
        a::ROLE_INVITATION_SENT => "Role invitation sent",
        a::ROLE_INVITATION_RESENT => "Role invitation resent",
        a::ROLE_INVITATION_REVOKED => "Role invitation revoked",
        a::ROLE_INVITATION_ACCEPTED => "Role invitation accepted",
        a::MEMBERSHIP_REVOKED => "Membership revoked",
        a::TENANT_RENAMED => "Account renamed",
        a::TENANT_DELETED => "Sub-account deleted",
        a::ROLE_CREATED => "Role created",
        a::ROLE_UPDATED => "Role updated",
        a::ROLE_DELETED => "Role deleted",
        a::API_TOKEN_CREATED => "API token created",
        a::API_TOKEN_REVOKED => "API token revoked",
        a::API_AUTH_FAILED => "API authentication failed",
        a::LINK_EXPIRED => "Partner link expired",
        a::GRANT_EXPIRED => "Share expired",
        a::LINK_REMINDER_SENT => "End-of-access reminder sent",
        a::LINK_EXTENSION_REQUESTED => "Extension asked for",
        a::LINK_EXTENDED => "Access extended",
        a::LINK_LEVEL_CHANGE_REQUESTED => "Access level change asked for",
        a::LINK_LEVEL_CHANGE_APPROVED => "Access level change approved",
        a::LINK_LEVEL_CHANGE_DECLINED => "Access level change declined",
        a::TENANT_MULTI_TENANCY_CHANGED => "Multi-tenancy entitlement changed",
        a::SHARE_CREATED => "Account shared",
        a::SHARE_CHANGED => "Share's limiting role changed",
        a::SHARE_REVOKED => "Share revoked",
        a::APP_CREATED => "App registered",
        a::APP_SECRET_ROTATED => "App secret rotated",
        a::APP_AUTHORIZATION_REQUESTED => "App authorization requested",
        a::APP_AUTHORIZATION_APPROVED => "App authorization approved",
        a::APP_AUTHORIZATION_DECLINED => "App authorization declined",
        a::APP_AUTHORIZATION_EDIT_REQUESTED => "App authorization change requested",
        a::APP_AUTHORIZATION_EDITED => "App authorization change approved",
        a::APP_AUTHORIZATION_EDIT_DECLINED => "App authorization change declined",
        a::APP_AUTHORIZATION_REMOVED => "App authorization removed",
        a::DATASOURCE_CREATED => "Data source created",
        a::DATASOURCE_UPDATED => "Data source changed",
        a::DATASOURCE_DELETED => "Data source deleted",
        a::DATASOURCE_REVEALED => "Data source password revealed",
        a::DATASOURCE_SHARED => "Data source sharing changed",
        _ => return None,
    })
}

/// The label, or the constant itself.
pub fn words(action: &str) -> String {
    label(action)
        .map(str::to_string)
        .unwrap_or_else(|| action.to_string())
}

/// Every action with its words, for the filter's select, sorted by the words.
pub fn options() -> Vec<(&'static str, String)> {
    let mut all: Vec<_> = a::ALL.iter().map(|x| (*x, words(x))).collect();
    all.sort_by(|x, y| x.1.cmp(&y.1));
    all
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_action_has_words() {
        for action in crate::services::audit::actions::ALL {
            assert!(super::label(action).is_some(), "{action} has no label");
        }
    }

    #[test]
    fn actions_in_words_or_their_constant() {
        assert_eq!(super::words("link.accepted"), "Partner link accepted");
        assert_eq!(super::words("some.new"), "some.new");
    }
}
