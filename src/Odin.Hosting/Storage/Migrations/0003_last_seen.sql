-- When an identity's owner or one of its devices was last seen. Each instance batches sightings in memory and
-- flushes them with an upsert that only moves a time forward, so concurrent flushes never go backwards.
CREATE TABLE last_seen (
    tenant_id  TEXT   NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- 'owner', or a device id
    subject    TEXT   NOT NULL,
    seen_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, subject)
);
