-- The latest security health check of each identity (written by the per-tenant recurring job).
CREATE TABLE security_health (
    tenant_id   TEXT    PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    checked_at  BIGINT  NOT NULL,
    -- JSON array of findings: [{"code": "...", "detail": "..."}]
    findings    TEXT    NOT NULL
);
