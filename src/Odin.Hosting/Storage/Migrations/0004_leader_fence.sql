-- The newest leader term that wrote: leader-only work is fenced against older terms (see LeaderFence).
CREATE TABLE leader_fence (
    name   TEXT   PRIMARY KEY,
    token  BIGINT NOT NULL
);
