-- Dispatchers claim notifications one shard (a fixed hash of the tenant) at a time, so a tenant's rows
-- are published by one dispatcher at a time and in seq order, while different shards go in parallel.
ALTER TABLE notifications ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
DROP INDEX notifications_pending;
CREATE INDEX notifications_pending ON notifications (shard, tenant_id, seq) WHERE published_at IS NULL;
