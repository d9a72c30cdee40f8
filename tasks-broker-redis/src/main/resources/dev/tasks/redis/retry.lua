-- Replaces a leased message by its next attempt, atomically: the current entry is acknowledged and
-- deleted, and the new payload published (delayed if due later). A stale receipt changes nothing.
-- KEYS: the queue's key set.
-- ARGV: now ms, group, member, token, id, payload, due ms.
-- Returns 1 if replaced, 0 if the receipt was stale.
local inflight, leases = KEYS[12], KEYS[11]
local member = ARGV[3]
local cur = redis.call('HGET', inflight, member)
if not (cur and string.match(cur, '^(%d+):') == ARGV[4]) then
  return 0
end
local level = tonumber(string.sub(member, 1, 1))
local eid = string.sub(member, 3)
redis.pcall('XACK', KEYS[level + 1], ARGV[2], eid)
redis.call('XDEL', KEYS[level + 1], eid)
redis.call('HDEL', inflight, member)
redis.call('ZREM', leases, member)
local id, payload = ARGV[5], ARGV[6]
if tonumber(ARGV[7]) > tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[14], id, level .. '|' .. payload)
  redis.call('ZADD', KEYS[13], ARGV[7], id)
else
  redis.call('XADD', KEYS[level + 1], '*', 'id', id, 'p', payload, 't', ARGV[1])
end
return 1
