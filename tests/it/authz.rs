//! The one authorization function (DESIGN §3) on real data: roles flowing down the tree, grants
//! capped by their limiting role, and grants that never chain.

use crate::common::TestApp;
use liaison::authz;
use liaison::domain::permission::Permission;
use liaison::services::links::{self, AcceptInto, InvitationKey, Invite};
use liaison::services::tenants::{self, NewTenant, Tenant};

fn tenant(app: &TestApp, name: &str, partner: bool, parent: Option<&str>, owner: &str) -> Tenant {
    tenants::create(
        &mut app.conn(),
        NewTenant {
            name,
            is_partner: partner,
            parent_id: parent,
            owner_email: owner,
        },
        None,
    )
    .unwrap()
}

fn role_id(app: &TestApp, tenant_id: &str, name: &str) -> String {
    links::access_levels(&mut app.conn(), tenant_id)
        .unwrap()
        .into_iter()
        .find(|l| l.name == name)
        .unwrap()
        .role_id
}

/// The token of the newest invitation, read from the mail in the outbox as a customer would.
pub fn emailed_token(app: &TestApp, to: &str) -> String {
    use diesel::prelude::*;
    use liaison::db::schema::outbox;
    let body: String = outbox::table
        .filter(outbox::to_address.eq(to))
        .filter(outbox::template.eq("partner_invitation"))
        .order(outbox::id.desc())
        .select(outbox::body_text)
        .first(&mut app.conn())
        .unwrap();
    let start = body.find("/invitations/").expect("the email has the link") + "/invitations/".len();
    body[start..].split_whitespace().next().unwrap().to_string()
}

#[test]
fn roles_flow_down_the_tree_and_grants_are_capped() {
    let app = TestApp::start();
    let betty = app.create_user("betty@msp.example", false);
    let bruce = app.create_user("bruce@wayne.example", false);
    let msp = tenant(&app, "Betty's MSP", true, None, "betty@msp.example");
    let wayne = tenant(
        &app,
        "Wayne Enterprises",
        false,
        None,
        "bruce@wayne.example",
    );
    // The sub-accounts are owned by someone else: Bruce reaches them through his top role only.
    app.create_user("ops@wayne.example", false);
    let mut parent = wayne.id.clone();
    for depth in 1..=30 {
        parent = tenant(
            &app,
            &format!("Level {depth}"),
            false,
            Some(&parent),
            "ops@wayne.example",
        )
        .id;
    }
    let mut conn = app.conn();
    // The owner's role at the top applies 30 levels down.
    let deep = authz::access(&mut conn, &bruce.id, &parent).unwrap();
    assert!(deep.allows(Permission::RolesManage));
    assert_eq!(
        deep.explain(Permission::RolesManage),
        vec!["Account owner in Wayne Enterprises, which applies to its sub-accounts".to_string()]
    );
    // Betty sees nothing of Wayne yet: not even that it exists.
    let none = authz::access(&mut conn, &betty.id, &wayne.id).unwrap();
    assert!(none.is_empty());
    assert!(matches!(
        none.require(Permission::TenantView),
        Err(liaison::services::ServiceError::NotFound)
    ));

    let operator = role_id(&app, &msp.id, "Operator");
    links::invite(
        &mut conn,
        &app.settings,
        &betty,
        &msp.id,
        Invite {
            email: "bruce@wayne.example",
            access_level: &operator,
            message: "",
        },
    )
    .unwrap();
    let token = emailed_token(&app, "bruce@wayne.example");
    links::accept(
        &mut conn,
        &app.settings,
        &bruce,
        InvitationKey::Token(&token),
        AcceptInto::Existing(&wayne.id),
    )
    .unwrap();

    let through = authz::access(&mut conn, &betty.id, &wayne.id).unwrap();
    assert!(
        through.allows(Permission::CustomersLogin),
        "Operator allows it"
    );
    assert!(
        !through.allows(Permission::TenantManage),
        "capped by Operator"
    );
    assert!(!through.allows(Permission::RolesManage));
    assert_eq!(
        through.explain(Permission::TenantView),
        vec![
            "Account owner in Betty's MSP → partner link to Wayne Enterprises, limited to Operator"
                .to_string()
        ]
    );
    assert!(through.only_grant().is_some());
    assert!(
        authz::own_access(&mut conn, &betty.id, &wayne.id)
            .unwrap()
            .is_empty(),
        "Betty holds nothing of her own in Wayne Enterprises"
    );
    // Grants never flow down to the customer's sub-accounts nor chain further.
    assert!(
        authz::access(&mut conn, &betty.id, &parent)
            .unwrap()
            .is_empty()
    );
}

