-- PostgreSQL: arrays bind many rows to one statement; LISTEN/NOTIFY announces enqueues.

-- name: insert
INSERT INTO ${t}messages (queue, message_id, priority, ready, run_at, visible_at, created_at, payload)
SELECT x.q, x.mid, x.pr::smallint, x.ra <= ?, x.ra, x.ra, ?, x.pl
FROM unnest(?::varchar[], ?::varchar[], ?::int[], ?::bigint[], ?::text[]) WITH ORDINALITY
AS x(q, mid, pr, ra, pl, ord) ORDER BY x.ord

-- name: notify
SELECT pg_notify(?, q) FROM unnest(?::varchar[]) AS q

-- name: promote
UPDATE ${t}messages SET ready = TRUE WHERE id = ANY(ARRAY(SELECT id FROM ${t}messages
WHERE NOT ready AND visible_at <= ? ORDER BY visible_at LIMIT ${PROMOTE_BATCH} FOR UPDATE SKIP LOCKED))

-- name: claim_one
UPDATE ${t}messages SET ready = FALSE, visible_at = ?, lease_token = ?, deliveries = deliveries + 1
WHERE id = ANY(ARRAY(SELECT id FROM ${t}messages WHERE ready AND queue = ?
ORDER BY priority DESC, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED))
RETURNING id, queue, message_id, priority, run_at, deliveries, payload

-- Several queues: up to a per-queue limit of rows from each (max shared among the queues that had rows last
-- time), interleaved rank by rank, so a busy queue listed first does not starve the others.
-- name: claim_many
UPDATE ${t}messages SET ready = FALSE, visible_at = ?, lease_token = ?, deliveries = deliveries + 1
WHERE id = ANY(ARRAY(SELECT x.id FROM (SELECT c.id, q.ord, row_number() OVER
(PARTITION BY q.ord ORDER BY c.priority DESC, c.run_at, c.id) AS rn
FROM unnest(?::varchar[]) WITH ORDINALITY AS q(name, ord) CROSS JOIN LATERAL (SELECT id, priority, run_at FROM
${t}messages WHERE ready AND queue = q.name ORDER BY priority DESC, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED) c) x
ORDER BY x.rn, x.ord LIMIT ?))
RETURNING id, queue, message_id, priority, run_at, deliveries, payload

-- Statements that change many leased rows lock them first, in id order (the sub-select's lock step runs
-- after its sort), so that two of them over overlapping rows (a heartbeat and an ack of the same worker, a
-- purge) wait for each other instead of deadlocking; claims and promotion skip locked rows and never wait.
-- name: ack
DELETE FROM ${t}messages WHERE id = ANY(ARRAY(SELECT l.id FROM ${t}messages l
JOIN unnest(?::bigint[], ?::bigint[]) AS a(id, tok) ON l.id = a.id AND l.lease_token = a.tok
ORDER BY l.id FOR UPDATE OF l))

-- name: release
UPDATE ${t}messages SET ready = TRUE, lease_token = NULL WHERE id = ANY(ARRAY(SELECT l.id FROM ${t}messages l
JOIN unnest(?::bigint[], ?::bigint[]) AS a(id, tok) ON l.id = a.id AND l.lease_token = a.tok
ORDER BY l.id FOR UPDATE OF l)) RETURNING queue

-- name: extend
UPDATE ${t}messages SET ready = FALSE, visible_at = ? WHERE id = ANY(ARRAY(SELECT l.id FROM ${t}messages l
JOIN unnest(?::bigint[], ?::bigint[]) AS a(id, tok) ON l.id = a.id AND l.lease_token = a.tok
ORDER BY l.id FOR UPDATE OF l)) RETURNING id, lease_token

-- name: dead_letter
WITH d AS (DELETE FROM ${t}messages WHERE id = ? AND lease_token = ?
RETURNING queue, message_id, priority, payload, deliveries)
INSERT INTO ${t}dead_letters (queue, message_id, priority, payload, reason, deliveries, dead_at)
SELECT queue, message_id, priority, payload, ?, deliveries, ? FROM d

-- name: replay_all
WITH d AS (DELETE FROM ${t}dead_letters WHERE queue = ? RETURNING id, queue, message_id, priority, payload)
INSERT INTO ${t}messages (queue, message_id, priority, ready, run_at, visible_at, created_at, payload)
SELECT queue, message_id, priority, TRUE, ?, ?, ?, payload FROM d ORDER BY id

