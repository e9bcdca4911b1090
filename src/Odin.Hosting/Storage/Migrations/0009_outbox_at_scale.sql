-- The outbox at scale. Rows carry a slot (a fixed hash of the identity into 4096); a dispatcher's shard is
-- slot mod Odin:Notifications:Shards. Rows written before this have no slot: their 16-shard column stands in
-- (slot mod 16 is that shard), and the shard count cannot change while one of them is pending.
ALTER TABLE notifications ADD COLUMN slot INTEGER NULL;
DROP INDEX notifications_pending;
CREATE INDEX notifications_pending ON notifications (tenant_id, seq) WHERE published_at IS NULL;
-- For pruning published rows after the retention.
CREATE INDEX notifications_published ON notifications (published_at) WHERE published_at IS NOT NULL;

-- The shard count every dispatcher uses (one row), changed only when every live dispatcher asks for the new one.
CREATE TABLE outbox_settings (
    id      INTEGER PRIMARY KEY,
    shards  INTEGER NOT NULL
);

-- The live dispatchers (one per Hosting instance) and the shard count each is configured with.
CREATE TABLE outbox_dispatchers (
    instance       TEXT    PRIMARY KEY,
    seen_until     BIGINT  NOT NULL,
    shards_wanted  INTEGER NOT NULL
);

-- Which dispatcher publishes which shard, until when.
CREATE TABLE outbox_leases (
    shard       INTEGER PRIMARY KEY,
    owner       TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL
);