/// A naive reference model of DESIGN §3, written from the rules and nothing else.
mod model {
    use std::collections::BTreeSet;

    pub struct Role {
        pub tenant: usize,
        pub scope: &'static str,
        pub permissions: BTreeSet<&'static str>,
    }

    pub struct Grant {
        pub owner: usize,
        pub grantee: usize,
        pub limiting_role: usize,
        pub connected: bool,
    }

    pub struct World {
        pub parent: Vec<Option<usize>>,
        pub roles: Vec<Role>,
        /// (user, role)
        pub memberships: Vec<(usize, usize)>,
        pub grants: Vec<Grant>,
    }

    impl World {
        fn is_proper_ancestor(&self, ancestor: usize, mut t: usize) -> bool {
            while let Some(p) = self.parent[t] {
                if p == ancestor {
                    return true;
                }
                t = p;
            }
            false
        }

        /// Rule 1: the user's roles on the tenant.
        pub fn by_roles(&self, user: usize, tenant: usize) -> BTreeSet<&'static str> {
            let mut out = BTreeSet::new();
            for &(u, r) in &self.memberships {
                let role = &self.roles[r];
                let applies = if u != user {
                    false
                } else if role.tenant == tenant {
                    role.scope == "this" || role.scope == "this_and_sub"
                } else if self.is_proper_ancestor(role.tenant, tenant) {
                    role.scope == "this_and_sub" || role.scope == "sub_only"
                } else {
                    false
                };
                if applies {
                    out.extend(role.permissions.iter().copied());
                }
            }
            out
        }

        /// Rules 1 and 2: roles, plus connected grants owned by the tenant, capped, unchained.
        pub fn effective(&self, user: usize, tenant: usize) -> BTreeSet<&'static str> {
            let mut out = self.by_roles(user, tenant);
            for g in self
                .grants
                .iter()
                .filter(|g| g.connected && g.owner == tenant)
            {
                let cap = &self.roles[g.limiting_role].permissions;
                out.extend(self.by_roles(user, g.grantee).intersection(cap).copied());
            }
            out
        }
    }
}

