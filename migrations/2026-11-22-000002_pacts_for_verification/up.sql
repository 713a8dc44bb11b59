-- Work in progress pacts: the provider's pacts published since a date,
-- found without reading older history.
CREATE INDEX latest_pact_publications_provider_created_idx
    ON latest_pact_publications (provider_id, created_at);

-- A consumer's currently supported releases in any environment.
CREATE INDEX released_versions_pacticipant_supported_idx
    ON released_versions (pacticipant_id) WHERE support_ended_at IS NULL;

-- Whether a pact content was ever verified successfully, read without
-- the failures that a pending pact can pile up.
CREATE INDEX verifications_successful_idx
    ON verifications (pact_version_id, id DESC) WHERE success;
