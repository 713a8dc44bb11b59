-- A broker with some history, written straight into the tables: 20
-- consumers and 5 providers with 100 versions each; every consumer version
-- has a pact with three providers (C<i> with P<i % 5>, P<(i + 1) % 5> and
-- P<(i + 2) % 5>), verified by the provider versions with the same number
-- and the next. 2,500 versions, 6,000 pacts, about 12,000 verifications.
INSERT INTO pacticipants (name) SELECT 'C' || i FROM generate_series(0, 19) i;
INSERT INTO pacticipants (name) SELECT 'P' || i FROM generate_series(0, 4) i;
INSERT INTO versions (pacticipant_id, number)
    SELECT p.id, n::text FROM generate_series(1, 100) n CROSS JOIN pacticipants p
    ORDER BY n, p.id;
INSERT INTO integrations (consumer_id, provider_id)
    SELECT c.id, p.id FROM pacticipants c JOIN pacticipants p
      ON p.name IN ('P' || (substr(c.name, 2)::int % 5), 'P' || ((substr(c.name, 2)::int + 1) % 5),
                    'P' || ((substr(c.name, 2)::int + 2) % 5))
    WHERE c.name LIKE 'C%';
INSERT INTO pact_versions (consumer_id, provider_id, sha, content)
    SELECT i.consumer_id, i.provider_id, md5(v.id || '-' || i.provider_id), '{}'
    FROM integrations i JOIN versions v ON v.pacticipant_id = i.consumer_id;
INSERT INTO pact_publications (consumer_version_id, consumer_id, provider_id, pact_version_id, revision_number)
    SELECT v.id, i.consumer_id, i.provider_id, pv.id, 1
    FROM integrations i JOIN versions v ON v.pacticipant_id = i.consumer_id
    JOIN pact_versions pv ON pv.sha = md5(v.id || '-' || i.provider_id);
INSERT INTO latest_pact_publications
    (consumer_version_id, provider_id, consumer_id, pact_publication_id, pact_version_id, created_at)
    SELECT consumer_version_id, provider_id, consumer_id, id, pact_version_id, created_at
    FROM pact_publications;
INSERT INTO verifications (pact_version_id, consumer_id, provider_id, provider_version_id, success)
    SELECT pp.pact_version_id, pp.consumer_id, pp.provider_id, prv.id, prv.number::int % 7 <> 0
    FROM pact_publications pp JOIN versions cv ON cv.id = pp.consumer_version_id
    JOIN versions prv ON prv.pacticipant_id = pp.provider_id
      AND prv.number IN (cv.number, (cv.number::int + 1)::text);
INSERT INTO latest_verifications (pact_version_id, provider_version_id, verification_id, consumer_id, provider_id)
    SELECT pact_version_id, provider_version_id, max(id), consumer_id, provider_id
    FROM verifications GROUP BY pact_version_id, provider_version_id, consumer_id, provider_id;
ANALYZE;
