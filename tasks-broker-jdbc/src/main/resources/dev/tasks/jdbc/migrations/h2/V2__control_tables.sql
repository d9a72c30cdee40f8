-- Version 2 of the tasks schema (H2): chords, revocations, rate limits, concurrency slots.

CREATE TABLE IF NOT EXISTS ${t}chords (
    chord_id    VARCHAR(255) PRIMARY KEY,
    members     INTEGER      NOT NULL,
    expires_at  BIGINT       NOT NULL
);

CREATE TABLE IF NOT EXISTS ${t}chord_members (
    chord_id     VARCHAR(255) NOT NULL,
    member_index INTEGER      NOT NULL,
    result_value CHARACTER VARYING NOT NULL,
    expires_at   BIGINT       NOT NULL,
    PRIMARY KEY (chord_id, member_index)
);

CREATE TABLE IF NOT EXISTS ${t}revocations (
    task_id     VARCHAR(255) PRIMARY KEY,
    terminate   BOOLEAN      NOT NULL,
    expires_at  BIGINT       NOT NULL
);

CREATE TABLE IF NOT EXISTS ${t}rate_limits (
    rate_key    VARCHAR(512) PRIMARY KEY,
    next_slot   BIGINT       NOT NULL,
    expires_at  BIGINT       NOT NULL
);

CREATE TABLE IF NOT EXISTS ${t}concurrency_limits (
    name        VARCHAR(255) PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS ${t}concurrency_slots (
    name        VARCHAR(255) NOT NULL,
    holder      VARCHAR(255) NOT NULL,
    lease_until BIGINT       NOT NULL,
    PRIMARY KEY (name, holder)
);

CREATE INDEX IF NOT EXISTS ${t}chord_members_expiry ON ${t}chord_members (expires_at);

CREATE INDEX IF NOT EXISTS ${t}revocations_expiry ON ${t}revocations (expires_at);
