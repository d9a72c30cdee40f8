-- Gives up the owner's claim. KEYS[1]: the key. ARGV[1]: owner. Returns 1 if released.
local v = redis.call('GET', KEYS[1])
if not v then
  return 0
end
local state, exp, owner = string.match(v, '^(%a)|(%d+)|(.*)$')
if state == 'c' and owner == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
