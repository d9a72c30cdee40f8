-- Gives leased messages of one queue back at once: the lease is marked as run out (deadline 0) and the
-- token cleared, so the next fetch redelivers the message and the old receipt is stale.
-- KEYS: the queue's key set. ARGV: pairs (member, token). Returns how many were released.
local inflight, leases = KEYS[12], KEYS[11]
local n = 0
for i = 1, #ARGV, 2 do
  local cur = redis.call('HGET', inflight, ARGV[i])
  if cur and string.match(cur, '^(%d+):') == ARGV[i + 1] then
    redis.call('HSET', inflight, ARGV[i], '0:' .. string.match(cur, ':(%d+)$'))
    redis.call('ZADD', leases, 0, ARGV[i])
    n = n + 1
  end
end
return n
