-- Releases a lease if it is still the current one. KEYS[1]: the lock. ARGV: owner, token.
local v = redis.call('GET', KEYS[1])
if not v then
  return 0
end
local token, exp, owner = string.match(v, '^(%d+)|(%d+)|(.*)$')
if token == ARGV[2] and owner == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
