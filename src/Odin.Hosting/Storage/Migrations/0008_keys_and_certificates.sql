-- Key pairs created on first need, one per (owner, kind): owner is a tenant id, or 'installation' for keys of the
-- whole installation (the ACME account). Created under a distributed lock and inserted with ON CONFLICT DO
-- NOTHING, then re-read, so every instance uses the row that won. Private keys are encrypted at rest.
CREATE TABLE keys (
    owner        TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    public_key   TEXT    NOT NULL,   -- SubjectPublicKeyInfo, PEM
    private_key  BYTEA   NOT NULL,   -- PKCS#8, sealed with AES-256-GCM (KeyEncryption)
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (owner, kind)
);

-- One TLS certificate per domain, the newest wins: a write never replaces a certificate that expires later.
CREATE TABLE certificates (
    domain       TEXT    PRIMARY KEY,
    chain_pem    TEXT    NOT NULL,   -- leaf first
    private_key  BYTEA   NOT NULL,   -- PKCS#8, sealed with AES-256-GCM
    not_after    BIGINT  NOT NULL,
    issuer       TEXT    NOT NULL,   -- 'acme' or 'self-signed'
    updated_at   BIGINT  NOT NULL
);
