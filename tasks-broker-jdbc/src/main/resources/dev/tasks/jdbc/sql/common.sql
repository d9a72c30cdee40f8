-- Statements every dialect runs as they are; a dialect's own file may replace any of them.
-- ${t} is the schema-qualified table prefix.

-- name: retry
UPDATE ${t}messages SET payload = ?, ready = ?, run_at = ?, visible_at = ?, lease_token = NULL, deliveries = 0
WHERE id = ? AND lease_token = ?

-- Rows a claim may have leased though its caller saw it fail (the server committed, then the connection broke
-- before the reply): back to the queue, their delivery not counted.
-- name: release_in_doubt
UPDATE ${t}messages SET ready = TRUE, visible_at = ?, lease_token = NULL,
deliveries = CASE WHEN deliveries > 0 THEN deliveries - 1 ELSE 0 END WHERE lease_token = ?

-- The next time, after now, that a row that is not ready comes due (delayed, backing off, or leased): the
-- waiting fetch sleeps until then at most. Rows due already are the claim's to promote. Reads the index on
-- visible_at of rows that are not ready.
-- name: next_due
SELECT MIN(visible_at) FROM ${t}messages WHERE NOT ready AND visible_at > ?

-- Queue first: H2 then reads the index in order.
-- name: dead_letters
SELECT id, queue, message_id, payload, reason, deliveries, dead_at FROM ${t}dead_letters
WHERE queue = ? ORDER BY queue, id LIMIT ?

-- name: purge_dead
DELETE FROM ${t}dead_letters WHERE queue = ?

-- name: stats
SELECT COALESCE(SUM(CASE WHEN ready OR visible_at <= ? THEN 1 ELSE 0 END), 0),
COALESCE(SUM(CASE WHEN NOT ready AND lease_token IS NULL AND visible_at > ? THEN 1 ELSE 0 END), 0),
COALESCE(SUM(CASE WHEN NOT ready AND lease_token IS NOT NULL AND visible_at > ? THEN 1 ELSE 0 END), 0),
(SELECT COUNT(*) FROM ${t}dead_letters WHERE queue = ?) FROM ${t}messages WHERE queue = ?

-- Delayed rows (waiting, no lease) due after now, soonest first: for operators, through the waiting index.
-- name: delayed
SELECT message_id, priority, visible_at, payload FROM ${t}messages
WHERE queue = ? AND NOT ready AND lease_token IS NULL AND visible_at > ? ORDER BY visible_at, id LIMIT ?

-- name: queues
SELECT name FROM ${t}queues

-- name: instance_id
SELECT id FROM ${t}instance

-- Row-at-a-time settlement (dialects without arrays): one statement per receipt, in id order.
-- name: ack_one
DELETE FROM ${t}messages WHERE id = ? AND lease_token = ?

-- name: release_one
UPDATE ${t}messages SET ready = TRUE, lease_token = NULL WHERE id = ? AND lease_token = ?

-- name: extend_one
UPDATE ${t}messages SET ready = FALSE, visible_at = ? WHERE id = ? AND lease_token = ?

-- name: insert_one
INSERT INTO ${t}messages (queue, message_id, priority, ready, run_at, visible_at, created_at, payload)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- Inserts of rows that may exist already (a concurrent insert of the same key): a duplicate is either
-- skipped by the statement or fails with a duplicate-key error that the caller treats as "exists".
-- name: idempotency_insert
INSERT INTO ${t}idempotency_keys (idem_key, owner, done, expires_at) VALUES (?, ?, FALSE, ?)

-- name: lock_insert
INSERT INTO ${t}locks (name, owner, fencing_token, expires_at) VALUES (?, ?, 1, ?)

-- name: chord_member_insert
INSERT INTO ${t}chord_members (chord_id, member_index, result_value, expires_at) VALUES (?, ?, ?, ?)

-- name: rate_insert
INSERT INTO ${t}rate_limits (rate_key, next_slot, expires_at) VALUES (?, 0, 0)

-- name: chord_update
UPDATE ${t}chords SET members = members + 1, expires_at = ? WHERE chord_id = ?

-- name: chord_members
SELECT members FROM ${t}chords WHERE chord_id = ?

-- name: chord_insert
INSERT INTO ${t}chords (chord_id, members, expires_at) VALUES (?, 1, ?)

-- name: outbox_select
SELECT id, message_id, queue, priority, not_before, payload FROM ${t}outbox ORDER BY id LIMIT ? FOR UPDATE

-- name: outbox_delete
DELETE FROM ${t}outbox WHERE id = ANY(?)
