-- The W3C trace context of the request that wrote a notification (null when tracing is off), so the dispatcher's
-- publish, Redis and the gateways' fan-out join the write's trace.
ALTER TABLE notifications ADD COLUMN trace_parent TEXT NULL;
