-- Revokes task ids. KEYS[1]: zset id -> expiry ms; KEYS[2]: hash id -> terminate flag ('1'/'0'); KEYS[3]:
-- the version of the set, incremented by every revocation.
-- ARGV: now ms, id, terminate ('1'/'0'), expiry ms. A live terminate flag is never downgraded.
-- Also forgets up to 100 expired revocations.
local now = tonumber(ARGV[1])
local old = redis.call('ZSCORE', KEYS[1], ARGV[2])
local flag = ARGV[3]
if old and tonumber(old) > now and redis.call('HGET', KEYS[2], ARGV[2]) == '1' then
  flag = '1'
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], flag)
redis.call('INCR', KEYS[3])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
return 1
