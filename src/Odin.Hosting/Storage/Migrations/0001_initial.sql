-- One script for SQLite and PostgreSQL: ids are GUID strings, times Unix milliseconds, flags 0/1.
-- BYTEA is PostgreSQL's binary type; SQLite accepts any type name as an affinity and stores blobs unchanged.
CREATE TABLE tenants (
    id          TEXT    PRIMARY KEY,
    domain      TEXT    NOT NULL UNIQUE,
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    -- Last notification seq handed out; bumped inside each change's transaction, so seq has no gaps.
    last_seq    BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE owner_tokens (
    token_hash  TEXT    PRIMARY KEY,
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE drives (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    alias       TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, alias)
);

CREATE TABLE devices (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    revoked_at  BIGINT  NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE device_drives (
    tenant_id   TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    drive_id    TEXT    NOT NULL,
    permission  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id, drive_id),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, drive_id) REFERENCES drives (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE files (
    tenant_id   TEXT    NOT NULL,
    drive_id    TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    version_tag TEXT    NOT NULL,
    metadata    TEXT    NULL,
    content     BYTEA   NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    modified    BIGINT  NOT NULL,
    -- The tenant seq of the file's last change: the changes feed's cursor.
    seq         BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, drive_id, id),
    FOREIGN KEY (tenant_id, drive_id) REFERENCES drives (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX files_changes ON files (tenant_id, drive_id, seq);

-- The transactional outbox: written with the change, published by the dispatcher.
CREATE TABLE notifications (
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    seq          BIGINT  NOT NULL,
    id           TEXT    NOT NULL UNIQUE,
    type         TEXT    NOT NULL,
    drive_id     TEXT    NULL,
    file_id      TEXT    NULL,
    version_tag  TEXT    NULL,
    at           BIGINT  NOT NULL,
    data         TEXT    NULL,
    published_at BIGINT  NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX notifications_pending ON notifications (tenant_id, seq) WHERE published_at IS NULL;
