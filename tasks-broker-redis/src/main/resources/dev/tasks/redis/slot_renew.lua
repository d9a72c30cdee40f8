-- Extends concurrency-slot leases. KEYS[1]: zset holder -> lease end ms. ARGV: now ms, lease end ms, key ttl ms,
-- holders... Returns the holders whose slot was gone.
local now = tonumber(ARGV[1])
local lost = {}
for i = 4, #ARGV do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if s and tonumber(s) > now then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[i])
  else
    if s then
      redis.call('ZREM', KEYS[1], ARGV[i])
    end
    lost[#lost + 1] = ARGV[i]
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return lost
