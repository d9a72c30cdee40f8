-- Version 1 of the tasks schema (MariaDB 10.6+ / MySQL 8).
-- ${t} is the schema-qualified table prefix, ${i} the bare prefix used for index names.
-- Every statement is idempotent (a table is created with its indexes, or not at all), so a failed run can
-- simply be repeated. Keys compare byte for byte (utf8mb4_bin): queue names and keys differing in case are
-- different. Long texts are LONGTEXT (TEXT holds only 64 KiB).

-- Queued messages. A row is either ready (claimable now, found through the ready index in fetch
-- order) or waiting until visible_at: delayed (lease_token null) or leased to a consumer
-- (lease_token set). Waiting rows whose time has come are turned ready again by the fetch path.
-- The ready index serves the claim's ORDER BY, so FOR UPDATE SKIP LOCKED ... LIMIT locks only the rows it
-- takes (MariaDB 10.8+ and MySQL 8 keep the DESC; older MariaDB sorts, correctly but slower).
CREATE TABLE IF NOT EXISTS ${t}messages (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    queue       VARCHAR(200) NOT NULL,
    message_id  VARCHAR(255) NOT NULL,
    priority    SMALLINT     NOT NULL,
    ready       BOOLEAN      NOT NULL,
    run_at      BIGINT       NOT NULL,
    visible_at  BIGINT       NOT NULL,
    lease_token BIGINT,
    deliveries  INTEGER      NOT NULL DEFAULT 0,
    created_at  BIGINT       NOT NULL,
    payload     LONGTEXT     NOT NULL,
    INDEX ${i}messages_ready (queue, ready, priority DESC, run_at, id),
    INDEX ${i}messages_waiting (ready, visible_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${t}dead_letters (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    queue       VARCHAR(200) NOT NULL,
    message_id  VARCHAR(255) NOT NULL,
    priority    SMALLINT     NOT NULL,
    payload     LONGTEXT     NOT NULL,
    reason      TEXT         NOT NULL,
    deliveries  INTEGER      NOT NULL,
    dead_at     BIGINT       NOT NULL,
    INDEX ${i}dead_letters_queue (queue, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${t}queues (
    name        VARCHAR(200) NOT NULL PRIMARY KEY,
    created_at  BIGINT       NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${t}idempotency_keys (
    idem_key    VARCHAR(512) NOT NULL PRIMARY KEY,
    owner       VARCHAR(255) NOT NULL,
    done        BOOLEAN      NOT NULL,
    expires_at  BIGINT       NOT NULL,
    INDEX ${i}idempotency_keys_expiry (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${t}results (
    task_id      VARCHAR(255) NOT NULL PRIMARY KEY,
    task_name    VARCHAR(255),
    state        VARCHAR(32)  NOT NULL,
    result_value LONGTEXT,
    error        LONGTEXT,
    updated_at   BIGINT       NOT NULL,
    expires_at   BIGINT       NOT NULL,
    INDEX ${i}results_expiry (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${t}locks (
    name          VARCHAR(255) NOT NULL PRIMARY KEY,
    owner         VARCHAR(255),
    fencing_token BIGINT       NOT NULL,
    expires_at    BIGINT       NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${t}state (
    state_key   VARCHAR(512) NOT NULL PRIMARY KEY,
    state_value LONGTEXT     NOT NULL,
    updated_at  BIGINT       NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${t}outbox (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    message_id  VARCHAR(255) NOT NULL,
    queue       VARCHAR(200) NOT NULL,
    priority    SMALLINT     NOT NULL,
    not_before  BIGINT,
    payload     LONGTEXT     NOT NULL,
    created_at  BIGINT       NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Identifies this database to the broker, so a caller's connection can be recognised as the same one.
CREATE TABLE IF NOT EXISTS ${t}instance (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

INSERT INTO ${t}instance (id)
    SELECT MD5(CONCAT(UUID(), RAND(), NOW(6))) FROM DUAL
    WHERE NOT EXISTS (SELECT 1 FROM ${t}instance);
