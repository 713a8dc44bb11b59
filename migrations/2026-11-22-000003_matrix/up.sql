-- The matrix reads each pact and verification it shows through one index
-- range, however much other history the pacticipants have.

-- Every revision of a consumer's pacts with one provider (the pair
-- matrix with every row). latest_pact_publications_pair_latest_idx does
-- this for the latest revisions. It leads with consumer_id, so the
-- single-column index on that foreign key is redundant.
CREATE INDEX pact_publications_pair_idx
    ON pact_publications (consumer_id, provider_id, consumer_version_id DESC);
DROP INDEX pact_publications_consumer_idx;

-- The verifications of a pact content by given provider versions, with
-- every verification kept (latest_verifications' primary key does this
-- for the latest ones); verifications_pact_version_idx would read every
-- verification of the content.
CREATE INDEX verifications_pact_version_provider_version_idx
    ON verifications (pact_version_id, provider_version_id, id DESC);
