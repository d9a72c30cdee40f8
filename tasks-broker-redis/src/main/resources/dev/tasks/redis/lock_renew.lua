-- Extends a held lease. KEYS[1]: the lock. ARGV: now ms, owner, token, expires-at ms.
-- Returns 1 if extended, 0 if the lease was lost (released, or expired and taken by a newer grant).
local v = redis.call('GET', KEYS[1])
if not v then
  return 0
end
local token, exp, owner = string.match(v, '^(%d+)|(%d+)|(.*)$')
if token ~= ARGV[3] or owner ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], token .. '|' .. ARGV[4] .. '|' .. owner)
return 1
