-- What a read at an outbox range's start costs while the keys publishing deleted are still in the index, and after a
-- vacuum (docs/benchmarks.md, "Reads over deleted keys"). Run with psql against a PostgreSQL you may create a database
-- on; it creates and drops the database "outbox_dead_keys". The read is the claim's (NotificationOutbox.ReadRangeAsync).
DROP DATABASE IF EXISTS outbox_dead_keys;
CREATE DATABASE outbox_dead_keys;
\c outbox_dead_keys
CREATE TABLE outbox (slot int NOT NULL, tenant_id text NOT NULL, seq bigint NOT NULL, at bigint NOT NULL, PRIMARY KEY (slot, tenant_id, seq)) WITH (autovacuum_enabled = false);
INSERT INTO outbox SELECT (t * 20) % 4096, md5(t::text), s, 0 FROM generate_series(1, 200) t, generate_series(1, 1500) s;
ANALYZE outbox;
DELETE FROM outbox;
SET enable_sort = off;
\timing on
EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY ON) SELECT * FROM outbox o WHERE o.slot >= 0 AND o.slot < 4096 AND (o.slot, o.tenant_id, o.seq) > (-1, '', 0) ORDER BY o.slot, o.tenant_id, o.seq LIMIT 500;
EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY ON) SELECT * FROM outbox o WHERE o.slot >= 0 AND o.slot < 4096 AND (o.slot, o.tenant_id, o.seq) > (-1, '', 0) ORDER BY o.slot, o.tenant_id, o.seq LIMIT 500;
EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY ON) SELECT * FROM outbox o WHERE o.slot >= 0 AND o.slot < 4096 AND (o.slot, o.tenant_id, o.seq) > (-1, '', 0) ORDER BY o.slot, o.tenant_id, o.seq LIMIT 500;
VACUUM outbox;
EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY ON) SELECT * FROM outbox o WHERE o.slot >= 0 AND o.slot < 4096 AND (o.slot, o.tenant_id, o.seq) > (-1, '', 0) ORDER BY o.slot, o.tenant_id, o.seq LIMIT 500;
EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY ON) SELECT * FROM outbox o WHERE o.slot >= 0 AND o.slot < 4096 AND (o.slot, o.tenant_id, o.seq) > (-1, '', 0) ORDER BY o.slot, o.tenant_id, o.seq LIMIT 500;
\c postgres
DROP DATABASE outbox_dead_keys;