#[test]
fn the_function_matches_a_naive_model_on_random_worlds() {
    use diesel::prelude::*;
    use liaison::db::schema::{
        access_grants, memberships, role_permissions, roles, tenants, users,
    };
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use std::collections::BTreeSet;

    let app = TestApp::start();
    let mut conn = app.conn();
    let now = liaison::services::now();
    let catalogue: Vec<&'static str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    for seed in 0..60u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let id = |kind: &str, i: usize| format!("w{seed}-{kind}{i}");
        let tenant_count = rng.gen_range(2..14);
        let parent: Vec<Option<usize>> = (0..tenant_count)
            .map(|i| (i > 0 && rng.gen_bool(0.8)).then(|| rng.gen_range(0..i)))
            .collect();
        let roles_: Vec<model::Role> = (0..rng.gen_range(1..16))
            .map(|_| {
                let tenant = rng.gen_range(0..tenant_count);
                let scope = ["this", "this_and_sub", "sub_only"][rng.gen_range(0..3)];
                let size = rng.gen_range(1..7);
                model::Role {
                    tenant,
                    scope,
                    permissions: catalogue.choose_multiple(&mut rng, size).copied().collect(),
                }
            })
            .collect();
        let user_count = rng.gen_range(1..5);
        let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
        for _ in 0..rng.gen_range(0..16) {
            pairs.insert((rng.gen_range(0..user_count), rng.gen_range(0..roles_.len())));
        }
        // At most one connected share per (owner, grantee), as the database requires.
        let mut live: BTreeSet<(usize, usize)> = BTreeSet::new();
        let grants: Vec<model::Grant> = (0..rng.gen_range(0..6))
            .map(|_| {
                let (owner, grantee) = (
                    rng.gen_range(0..tenant_count),
                    rng.gen_range(0..tenant_count),
                );
                model::Grant {
                    owner,
                    grantee,
                    limiting_role: rng.gen_range(0..roles_.len()),
                    connected: rng.gen_bool(0.7) && live.insert((owner, grantee)),
                }
            })
            .collect();
        let world = model::World {
            parent,
            roles: roles_,
            memberships: pairs.into_iter().collect(),
            grants,
        };

        // The same world in the database.
        for (i, p) in world.parent.iter().enumerate() {
            diesel::insert_into(tenants::table)
                .values((
                    tenants::id.eq(id("t", i)),
                    tenants::name.eq(id("t", i)),
                    tenants::name_key.eq(id("t", i)),
                    tenants::account_number.eq(id("n", i)),
                    tenants::parent_id.eq(p.map(|p| id("t", p))),
                    tenants::is_partner.eq(false),
                    tenants::multi_tenancy.eq(false),
                    tenants::created_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        for u in 0..user_count {
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(id("u", u)),
                    users::email.eq(format!("{}@example.com", id("u", u))),
                    users::email_key.eq(format!("{}@example.com", id("u", u))),
                    users::name.eq("Model user"),
                    users::password_hash.eq("not a hash: never signs in"),
                    users::user_type.eq("full"),
                    users::is_staff.eq(false),
                    users::created_at.eq(now),
                    users::updated_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        for (r, role) in world.roles.iter().enumerate() {
            diesel::insert_into(roles::table)
                .values((
                    roles::id.eq(id("r", r)),
                    roles::tenant_id.eq(id("t", role.tenant)),
                    roles::name.eq(id("r", r)),
                    roles::description.eq(""),
                    roles::applies_to.eq(role.scope),
                    roles::created_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
            for p in &role.permissions {
                diesel::insert_into(role_permissions::table)
                    .values((
                        role_permissions::role_id.eq(id("r", r)),
                        role_permissions::permission.eq(*p),
                    ))
                    .execute(&mut conn)
                    .unwrap();
            }
        }
        for (m, (u, r)) in world.memberships.iter().enumerate() {
            diesel::insert_into(memberships::table)
                .values((
                    memberships::id.eq(id("m", m)),
                    memberships::user_id.eq(id("u", *u)),
                    memberships::role_id.eq(id("r", *r)),
                    memberships::tenant_id.eq(id("t", world.roles[*r].tenant)),
                    memberships::created_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        for (g, grant) in world.grants.iter().enumerate() {
            diesel::insert_into(access_grants::table)
                .values((
                    access_grants::id.eq(id("g", g)),
                    access_grants::origin.eq("share"),
                    access_grants::grantee_tenant_id.eq(id("t", grant.grantee)),
                    access_grants::owner_tenant_id.eq(id("t", grant.owner)),
                    access_grants::limiting_role_id.eq(id("r", grant.limiting_role)),
                    access_grants::status.eq(if grant.connected {
                        "connected"
                    } else {
                        "removed"
                    }),
                    access_grants::invited_at.eq(now),
                    access_grants::updated_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }

        for u in 0..user_count {
            for t in 0..tenant_count {
                let access = authz::access(&mut conn, &id("u", u), &id("t", t)).unwrap();
                let got: BTreeSet<&str> = access.permissions().iter().map(|p| p.as_str()).collect();
                let want = world.effective(u, t);
                assert_eq!(got, want, "seed {seed}: user {u} on tenant {t}");
                for p in access.permissions() {
                    assert!(!access.explain(p).is_empty(), "seed {seed}: {p} has a path");
                }
                // The checks that never honour a grant skip the grants query: same answer.
                let own = authz::own_access(&mut conn, &id("u", u), &id("t", t)).unwrap();
                assert_eq!(
                    own.paths,
                    access.own().paths,
                    "seed {seed}: own access of user {u} on tenant {t}"
                );
            }
        }
    }
}
