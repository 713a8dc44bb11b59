// @generated automatically by Diesel CLI.

diesel::table! {
    branch_heads (branch_id) {
        branch_id -> Int8,
        branch_version_id -> Int8,
        version_id -> Int8,
        pacticipant_id -> Int8,
        branch_name -> Text,
    }
}

diesel::table! {
    branch_versions (id) {
        id -> Int8,
        branch_id -> Int8,
        version_id -> Int8,
        pacticipant_id -> Int8,
        auto_created -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    branches (id) {
        id -> Int8,
        pacticipant_id -> Int8,
        name -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    deployed_versions (id) {
        id -> Int8,
        uuid -> Text,
        version_id -> Int8,
        pacticipant_id -> Int8,
        environment_id -> Int8,
        application_instance -> Nullable<Text>,
        auto_created -> Bool,
        created_at -> Timestamptz,
        undeployed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    environments (id) {
        id -> Int8,
        uuid -> Text,
        name -> Text,
        display_name -> Nullable<Text>,
        production -> Bool,
        contacts -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    integrations (consumer_id, provider_id) {
        consumer_id -> Int8,
        provider_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    labels (pacticipant_id, name) {
        pacticipant_id -> Int8,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    latest_pact_publications (consumer_version_id, provider_id) {
        consumer_version_id -> Int8,
        provider_id -> Int8,
        consumer_id -> Int8,
        pact_publication_id -> Int8,
        pact_version_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    latest_verifications (pact_version_id, provider_version_id) {
        pact_version_id -> Int8,
        provider_version_id -> Int8,
        verification_id -> Int8,
        consumer_id -> Int8,
        provider_id -> Int8,
    }
}

diesel::table! {
    pact_publications (id) {
        id -> Int8,
        consumer_version_id -> Int8,
        consumer_id -> Int8,
        provider_id -> Int8,
        pact_version_id -> Int8,
        revision_number -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    pact_versions (id) {
        id -> Int8,
        consumer_id -> Int8,
        provider_id -> Int8,
        sha -> Text,
        content -> Text,
        interactions_count -> Int4,
        messages_count -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    pacticipants (id) {
        id -> Int8,
        name -> Text,
        display_name -> Nullable<Text>,
        main_branch -> Nullable<Text>,
        repository_url -> Nullable<Text>,
        repository_name -> Nullable<Text>,
        repository_namespace -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    released_versions (id) {
        id -> Int8,
        uuid -> Text,
        version_id -> Int8,
        pacticipant_id -> Int8,
        environment_id -> Int8,
        created_at -> Timestamptz,
        support_ended_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    tags (id) {
        id -> Int8,
        version_id -> Int8,
        pacticipant_id -> Int8,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tokens (id) {
        id -> Int8,
        uuid -> Text,
        name -> Text,
        role -> Text,
        secret_sha256 -> Bytea,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    verifications (id) {
        id -> Int8,
        number -> Int8,
        pact_version_id -> Int8,
        consumer_id -> Int8,
        provider_id -> Int8,
        provider_version_id -> Int8,
        success -> Bool,
        build_url -> Nullable<Text>,
        test_results -> Nullable<Jsonb>,
        verified_by -> Nullable<Jsonb>,
        provider_version_tags -> Array<Nullable<Text>>,
        wip -> Bool,
        pact_pending -> Bool,
        execution_date -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    versions (id) {
        id -> Int8,
        pacticipant_id -> Int8,
        number -> Text,
        build_url -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(branch_heads -> branch_versions (branch_version_id));
diesel::joinable!(branch_heads -> branches (branch_id));
diesel::joinable!(branch_heads -> pacticipants (pacticipant_id));
diesel::joinable!(branch_heads -> versions (version_id));
diesel::joinable!(branch_versions -> branches (branch_id));
diesel::joinable!(branch_versions -> pacticipants (pacticipant_id));
diesel::joinable!(branch_versions -> versions (version_id));
diesel::joinable!(branches -> pacticipants (pacticipant_id));
diesel::joinable!(deployed_versions -> environments (environment_id));
diesel::joinable!(deployed_versions -> pacticipants (pacticipant_id));
diesel::joinable!(deployed_versions -> versions (version_id));
diesel::joinable!(labels -> pacticipants (pacticipant_id));
diesel::joinable!(latest_pact_publications -> pact_publications (pact_publication_id));
diesel::joinable!(latest_pact_publications -> pact_versions (pact_version_id));
diesel::joinable!(latest_pact_publications -> versions (consumer_version_id));
diesel::joinable!(latest_verifications -> pact_versions (pact_version_id));
diesel::joinable!(latest_verifications -> verifications (verification_id));
diesel::joinable!(latest_verifications -> versions (provider_version_id));
diesel::joinable!(pact_publications -> pact_versions (pact_version_id));
diesel::joinable!(pact_publications -> versions (consumer_version_id));
diesel::joinable!(released_versions -> environments (environment_id));
diesel::joinable!(released_versions -> pacticipants (pacticipant_id));
diesel::joinable!(released_versions -> versions (version_id));
diesel::joinable!(tags -> pacticipants (pacticipant_id));
diesel::joinable!(tags -> versions (version_id));
diesel::joinable!(verifications -> pact_versions (pact_version_id));
diesel::joinable!(verifications -> versions (provider_version_id));
diesel::joinable!(versions -> pacticipants (pacticipant_id));

diesel::allow_tables_to_appear_in_same_query!(
    branch_heads,
    branch_versions,
    branches,
    deployed_versions,
    environments,
    integrations,
    labels,
    latest_pact_publications,
    latest_verifications,
    pact_publications,
    pact_versions,
    pacticipants,
    released_versions,
    tags,
    tokens,
    verifications,
    versions,
);
