-- Extends the owner's claim. KEYS[1]: the key. ARGV: now ms, owner, ttl ms, expires-at ms.
-- Returns 1 if renewed, 0 if the owner no longer holds the key.
local v = redis.call('GET', KEYS[1])
if not v then
  return 0
end
local state, exp, owner = string.match(v, '^(%a)|(%d+)|(.*)$')
if state ~= 'c' or owner ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], 'c|' .. ARGV[4] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1
