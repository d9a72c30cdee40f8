-- MariaDB 10.6+ / MySQL 8: no arrays, no RETURNING on UPDATE, no NOTIFY. A claim locks its rows with
-- SELECT ... FOR UPDATE SKIP LOCKED and leases them by id in the same transaction; ${ids} stands for a
-- list of placeholders the dialect fills in. Statements that may meet an existing key either take the row
-- lock at once (ON DUPLICATE KEY UPDATE) or fail on the key, which the caller treats as "exists" (the
-- transaction stays usable).

-- Due delayed rows and expired leases, locked; rows another transaction holds are left for later.
-- name: promote_select
SELECT id FROM ${t}messages WHERE ready = FALSE AND visible_at <= ? ORDER BY visible_at
LIMIT ${PROMOTE_BATCH} FOR UPDATE SKIP LOCKED

-- name: promote
UPDATE ${t}messages SET ready = TRUE WHERE id IN (${ids})

-- The ready index (queue, ready, priority DESC, run_at, id) serves the order: only the rows taken are locked.
-- name: candidates
SELECT id, queue, message_id, priority, run_at, deliveries, payload FROM ${t}messages
WHERE queue = ? AND ready = TRUE ORDER BY priority DESC, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED

-- name: claim
UPDATE ${t}messages SET ready = FALSE, visible_at = ?, lease_token = ?, deliveries = deliveries + 1
WHERE id IN (${ids})

-- name: dead_letter_select
SELECT queue, message_id, priority, payload, deliveries FROM ${t}messages WHERE id = ? AND lease_token = ?
FOR UPDATE

-- name: dead_letter_insert
INSERT INTO ${t}dead_letters (queue, message_id, priority, payload, reason, deliveries, dead_at)
VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: delete_message
DELETE FROM ${t}messages WHERE id = ?

-- name: replay_select_all
SELECT id, message_id, priority, payload FROM ${t}dead_letters WHERE queue = ? ORDER BY queue, id
LIMIT ${PROMOTE_BATCH} FOR UPDATE

-- name: replay_select_ids
SELECT id, message_id, priority, payload FROM ${t}dead_letters WHERE queue = ? AND id IN (${ids}) ORDER BY id
FOR UPDATE

-- name: delete_dead_letter
DELETE FROM ${t}dead_letters WHERE id = ?

-- name: purge
DELETE FROM ${t}messages WHERE queue = ? AND (ready OR lease_token IS NULL OR visible_at <= ?)
ORDER BY id LIMIT ${PURGE_CHUNK}

-- name: register_queue
INSERT INTO ${t}queues (name, created_at) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = name

-- Inserts of keys that may exist: an existing key inserts nothing (0 rows), without an error (the driver
-- logs every error the server returns). A concurrent insert of the same new key still fails on the key,
-- which the caller treats as "exists". (ON DUPLICATE KEY UPDATE cannot tell: it counts a found row as 1.)
-- name: idempotency_insert
INSERT INTO ${t}idempotency_keys (idem_key, owner, done, expires_at)
SELECT v.k, v.o, FALSE, v.e FROM (SELECT ? AS k, ? AS o, ? AS e) AS v
WHERE NOT EXISTS (SELECT 1 FROM ${t}idempotency_keys WHERE idem_key = v.k)

-- name: lock_insert
INSERT INTO ${t}locks (name, owner, fencing_token, expires_at)
SELECT v.n, v.o, 1, v.e FROM (SELECT ? AS n, ? AS o, ? AS e) AS v
WHERE NOT EXISTS (SELECT 1 FROM ${t}locks WHERE name = v.n)

-- name: chord_member_insert
INSERT INTO ${t}chord_members (chord_id, member_index, result_value, expires_at)
SELECT v.c, v.i, v.r, v.e FROM (SELECT ? AS c, ? AS i, ? AS r, ? AS e) AS v
WHERE NOT EXISTS (SELECT 1 FROM ${t}chord_members WHERE chord_id = v.c AND member_index = v.i)

-- name: rate_insert
INSERT INTO ${t}rate_limits (rate_key, next_slot, expires_at)
SELECT v.k, 0, 0 FROM (SELECT ? AS k) AS v WHERE NOT EXISTS (SELECT 1 FROM ${t}rate_limits WHERE rate_key = v.k)

-- name: state_upsert
INSERT INTO ${t}state (state_key, state_value, updated_at) VALUES (?, ?, ?)
ON DUPLICATE KEY UPDATE state_value = VALUES(state_value), updated_at = VALUES(updated_at)

-- name: result_upsert
INSERT INTO ${t}results (task_id, task_name, state, result_value, error, updated_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE
task_name = VALUES(task_name), state = VALUES(state), result_value = VALUES(result_value),
error = VALUES(error), updated_at = VALUES(updated_at), expires_at = VALUES(expires_at)

-- name: worker_upsert
INSERT INTO ${t}workers (worker_id, layout, compatible_from, expires_at) VALUES (?, ?, ?, ?)
ON DUPLICATE KEY UPDATE layout = VALUES(layout), compatible_from = VALUES(compatible_from),
expires_at = VALUES(expires_at)

-- The row lock is taken at once (no shared lock from a failed insert to upgrade, which deadlocks).
-- name: chord_upsert
INSERT INTO ${t}chords (chord_id, members, expires_at) VALUES (?, 1, ?)
ON DUPLICATE KEY UPDATE members = members + 1, expires_at = VALUES(expires_at)

-- name: chord_members
SELECT members FROM ${t}chords WHERE chord_id = ?

-- Assignments run left to right: terminate is computed from the row's old expires_at.
-- name: revoke
INSERT INTO ${t}revocations (task_id, terminate, expires_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE
terminate = VALUES(terminate) OR (terminate AND expires_at > ?), expires_at = VALUES(expires_at)

-- name: rate_lock
SELECT next_slot FROM ${t}rate_limits WHERE rate_key = ? FOR UPDATE

-- Parameters: (earliest, latest, earliest, step) twice, then the key; run after rate_lock in its transaction.
-- name: rate_advance
UPDATE ${t}rate_limits SET
expires_at = CASE WHEN GREATEST(next_slot, ?) <= ? THEN (GREATEST(next_slot, ?) + ?) DIV 1000 + 1 ELSE expires_at END,
next_slot = CASE WHEN GREATEST(next_slot, ?) <= ? THEN GREATEST(next_slot, ?) + ? ELSE next_slot END
WHERE rate_key = ?

-- name: concurrency_limit_insert
INSERT INTO ${t}concurrency_limits (name) VALUES (?) ON DUPLICATE KEY UPDATE name = name

-- name: outbox_select
SELECT id, message_id, queue, priority, not_before, payload FROM ${t}outbox ORDER BY id LIMIT ?
FOR UPDATE SKIP LOCKED

-- name: outbox_delete
DELETE FROM ${t}outbox WHERE id = ?

-- Settlements of many receipts: one statement, the rows locked in id order (so that two settlements over
-- overlapping rows wait for each other instead of deadlocking); ${ids} stands for the ids, ${pairs} for the
-- (id, token) pairs. The id list makes the server read the primary key: a single pair alone reads (and
-- locks) the whole table.
-- name: ack_pairs
DELETE FROM ${t}messages WHERE id IN (${ids}) AND (id, lease_token) IN (${pairs}) ORDER BY id

-- name: release_pairs
UPDATE ${t}messages SET ready = TRUE, lease_token = NULL WHERE id IN (${ids}) AND (id, lease_token) IN (${pairs})
ORDER BY id
