//! Another tenant's ids on every sub-account and role route: 404, and nothing changes.

use super::*;
use crate::roles::{custom_role, role_id};

#[test]
fn another_tenants_ids_are_404_everywhere_and_change_nothing() {
    let app = TestApp::start();
    let (_, bruce, wayne) = owner(&app, "Wayne Enterprises", "bruce@wayne.example");
    let gotham = sub(&app, &bruce, &wayne, "Gotham");
    let custom = custom_role(&app, &bruce, &wayne, "Auditors", &["audit.view"], "this");
    let builtin = role_id(&app, &wayne.id, "Operator");
    let (mallory, _, luthor) = owner(&app, "Luthor Corp", "lex@luthor.example");
    let before = snapshot(&app);

    let role_fields = [
        ("name", "Stolen"),
        ("description", ""),
        ("permissions", "audit.view"),
        ("applies_to", "this"),
    ];
    for victim in [&wayne, &gotham] {
        let id = &victim.id;
        for path in [
            format!("/accounts/{id}/sub-accounts"),
            format!("/accounts/{id}/sub-accounts?fragment=children"),
            format!("/accounts/{id}/delete"),
            format!("/accounts/{id}/roles"),
            format!("/accounts/{id}/roles/new"),
        ] {
            assert_eq!(mallory.get(&path).status, 404, "GET {path}");
            let hx = mallory.get_with(&path, &[("HX-Request", "true")]);
            assert_eq!(hx.status, 404, "htmx GET {path}");
            assert!(!hx.body.contains("<html"));
        }
        for (path, fields) in [
            (
                format!("/accounts/{id}/sub-accounts"),
                &[("name", "Evil")][..],
            ),
            (format!("/accounts/{id}/rename"), &[("name", "Evil")][..]),
            (format!("/accounts/{id}/delete"), &[][..]),
            (format!("/accounts/{id}/roles"), &role_fields[..]),
        ] {
            assert_eq!(post(&mallory, &path, fields).status, 404, "POST {path}");
            assert_eq!(
                hx_post(&mallory, &path, fields).status,
                404,
                "htmx POST {path}"
            );
        }
    }
    // The victim's roles, under the victim's id and under Mallory's own account.
    for tenant_id in [&wayne.id, &luthor.id] {
        for role in [&custom, &builtin] {
            let edit = format!("/accounts/{tenant_id}/roles/{role}");
            let delete = format!("{edit}/delete");
            assert_eq!(mallory.get(&edit).status, 404, "GET {edit}");
            assert_eq!(mallory.get(&delete).status, 404, "GET {delete}");
            assert_eq!(
                post(&mallory, &edit, &role_fields).status,
                404,
                "POST {edit}"
            );
            assert_eq!(post(&mallory, &delete, &[]).status, 404, "POST {delete}");
        }
    }
    assert_eq!(snapshot(&app), before);
    // Mallory's own tree shows nothing of Wayne's.
    let own = mallory.get(&format!("/accounts/{}/sub-accounts", luthor.id));
    assert_eq!(own.status, 200);
    assert!(!own.body.contains("Gotham"));
}
