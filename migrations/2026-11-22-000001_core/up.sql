-- The core domain: pacticipants, versions, branches, tags, labels, pacts,
-- verifications, environments and deployments. Every "latest X" lookup is
-- served by an index or by a head table maintained on write.

CREATE TABLE pacticipants (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT,
    main_branch TEXT,
    repository_url TEXT,
    repository_name TEXT,
    repository_namespace TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE labels (
    pacticipant_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (pacticipant_id, name)
);
CREATE INDEX labels_name_idx ON labels (name);

-- A version's id is its creation order, which is the version order.
CREATE TABLE versions (
    id BIGSERIAL PRIMARY KEY,
    pacticipant_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    build_url TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (pacticipant_id, number)
);
-- Latest version of a pacticipant, and the newest-first listing.
CREATE INDEX versions_pacticipant_latest_idx ON versions (pacticipant_id, id DESC);

CREATE TABLE branches (
    id BIGSERIAL PRIMARY KEY,
    pacticipant_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (pacticipant_id, name)
);
CREATE INDEX branches_pacticipant_updated_idx ON branches (pacticipant_id, updated_at DESC, id DESC);

CREATE TABLE branch_versions (
    id BIGSERIAL PRIMARY KEY,
    branch_id BIGINT NOT NULL REFERENCES branches (id) ON DELETE CASCADE,
    version_id BIGINT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    pacticipant_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    auto_created BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (branch_id, version_id)
);
-- The unique (branch_id, version_id) index serves "newest version of a
-- branch" read backwards; this one serves "branches of a version".
CREATE INDEX branch_versions_version_idx ON branch_versions (version_id, branch_id);

-- The head (latest version) of each branch, maintained on write.
CREATE TABLE branch_heads (
    branch_id BIGINT PRIMARY KEY REFERENCES branches (id) ON DELETE CASCADE,
    branch_version_id BIGINT NOT NULL REFERENCES branch_versions (id) ON DELETE CASCADE,
    version_id BIGINT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    pacticipant_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    branch_name TEXT NOT NULL
);
CREATE INDEX branch_heads_version_idx ON branch_heads (version_id);
CREATE INDEX branch_heads_pacticipant_name_idx ON branch_heads (pacticipant_id, branch_name);

CREATE TABLE tags (
    id BIGSERIAL PRIMARY KEY,
    version_id BIGINT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    pacticipant_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (version_id, name)
);
-- Latest version with a tag: the first entry of this index.
CREATE INDEX tags_pacticipant_name_latest_idx ON tags (pacticipant_id, name, version_id DESC);

-- Pact content, stored once per consumer, provider and content hash.
CREATE TABLE pact_versions (
    id BIGSERIAL PRIMARY KEY,
    consumer_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    sha TEXT NOT NULL,
    content TEXT NOT NULL,
    interactions_count INTEGER NOT NULL DEFAULT 0,
    messages_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (consumer_id, provider_id, sha)
);
CREATE INDEX pact_versions_sha_idx ON pact_versions (sha);

-- Every publication of a pact for a consumer version; a merge or permitted
-- overwrite adds a revision.
CREATE TABLE pact_publications (
    id BIGSERIAL PRIMARY KEY,
    consumer_version_id BIGINT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    consumer_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    pact_version_id BIGINT NOT NULL REFERENCES pact_versions (id) ON DELETE CASCADE,
    revision_number INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (consumer_version_id, provider_id, revision_number)
);
CREATE INDEX pact_publications_provider_created_idx ON pact_publications (provider_id, created_at);

-- The latest revision per consumer version and provider, maintained on
-- write. consumer_version_id orders consumer versions by creation.
CREATE TABLE latest_pact_publications (
    consumer_version_id BIGINT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    consumer_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    pact_publication_id BIGINT NOT NULL REFERENCES pact_publications (id) ON DELETE CASCADE,
    pact_version_id BIGINT NOT NULL REFERENCES pact_versions (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer_version_id, provider_id)
);
-- Latest pact for a consumer and provider: the first entry of this index.
CREATE INDEX latest_pact_publications_pair_latest_idx
    ON latest_pact_publications (consumer_id, provider_id, consumer_version_id DESC);
CREATE INDEX latest_pact_publications_provider_idx
    ON latest_pact_publications (provider_id, consumer_version_id DESC);
CREATE INDEX latest_pact_publications_pact_version_idx
    ON latest_pact_publications (pact_version_id, consumer_version_id DESC);

CREATE TABLE integrations (
    consumer_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_id, provider_id)
);
CREATE INDEX integrations_provider_idx ON integrations (provider_id, consumer_id);

