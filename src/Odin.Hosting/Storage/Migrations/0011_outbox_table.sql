-- What is still to publish moves to a table of its own. Marking a notification published was an UPDATE of its row, and
-- since the pending and published indexes looked at published_at, PostgreSQL could not update it in place (HOT): every
-- published row was written again and inserted into three indexes. Now a write adds the notification to
-- `notification_log` and its key to `outbox`, and publishing deletes the key: no row is written twice. A row of
-- `notification_log` is deleted by age (`at`) once its key has left `outbox`.
--
-- `outbox` is ordered by slot (a fixed hash of the identity into 4096), and a shard is a range of slots, so a
-- dispatcher reads its shards' rows by index ranges and never passes over another shard's.
--
-- The table is renamed so that the version before fails closed beside this one (docs/operations.md, "Rolling
-- upgrade"): its statements name `notifications`, so it neither writes a notification that would never be published
-- nor publishes out of turn; its writes fail until it is replaced.
-- (On PostgreSQL its indexes and constraints keep their names: notifications_pkey, notifications_id_key.)
ALTER TABLE notifications RENAME TO notification_log;

-- Rows written before slots (migration 9) get their identity's slot: the last three hex digits of the id's first
-- group (OutboxSlots.Of), in SQL both engines run.
UPDATE notification_log SET slot = (CASE substr(lower(tenant_id), 6, 1) WHEN '0' THEN 0 WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 WHEN '4' THEN 4 WHEN '5' THEN 5 WHEN '6' THEN 6 WHEN '7' THEN 7 WHEN '8' THEN 8 WHEN '9' THEN 9 WHEN 'a' THEN 10 WHEN 'b' THEN 11 WHEN 'c' THEN 12 WHEN 'd' THEN 13 WHEN 'e' THEN 14 WHEN 'f' THEN 15 END) * 256 + (CASE substr(lower(tenant_id), 7, 1) WHEN '0' THEN 0 WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 WHEN '4' THEN 4 WHEN '5' THEN 5 WHEN '6' THEN 6 WHEN '7' THEN 7 WHEN '8' THEN 8 WHEN '9' THEN 9 WHEN 'a' THEN 10 WHEN 'b' THEN 11 WHEN 'c' THEN 12 WHEN 'd' THEN 13 WHEN 'e' THEN 14 WHEN 'f' THEN 15 END) * 16 + (CASE substr(lower(tenant_id), 8, 1) WHEN '0' THEN 0 WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 WHEN '4' THEN 4 WHEN '5' THEN 5 WHEN '6' THEN 6 WHEN '7' THEN 7 WHEN '8' THEN 8 WHEN '9' THEN 9 WHEN 'a' THEN 10 WHEN 'b' THEN 11 WHEN 'c' THEN 12 WHEN 'd' THEN 13 WHEN 'e' THEN 14 WHEN 'f' THEN 15 END)
WHERE slot IS NULL;

CREATE TABLE outbox (
    slot       INTEGER NOT NULL,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    seq        BIGINT  NOT NULL,
    -- When it was written (as in notification_log): the outbox's lag is read from this table alone.
    at         BIGINT  NOT NULL,
    PRIMARY KEY (slot, tenant_id, seq)
);
INSERT INTO outbox (slot, tenant_id, seq, at) SELECT slot, tenant_id, seq, at FROM notification_log WHERE published_at IS NULL;

DROP INDEX notifications_pending;
DROP INDEX notifications_published;
ALTER TABLE notification_log DROP COLUMN published_at;
ALTER TABLE notification_log DROP COLUMN shard;
-- For pruning by age.
CREATE INDEX notification_log_at ON notification_log (at);
