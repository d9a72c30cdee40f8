-- The live revocations, if there are few. KEYS as in revoke.lua. ARGV: now ms, max.
-- Returns {version, count, id, expiry ms, flag, id, expiry ms, flag, ...}; when more than max are live,
-- just {version, -1}.
local version = redis.call('GET', KEYS[3]) or '0'
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]) + 1)
local n = #live / 2
if n > tonumber(ARGV[2]) then
  return {version, -1}
end
local out = {version, n}
for i = 1, #live, 2 do
  out[#out + 1] = live[i]
  out[#out + 1] = live[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], live[i]) or '0'
end
return out
