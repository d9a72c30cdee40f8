-- H2: no SKIP LOCKED that applies after LIMIT, no RETURNING; data-change delta tables (FINAL TABLE, OLD TABLE)
-- return what a statement changed.

-- name: promote
UPDATE ${t}messages SET ready = TRUE WHERE NOT ready AND visible_at <= ?

-- H2 reads rows in index order (and stops at the limit) only when the ORDER BY starts with the index's
-- leading columns, even those fixed by the WHERE; without them it sorts every ready row of the queue.
-- name: candidates
SELECT id FROM ${t}messages WHERE queue = ? AND ready = TRUE ORDER BY queue, ready, priority DESC, run_at, id LIMIT ?

-- Over AUTO_SERVER, H2's client sends an auto-commit statement again after it reconnects to a new host, even
-- when the old host had committed it before exiting: rows already leased under this claim's own token are
-- claimed again (and counted once), never left leased with nobody holding them.
-- name: claim
SELECT id, queue, message_id, priority, run_at, deliveries, payload FROM FINAL TABLE (UPDATE ${t}messages
SET deliveries = CASE WHEN lease_token = ? THEN deliveries ELSE deliveries + 1 END, ready = FALSE,
visible_at = ?, lease_token = ? WHERE id = ANY(?) AND (ready OR lease_token = ?))

-- name: dead_letter
INSERT INTO ${t}dead_letters (queue, message_id, priority, payload, reason, deliveries, dead_at)
SELECT queue, message_id, priority, payload, ?, deliveries, ? FROM OLD TABLE
(DELETE FROM ${t}messages WHERE id = ? AND lease_token = ?)

-- name: replay_all
INSERT INTO ${t}messages (queue, message_id, priority, ready, run_at, visible_at, created_at, payload)
SELECT queue, message_id, priority, TRUE, ?, ?, ?, payload FROM OLD TABLE (DELETE FROM ${t}dead_letters
WHERE queue = ?) ORDER BY id

-- name: replay_ids
INSERT INTO ${t}messages (queue, message_id, priority, ready, run_at, visible_at, created_at, payload)
SELECT queue, message_id, priority, TRUE, ?, ?, ?, payload FROM OLD TABLE (DELETE FROM ${t}dead_letters
WHERE queue = ? AND id = ANY(?)) ORDER BY id

-- H2 would run an IN (subquery) once per candidate row; it has a row limit on DELETE instead.
-- name: purge
DELETE FROM ${t}messages WHERE queue = ? AND (ready OR lease_token IS NULL OR visible_at <= ?)
FETCH FIRST ${PURGE_CHUNK} ROWS ONLY

-- H2's MERGE is not atomic against a concurrent one for the same new name: both may insert, and the second
-- then fails on the primary key.
-- name: register_queue
MERGE INTO ${t}queues t USING (VALUES (CAST(? AS VARCHAR(200)), CAST(? AS BIGINT))) s(name, created_at)
ON t.name = s.name WHEN NOT MATCHED THEN INSERT (name, created_at) VALUES (s.name, s.created_at)

-- name: state_upsert
MERGE INTO ${t}state (state_key, state_value, updated_at) KEY (state_key) VALUES (?, ?, ?)

-- name: result_upsert
MERGE INTO ${t}results (task_id, task_name, state, result_value, error, updated_at, expires_at) KEY (task_id)
VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: worker_upsert
MERGE INTO ${t}workers (worker_id, layout, compatible_from, expires_at) KEY (worker_id) VALUES (?, ?, ?, ?)

-- name: revocation_lock
SELECT terminate, expires_at FROM ${t}revocations WHERE task_id = ? FOR UPDATE

-- name: revocation_merge
MERGE INTO ${t}revocations (task_id, terminate, expires_at) KEY (task_id) VALUES (?, ?, ?)

-- The SET expressions see the row as it was, and OLD TABLE returns it so.
-- name: rate_advance
SELECT next_slot FROM OLD TABLE (UPDATE ${t}rate_limits SET
next_slot = CASE WHEN GREATEST(next_slot, ?) <= ? THEN GREATEST(next_slot, ?) + ? ELSE next_slot END,
expires_at = CASE WHEN GREATEST(next_slot, ?) <= ? THEN (GREATEST(next_slot, ?) + ?) / 1000 + 1 ELSE expires_at END
WHERE rate_key = ?)

-- name: concurrency_limit_insert
MERGE INTO ${t}concurrency_limits (name) KEY (name) VALUES (?)

-- H2 locks every row for FOR UPDATE before LIMIT applies; relays on H2 take turns.
-- name: outbox_select
SELECT id, message_id, queue, priority, not_before, payload FROM ${t}outbox ORDER BY id LIMIT ? FOR UPDATE