-- Verification results attach to pact content, not to a publication.
CREATE SEQUENCE verification_number_seq;
CREATE TABLE verifications (
    id BIGSERIAL PRIMARY KEY,
    number BIGINT NOT NULL DEFAULT nextval('verification_number_seq') UNIQUE,
    pact_version_id BIGINT NOT NULL REFERENCES pact_versions (id) ON DELETE CASCADE,
    consumer_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    provider_version_id BIGINT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    success BOOLEAN NOT NULL,
    build_url TEXT,
    test_results JSONB,
    verified_by JSONB,
    provider_version_tags TEXT[] NOT NULL DEFAULT '{}',
    wip BOOLEAN NOT NULL DEFAULT false,
    pact_pending BOOLEAN NOT NULL DEFAULT false,
    execution_date TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX verifications_pact_version_idx ON verifications (pact_version_id, id DESC);
CREATE INDEX verifications_provider_version_idx
    ON verifications (provider_id, provider_version_id, success, wip, pact_version_id);

-- The latest verification per pact content and provider version, maintained
-- on write: the matrix reads this.
CREATE TABLE latest_verifications (
    pact_version_id BIGINT NOT NULL REFERENCES pact_versions (id) ON DELETE CASCADE,
    provider_version_id BIGINT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    verification_id BIGINT NOT NULL REFERENCES verifications (id) ON DELETE CASCADE,
    consumer_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    PRIMARY KEY (pact_version_id, provider_version_id)
);
CREATE INDEX latest_verifications_provider_version_idx
    ON latest_verifications (provider_version_id, pact_version_id);

CREATE TABLE environments (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT,
    production BOOLEAN NOT NULL DEFAULT false,
    contacts JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE deployed_versions (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    version_id BIGINT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    pacticipant_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    environment_id BIGINT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    application_instance TEXT,
    auto_created BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    undeployed_at TIMESTAMPTZ
);
-- At most one current deployment per pacticipant, environment and instance.
CREATE UNIQUE INDEX deployed_versions_current_idx
    ON deployed_versions (pacticipant_id, environment_id, COALESCE(application_instance, ''))
    WHERE undeployed_at IS NULL;
CREATE INDEX deployed_versions_environment_current_idx
    ON deployed_versions (environment_id, pacticipant_id) WHERE undeployed_at IS NULL;
CREATE INDEX deployed_versions_version_idx ON deployed_versions (version_id);

CREATE TABLE released_versions (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    version_id BIGINT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    pacticipant_id BIGINT NOT NULL REFERENCES pacticipants (id) ON DELETE CASCADE,
    environment_id BIGINT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    support_ended_at TIMESTAMPTZ,
    UNIQUE (version_id, environment_id)
);
CREATE INDEX released_versions_environment_supported_idx
    ON released_versions (environment_id, pacticipant_id) WHERE support_ended_at IS NULL;

-- Foreign keys that no other index leads with: deleting a version, a pact
-- or a pacticipant cascades through these without scanning whole tables.
CREATE INDEX branch_versions_pacticipant_idx ON branch_versions (pacticipant_id);
CREATE INDEX branch_heads_branch_version_idx ON branch_heads (branch_version_id);
CREATE INDEX pact_versions_provider_idx ON pact_versions (provider_id);
CREATE INDEX pact_publications_consumer_idx ON pact_publications (consumer_id);
CREATE INDEX pact_publications_pact_version_idx ON pact_publications (pact_version_id);
CREATE INDEX latest_pact_publications_publication_idx ON latest_pact_publications (pact_publication_id);
CREATE INDEX verifications_consumer_idx ON verifications (consumer_id);
CREATE INDEX verifications_provider_version_id_idx ON verifications (provider_version_id);
CREATE INDEX latest_verifications_verification_idx ON latest_verifications (verification_id);
CREATE INDEX latest_verifications_consumer_idx ON latest_verifications (consumer_id);
CREATE INDEX latest_verifications_provider_idx ON latest_verifications (provider_id);
CREATE INDEX deployed_versions_pacticipant_idx ON deployed_versions (pacticipant_id);
CREATE INDEX deployed_versions_environment_idx ON deployed_versions (environment_id);
CREATE INDEX released_versions_pacticipant_idx ON released_versions (pacticipant_id);
CREATE INDEX released_versions_environment_idx ON released_versions (environment_id);
