-- Version 2 of the tasks schema (PostgreSQL): chords, revocations, rate limits, concurrency slots.
-- Only new tables, created idempotently outside transactions: running workers of version 1 keep working.

-- One row per chord: how many distinct members reported; the row lock serializes the count.
CREATE TABLE IF NOT EXISTS ${t}chords (
    chord_id    VARCHAR(255) PRIMARY KEY,
    members     INTEGER      NOT NULL,
    expires_at  BIGINT       NOT NULL
);

-- The result of each reported chord member; the first report wins.
CREATE TABLE IF NOT EXISTS ${t}chord_members (
    chord_id     VARCHAR(255) NOT NULL,
    member_index INTEGER      NOT NULL,
    result_value TEXT         NOT NULL,
    expires_at   BIGINT       NOT NULL,
    PRIMARY KEY (chord_id, member_index)
);

CREATE TABLE IF NOT EXISTS ${t}revocations (
    task_id     VARCHAR(255) PRIMARY KEY,
    terminate   BOOLEAN      NOT NULL,
    expires_at  BIGINT       NOT NULL
);

-- The next free slot of each rate-limit key, in epoch microseconds.
CREATE TABLE IF NOT EXISTS ${t}rate_limits (
    rate_key    VARCHAR(512) PRIMARY KEY,
    next_slot   BIGINT       NOT NULL,
    expires_at  BIGINT       NOT NULL
);

-- One row per task name with a concurrency limit, locked while a slot is taken.
CREATE TABLE IF NOT EXISTS ${t}concurrency_limits (
    name        VARCHAR(255) PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS ${t}concurrency_slots (
    name        VARCHAR(255) NOT NULL,
    holder      VARCHAR(255) NOT NULL,
    lease_until BIGINT       NOT NULL,
    PRIMARY KEY (name, holder)
);

CREATE INDEX CONCURRENTLY IF NOT EXISTS ${i}chord_members_expiry
    ON ${t}chord_members (expires_at);

CREATE INDEX CONCURRENTLY IF NOT EXISTS ${i}revocations_expiry
    ON ${t}revocations (expires_at);
