package dev.tasks.jdbc;

/** The SQL of the message and dead-letter tables for one dialect and one set of table names. */
final class MessageSql {
    static final int PROMOTE_BATCH = 1000;
    /** Rows one purge statement deletes at most; a purge repeats it until fewer are left. */
    static final int PURGE_CHUNK = 10_000;

    final String insertPg;
    final String insertH2;
    final String notifyPg;
    final String promotePg;
    final String promoteH2;
    final String claimOnePg;
    final String claimManyPg;
    final String candidatesH2;
    final String claimH2;
    final String ackPg;
    final String ackH2;
    final String releasePg;
    final String releaseH2;
    final String extendPg;
    final String extendH2;
    final String retry;
    final String deadLetterPg;
    final String deadLetterH2;
    final String deadLetters;
    final String purgeDead;
    final String stats;
    final String queues;
    final String purgePg;
    final String purgeH2;
    final String registerQueuePg;
    final String registerQueueH2;
    final String instanceId;
    private final String messagesTable;
    private final String deadLettersTable;

    MessageSql(TableNames t) {
        String m = t.messages;
        messagesTable = m;
        deadLettersTable = t.deadLetters;
        String returning = " id, queue, message_id, priority, run_at, deliveries, payload";
        insertPg = "INSERT INTO " + m + " (queue, message_id, priority, ready, run_at, visible_at, created_at, payload) "
                + "SELECT x.q, x.mid, x.pr::smallint, x.ra <= ?, x.ra, x.ra, ?, x.pl "
                + "FROM unnest(?::varchar[], ?::varchar[], ?::int[], ?::bigint[], ?::text[]) WITH ORDINALITY "
                + "AS x(q, mid, pr, ra, pl, ord) ORDER BY x.ord";
        insertH2 = "INSERT INTO " + m + " (queue, message_id, priority, ready, run_at, visible_at, created_at, payload) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        notifyPg = "SELECT pg_notify(?, q) FROM unnest(?::varchar[]) AS q";
        promotePg = "UPDATE " + m + " SET ready = TRUE WHERE id = ANY(ARRAY(SELECT id FROM " + m
                + " WHERE NOT ready AND visible_at <= ? ORDER BY visible_at LIMIT " + PROMOTE_BATCH
                + " FOR UPDATE SKIP LOCKED))";
        promoteH2 = "UPDATE " + m + " SET ready = TRUE WHERE NOT ready AND visible_at <= ?";
        String claimSet = "UPDATE " + m + " SET ready = FALSE, visible_at = ?, lease_token = ?, deliveries = deliveries + 1 ";
        claimOnePg = claimSet + "WHERE id = ANY(ARRAY(SELECT id FROM " + m + " WHERE ready AND queue = ? "
                + "ORDER BY priority DESC, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED)) RETURNING" + returning;
        // Several queues: up to a per-queue limit of rows from each (max shared among the queues that had
        // rows last time), interleaved rank by rank, so a busy queue listed first does not starve the others.
        claimManyPg = claimSet + "WHERE id = ANY(ARRAY(SELECT x.id FROM (SELECT c.id, q.ord, row_number() OVER "
                + "(PARTITION BY q.ord ORDER BY c.priority DESC, c.run_at, c.id) AS rn "
                + "FROM unnest(?::varchar[]) WITH ORDINALITY AS q(name, ord) CROSS JOIN LATERAL (SELECT id, priority, run_at FROM "
                + m + " WHERE ready AND queue = q.name ORDER BY priority DESC, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED) c) x "
                + "ORDER BY x.rn, x.ord LIMIT ?)) RETURNING" + returning;
        // H2 reads rows in index order (and stops at the limit) only when the ORDER BY starts with the index's
        // leading columns, even those fixed by the WHERE; without them it sorts every ready row of the queue.
        candidatesH2 = "SELECT id FROM " + m + " WHERE queue = ? AND ready = TRUE "
                + "ORDER BY queue, ready, priority DESC, run_at, id LIMIT ?";
        claimH2 = "SELECT" + returning + " FROM FINAL TABLE (" + claimSet + "WHERE id = ANY(?) AND ready)";
        // Statements that change many leased rows lock them first, in id order (the sub-select's lock step runs
        // after its sort), so that two of them over overlapping rows (a heartbeat and an ack of the same worker,
        // a purge) wait for each other instead of deadlocking; claims and promotion skip locked rows and never
        // wait. On H2, acks and releases run one statement per row in one transaction, in id order, and a
        // claim updates its candidates in id order.
        String lockedPairs = " WHERE id = ANY(ARRAY(SELECT l.id FROM " + m + " l JOIN unnest(?::bigint[], ?::bigint[])"
                + " AS a(id, tok) ON l.id = a.id AND l.lease_token = a.tok ORDER BY l.id FOR UPDATE OF l))";
        ackPg = "DELETE FROM " + m + lockedPairs;
        ackH2 = "DELETE FROM " + m + " WHERE id = ? AND lease_token = ?";
        releasePg = "UPDATE " + m + " SET ready = TRUE, lease_token = NULL" + lockedPairs + " RETURNING queue";
        releaseH2 = "UPDATE " + m + " SET ready = TRUE, lease_token = NULL WHERE id = ? AND lease_token = ?";
        extendPg = "UPDATE " + m + " SET ready = FALSE, visible_at = ?" + lockedPairs + " RETURNING id, lease_token";
        extendH2 = "UPDATE " + m + " SET ready = FALSE, visible_at = ? WHERE id = ? AND lease_token = ?";
        retry = "UPDATE " + m + " SET payload = ?, ready = ?, run_at = ?, visible_at = ?, lease_token = NULL, "
                + "deliveries = 0 WHERE id = ? AND lease_token = ?";
        String dlColumns = " (queue, message_id, priority, payload, reason, deliveries, dead_at) ";
        deadLetterPg = "WITH d AS (DELETE FROM " + m + " WHERE id = ? AND lease_token = ? "
                + "RETURNING queue, message_id, priority, payload, deliveries) INSERT INTO " + t.deadLetters + dlColumns
                + "SELECT queue, message_id, priority, payload, ?, deliveries, ? FROM d";
        deadLetterH2 = "INSERT INTO " + t.deadLetters + dlColumns + "SELECT queue, message_id, priority, payload, ?, "
                + "deliveries, ? FROM OLD TABLE (DELETE FROM " + m + " WHERE id = ? AND lease_token = ?)";
        deadLetters = "SELECT id, queue, message_id, payload, reason, deliveries, dead_at FROM " + t.deadLetters
                + " WHERE queue = ? ORDER BY queue, id LIMIT ?"; // queue first: H2 then reads the index in order
        purgeDead = "DELETE FROM " + t.deadLetters + " WHERE queue = ?";
        stats = "SELECT COALESCE(SUM(CASE WHEN ready OR visible_at <= ? THEN 1 ELSE 0 END), 0), "
                + "COALESCE(SUM(CASE WHEN NOT ready AND lease_token IS NULL AND visible_at > ? THEN 1 ELSE 0 END), 0), "
                + "COALESCE(SUM(CASE WHEN NOT ready AND lease_token IS NOT NULL AND visible_at > ? THEN 1 ELSE 0 END), 0), "
                + "(SELECT COUNT(*) FROM " + t.deadLetters + " WHERE queue = ?) FROM " + m + " WHERE queue = ?";
        queues = "SELECT name FROM " + t.queues;
        String purgeable = "queue = ? AND (ready OR lease_token IS NULL OR visible_at <= ?)";
        purgePg = "DELETE FROM " + m + " WHERE id = ANY(ARRAY(SELECT id FROM " + m + " WHERE " + purgeable
                + " ORDER BY id LIMIT " + PURGE_CHUNK + " FOR UPDATE))";
        // H2 would run an IN (subquery) once per candidate row; it has a row limit on DELETE instead.
        purgeH2 = "DELETE FROM " + m + " WHERE " + purgeable + " FETCH FIRST " + PURGE_CHUNK + " ROWS ONLY";
        registerQueuePg = "INSERT INTO " + t.queues + " (name, created_at) SELECT q, ? FROM unnest(?::varchar[]) AS q "
                + "ON CONFLICT (name) DO NOTHING";
        registerQueueH2 = "MERGE INTO " + t.queues + " t USING (VALUES (CAST(? AS VARCHAR(200)), CAST(? AS BIGINT))) "
                + "s(name, created_at) ON t.name = s.name WHEN NOT MATCHED THEN INSERT (name, created_at) "
                + "VALUES (s.name, s.created_at)";
        instanceId = "SELECT id FROM " + t.instance;
    }

    /** Moves dead letters of a queue (all, or those with the given ids) back to the queue, due at once. */
    String replayPg(boolean byIds) {
        return "WITH d AS (DELETE FROM " + deadLettersTable + " WHERE queue = ?" + (byIds ? " AND id = ANY(?)" : "")
                + " RETURNING id, queue, message_id, priority, payload) INSERT INTO " + messagesTable
                + " (queue, message_id, priority, ready, run_at, visible_at, created_at, payload) "
                + "SELECT queue, message_id, priority, TRUE, ?, ?, ?, payload FROM d ORDER BY id";
    }

    String replayH2(boolean byIds) {
        return "INSERT INTO " + messagesTable + " (queue, message_id, priority, ready, run_at, visible_at, created_at, payload) "
                + "SELECT queue, message_id, priority, TRUE, ?, ?, ?, payload FROM OLD TABLE (DELETE FROM "
                + deadLettersTable + " WHERE queue = ?" + (byIds ? " AND id = ANY(?)" : "") + ") ORDER BY id";
    }
}
