-- Which task ids are revoked. KEYS as in revoke.lua. ARGV: now ms, ids...
-- Returns a flat list: id, flag, id, flag... for the live revocations.
local now = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV do
  local until_ms = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if until_ms and tonumber(until_ms) > now then
    out[#out + 1] = ARGV[i]
    out[#out + 1] = redis.call('HGET', KEYS[2], ARGV[i]) or '0'
  end
end
return out
