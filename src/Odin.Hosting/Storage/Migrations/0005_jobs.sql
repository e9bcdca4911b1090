-- Background jobs, claimed by any instance's runner (FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on
-- SQLite). run_at is when the job is next due: its scheduled time while queued, its lease's end while running,
-- so a job whose runner died becomes due again when the lease runs out and one index serves both.
CREATE TABLE jobs (
    id           TEXT    PRIMARY KEY,
    type         TEXT    NOT NULL,
    payload      TEXT    NULL,
    -- At most one queued or running job per key (jobs_unique); NULL for jobs that may repeat.
    unique_key   TEXT    NULL,
    -- 'queued', 'running', 'succeeded', 'failed'
    state        TEXT    NOT NULL,
    run_at       BIGINT  NOT NULL,
    -- Recurring jobs go back to 'queued' this long after each run.
    every_ms     BIGINT  NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    -- The current run's claim; completing, failing and heartbeats are conditional on it.
    claim        TEXT    NULL,
    -- The instance that holds the claim (InstanceIdentity), for operators asking "who runs this?".
    runner       TEXT    NULL,
    last_error   TEXT    NULL,
    created_at   BIGINT  NOT NULL,
    finished_at  BIGINT  NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('queued', 'running');
CREATE UNIQUE INDEX jobs_unique ON jobs (unique_key) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('succeeded', 'failed');
