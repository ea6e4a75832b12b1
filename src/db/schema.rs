// The tables of both backends (migrations/sqlite and migrations/postgres), in portable types.

diesel::table! {
    tenants (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        account_number -> Text,
        parent_id -> Nullable<Text>,
        is_partner -> Bool,
        multi_tenancy -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_key -> Text,
        name -> Text,
        password_hash -> Text,
        user_type -> Text,
        is_staff -> Bool,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    roles (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        description -> Text,
        applies_to -> Text,
        builtin -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    role_permissions (role_id, permission) {
        role_id -> Text,
        permission -> Text,
    }
}

diesel::table! {
    memberships (id) {
        id -> Text,
        user_id -> Text,
        role_id -> Text,
        tenant_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        state -> Text,
        user_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_email -> Nullable<Text>,
        tenant_id -> Nullable<Text>,
        grant_id -> Nullable<Text>,
        action -> Text,
        subject -> Nullable<Text>,
        detail -> Text,
        ip -> Nullable<Text>,
        grantee_tenant_id -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        created_at -> Timestamp,
        template -> Text,
        to_address -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        transport -> Nullable<Text>,
    }
}

diesel::table! {
    setup_tokens (token_hash) {
        token_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    access_grants (id) {
        id -> Text,
        origin -> Text,
        grantee_tenant_id -> Text,
        owner_tenant_id -> Nullable<Text>,
        limiting_role_id -> Text,
        status -> Text,
        email -> Text,
        email_key -> Text,
        message -> Text,
        token_hash -> Nullable<Text>,
        invitation_expires_at -> Nullable<Timestamp>,
        invited_by_user_id -> Nullable<Text>,
        invited_at -> Timestamp,
        connected_at -> Nullable<Timestamp>,
        accepted_by_user_id -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
        updated_at -> Timestamp,
        access_ends_at -> Nullable<Timestamp>,
        reminded_7d_at -> Nullable<Timestamp>,
        reminded_1d_at -> Nullable<Timestamp>,
        requested_role_id -> Nullable<Text>,
        requested_at -> Nullable<Timestamp>,
        requested_by_user_id -> Nullable<Text>,
    }
}

diesel::joinable!(access_grants -> roles (limiting_role_id));
diesel::joinable!(roles -> tenants (tenant_id));
diesel::joinable!(role_permissions -> roles (role_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> roles (role_id));
diesel::joinable!(memberships -> tenants (tenant_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    users,
    roles,
    role_permissions,
    memberships,
    sessions,
    audit_events,
    outbox,
    setup_tokens,
    access_grants,
);

// Invitations to roles (migration 2026-11-28-000001_role_invitations).
diesel::table! {
    role_invitations (id) {
        id -> Text,
        tenant_id -> Text,
        role_id -> Text,
        email -> Text,
        email_key -> Text,
        token_hash -> Text,
        status -> Text,
        expires_at -> Timestamp,
        invited_by_user_id -> Nullable<Text>,
        invited_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        accepted_by_user_id -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(role_invitations -> roles (role_id));
diesel::allow_tables_to_appear_in_same_query!(role_invitations, roles);
diesel::allow_tables_to_appear_in_same_query!(role_invitations, tenants);
diesel::allow_tables_to_appear_in_same_query!(role_invitations, users);
diesel::allow_tables_to_appear_in_same_query!(role_invitations, memberships);

// API tokens (migration 2026-11-28-000002_api_tokens).
diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        tenant_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(api_tokens -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(api_tokens, users);
diesel::allow_tables_to_appear_in_same_query!(api_tokens, tenants);

// Requests to extend an access period (migration 2026-11-29-000002_extensions).
diesel::table! {
    grant_extensions (id) {
        id -> Text,
        grant_id -> Text,
        token_hash -> Text,
        requested_ends_at -> Timestamp,
        requested_by_user_id -> Nullable<Text>,
        requested_at -> Timestamp,
        expires_at -> Timestamp,
        status -> Text,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(grant_extensions -> access_grants (grant_id));
diesel::allow_tables_to_appear_in_same_query!(grant_extensions, access_grants);

// Apps and their authorizations (migration 2026-12-01-000001_apps).
diesel::table! {
    apps (id) {
        id -> Text,
        partner_tenant_id -> Text,
        name -> Text,
        name_key -> Text,
        description -> Text,
        client_id -> Text,
        secret_hash -> Text,
        secret_rotated_at -> Timestamp,
        created_by_user_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    app_authorizations (id) {
        id -> Text,
        app_id -> Text,
        partner_tenant_id -> Text,
        tenant_id -> Nullable<Text>,
        customer_name -> Text,
        customer_name_key -> Text,
        account_number -> Text,
        environment -> Text,
        status -> Text,
        valid_until -> Nullable<Timestamp>,
        contact_email -> Text,
        contact_email_key -> Text,
        info -> Text,
        requested_by_user_id -> Nullable<Text>,
        requested_at -> Timestamp,
        authorized_by_user_id -> Nullable<Text>,
        authorized_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    app_authorization_requests (id) {
        id -> Text,
        authorization_id -> Text,
        kind -> Text,
        token_hash -> Text,
        status -> Text,
        contact_email -> Text,
        on_behalf_of -> Text,
        environment -> Text,
        valid_until -> Nullable<Timestamp>,
        info -> Text,
        requested_by_user_id -> Nullable<Text>,
        requested_at -> Timestamp,
        expires_at -> Timestamp,
        answered_by_user_id -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(app_authorizations -> apps (app_id));
diesel::joinable!(app_authorization_requests -> app_authorizations (authorization_id));
diesel::allow_tables_to_appear_in_same_query!(apps, app_authorizations, app_authorization_requests);
diesel::allow_tables_to_appear_in_same_query!(apps, tenants);
diesel::allow_tables_to_appear_in_same_query!(app_authorizations, tenants);
diesel::allow_tables_to_appear_in_same_query!(app_authorizations, users);
diesel::allow_tables_to_appear_in_same_query!(apps, users);

diesel::table! {
    datasources (id) {
        id -> Text,
        tenant_id -> Text,
        owner_user_id -> Nullable<Text>,
        name -> Text,
        name_key -> Text,
        kind -> Text,
        host -> Text,
        port -> Nullable<Integer>,
        database -> Text,
        username -> Text,
        password_ciphertext -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    datasource_shares (datasource_id, tenant_id) {
        datasource_id -> Text,
        tenant_id -> Text,
        permissions -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(datasources, datasource_shares);
diesel::allow_tables_to_appear_in_same_query!(datasources, tenants);
diesel::allow_tables_to_appear_in_same_query!(datasource_shares, tenants);