-- name: replay_ids
WITH d AS (DELETE FROM ${t}dead_letters WHERE queue = ? AND id = ANY(?)
RETURNING id, queue, message_id, priority, payload)
INSERT INTO ${t}messages (queue, message_id, priority, ready, run_at, visible_at, created_at, payload)
SELECT queue, message_id, priority, TRUE, ?, ?, ?, payload FROM d ORDER BY id

-- name: purge
DELETE FROM ${t}messages WHERE id = ANY(ARRAY(SELECT id FROM ${t}messages
WHERE queue = ? AND (ready OR lease_token IS NULL OR visible_at <= ?)
ORDER BY id LIMIT ${PURGE_CHUNK} FOR UPDATE))

-- name: register_queues
INSERT INTO ${t}queues (name, created_at) SELECT q, ? FROM unnest(?::varchar[]) AS q ON CONFLICT (name) DO NOTHING

-- name: idempotency_insert
INSERT INTO ${t}idempotency_keys (idem_key, owner, done, expires_at) VALUES (?, ?, FALSE, ?) ON CONFLICT DO NOTHING

-- name: lock_insert
INSERT INTO ${t}locks (name, owner, fencing_token, expires_at) VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING

-- name: state_upsert
INSERT INTO ${t}state (state_key, state_value, updated_at) VALUES (?, ?, ?) ON CONFLICT (state_key)
DO UPDATE SET state_value = EXCLUDED.state_value, updated_at = EXCLUDED.updated_at

-- name: result_upsert
INSERT INTO ${t}results (task_id, task_name, state, result_value, error, updated_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id) DO UPDATE SET
task_name = EXCLUDED.task_name, state = EXCLUDED.state, result_value = EXCLUDED.result_value,
error = EXCLUDED.error, updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at

-- name: result_notify
SELECT pg_notify(?, ?)

-- name: worker_upsert
INSERT INTO ${t}workers (worker_id, layout, compatible_from, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT
(worker_id) DO UPDATE SET layout = EXCLUDED.layout, compatible_from = EXCLUDED.compatible_from,
expires_at = EXCLUDED.expires_at

-- name: chord_member_insert
INSERT INTO ${t}chord_members (chord_id, member_index, result_value, expires_at) VALUES (?, ?, ?, ?)
ON CONFLICT (chord_id, member_index) DO NOTHING

-- name: chord_increment
INSERT INTO ${t}chords (chord_id, members, expires_at) VALUES (?, 1, ?) ON CONFLICT (chord_id)
DO UPDATE SET members = ${t}chords.members + 1, expires_at = EXCLUDED.expires_at RETURNING members

-- name: revoke
INSERT INTO ${t}revocations (task_id, terminate, expires_at) VALUES (?, ?, ?) ON CONFLICT (task_id) DO UPDATE SET
terminate = EXCLUDED.terminate OR (${t}revocations.terminate AND ${t}revocations.expires_at > ?),
expires_at = EXCLUDED.expires_at

-- Returns the row's next slot as it was before; parameters: (earliest, latest, earliest, step) twice, the key twice.
-- name: rate_advance
UPDATE ${t}rate_limits AS r SET
next_slot = CASE WHEN GREATEST(o.next_slot, ?) <= ? THEN GREATEST(o.next_slot, ?) + ? ELSE o.next_slot END,
expires_at = CASE WHEN GREATEST(o.next_slot, ?) <= ? THEN (GREATEST(o.next_slot, ?) + ?) / 1000 + 1 ELSE r.expires_at END
FROM (SELECT next_slot FROM ${t}rate_limits WHERE rate_key = ? FOR UPDATE) AS o
WHERE r.rate_key = ? RETURNING o.next_slot

-- name: rate_insert
INSERT INTO ${t}rate_limits (rate_key, next_slot, expires_at) VALUES (?, 0, 0) ON CONFLICT (rate_key) DO NOTHING

-- name: concurrency_limit_insert
INSERT INTO ${t}concurrency_limits (name) VALUES (?) ON CONFLICT (name) DO NOTHING

-- name: outbox_select
SELECT id, message_id, queue, priority, not_before, payload FROM ${t}outbox ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED
