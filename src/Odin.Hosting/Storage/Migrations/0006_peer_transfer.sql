-- Peer transfer: an identity sends a copy of one of its files to another identity, of this cluster or another
-- Odin. Both boxes are claimed with a popstamp: one UPDATE sets it where it is NULL, so a row is worked on by
-- one instance at a time; a claim older than the claim timeout is dead and one conditional UPDATE frees it.

-- What a sender still has to deliver (state 'pending'), has delivered, or gave up on.
CREATE TABLE peer_outbox (
    id              TEXT    PRIMARY KEY,  -- the transfer id, which the recipient asks the sender to confirm
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    recipient       TEXT    NOT NULL,     -- the recipient's domain
    drive_alias     TEXT    NOT NULL,     -- the recipient's drive, by alias
    file_id         TEXT    NOT NULL,     -- the sender's file
    version_tag     TEXT    NOT NULL,     -- the version sent
    metadata        TEXT    NULL,
    content         BYTEA   NULL,         -- dropped once delivered
    content_hash    TEXT    NOT NULL,
    state           TEXT    NOT NULL,     -- 'pending', 'delivered', 'failed'
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    popstamp        TEXT    NULL,
    popped_at       BIGINT  NULL,
    last_error      TEXT    NULL,
    created_at      BIGINT  NOT NULL,
    finished_at     BIGINT  NULL
);
CREATE INDEX peer_outbox_due ON peer_outbox (next_attempt_at) WHERE state = 'pending';

-- What a recipient accepted and has not yet put into its drive.
CREATE TABLE peer_inbox (
    id           TEXT    PRIMARY KEY,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sender       TEXT    NOT NULL,
    transfer_id  TEXT    NOT NULL,
    drive_id     TEXT    NOT NULL,
    file_id      TEXT    NOT NULL,        -- the sender's file
    version_tag  TEXT    NOT NULL,        -- the sender's version
    metadata     TEXT    NULL,
    content      BYTEA   NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    popstamp     TEXT    NULL,
    popped_at    BIGINT  NULL,
    received_at  BIGINT  NOT NULL,
    UNIQUE (tenant_id, sender, transfer_id)
);

-- Every (sender, sender's file, version) an identity took in, once: a repeated delivery changes nothing.
CREATE TABLE peer_received (
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sender       TEXT    NOT NULL,
    file_id      TEXT    NOT NULL,
    version_tag  TEXT    NOT NULL,
    received_at  BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, sender, file_id, version_tag)
);
