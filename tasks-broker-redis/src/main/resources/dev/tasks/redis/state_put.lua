-- Writes a state value if the lease is still current: same token and owner, not expired.
-- KEYS[1]: the lock, KEYS[2]: the state key. ARGV: now ms, owner, token, value. Returns 1 if written.
local v = redis.call('GET', KEYS[1])
if not v then
  return 0
end
local token, exp, owner = string.match(v, '^(%d+)|(%d+)|(.*)$')
if token ~= ARGV[3] or owner ~= ARGV[2] or tonumber(exp) <= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[2], ARGV[4])
return 1
