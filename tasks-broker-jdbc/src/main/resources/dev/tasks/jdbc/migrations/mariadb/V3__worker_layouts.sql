-- Version 3 of the tasks schema: the storage layout each live worker announced (see JdbcWorkerLayouts), so
-- that workers of incompatible versions never run side by side. A new table only: code of versions 1 and 2
-- runs against this schema unchanged.

CREATE TABLE IF NOT EXISTS ${t}workers (
    worker_id       VARCHAR(255) NOT NULL PRIMARY KEY,
    layout          INTEGER      NOT NULL,
    compatible_from INTEGER      NOT NULL,
    expires_at      BIGINT       NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
