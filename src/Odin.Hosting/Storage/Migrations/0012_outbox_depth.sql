-- The outbox's depth as last measured, per shard (OutboxMonitor). Reading depth and lag walks every pending key: while
-- the outbox lags that is O(backlog), and with every instance reading it for itself every 5 s the cost grew with the
-- instances. On PostgreSQL one instance at a time measures it for all and stores it here; the others read these rows.
-- New tables only: the version before ignores them (a rolling upgrade).
CREATE TABLE outbox_depth (
    shard      INTEGER PRIMARY KEY,
    pending    BIGINT  NOT NULL,
    oldest_at  BIGINT  NOT NULL
);

-- When the rows of outbox_depth were measured, by which instance, and under which shard count.
CREATE TABLE outbox_depth_read (
    id       INTEGER PRIMARY KEY,
    shards   INTEGER NOT NULL,
    read_at  BIGINT  NOT NULL,
    read_by  TEXT    NOT NULL
);
