-- Moves a leased message to the queue's dead-letter stream with the reason and its delivery count.
-- KEYS: the queue's key set.
-- ARGV: now ms, group, member, token, reason, payload as delivered, id as delivered ('' if none).
-- Returns 1 if dead-lettered, 0 if the receipt was stale.
local inflight, leases = KEYS[12], KEYS[11]
local member = ARGV[3]
local cur = redis.call('HGET', inflight, member)
if not (cur and string.match(cur, '^(%d+):') == ARGV[4]) then
  return 0
end
local level = tonumber(string.sub(member, 1, 1))
local eid = string.sub(member, 3)
local count = string.match(cur, ':(%d+)$')
redis.pcall('XACK', KEYS[level + 1], ARGV[2], eid)
redis.call('XDEL', KEYS[level + 1], eid)
redis.call('HDEL', inflight, member)
redis.call('ZREM', leases, member)
if ARGV[7] == '' then
  redis.call('XADD', KEYS[16], '*', 'p', ARGV[6], 'r', ARGV[5], 'n', count, 'l', level, 'at', ARGV[1])
else
  redis.call('XADD', KEYS[16], '*', 'id', ARGV[7], 'p', ARGV[6], 'r', ARGV[5], 'n', count, 'l', level, 'at', ARGV[1])
end
return 1
