-- Version 2 of the tasks schema (MariaDB / MySQL): chords, revocations, rate limits, concurrency slots.
-- Only new tables, created idempotently with their indexes: running workers of version 1 keep working.

-- One row per chord: how many distinct members reported; the row lock serializes the count.
CREATE TABLE IF NOT EXISTS ${t}chords (
    chord_id    VARCHAR(255) NOT NULL PRIMARY KEY,
    members     INTEGER      NOT NULL,
    expires_at  BIGINT       NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The result of each reported chord member; the first report wins.
CREATE TABLE IF NOT EXISTS ${t}chord_members (
    chord_id     VARCHAR(255) NOT NULL,
    member_index INTEGER      NOT NULL,
    result_value LONGTEXT     NOT NULL,
    expires_at   BIGINT       NOT NULL,
    PRIMARY KEY (chord_id, member_index),
    INDEX ${i}chord_members_expiry (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${t}revocations (
    task_id     VARCHAR(255) NOT NULL PRIMARY KEY,
    terminate   BOOLEAN      NOT NULL,
    expires_at  BIGINT       NOT NULL,
    INDEX ${i}revocations_expiry (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The next free slot of each rate-limit key, in epoch microseconds.
CREATE TABLE IF NOT EXISTS ${t}rate_limits (
    rate_key    VARCHAR(512) NOT NULL PRIMARY KEY,
    next_slot   BIGINT       NOT NULL,
    expires_at  BIGINT       NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per task name with a concurrency limit, locked while a slot is taken.
CREATE TABLE IF NOT EXISTS ${t}concurrency_limits (
    name        VARCHAR(255) NOT NULL PRIMARY KEY
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${t}concurrency_slots (
    name        VARCHAR(255) NOT NULL,
    holder      VARCHAR(255) NOT NULL,
    lease_until BIGINT       NOT NULL,
    PRIMARY KEY (name, holder)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
