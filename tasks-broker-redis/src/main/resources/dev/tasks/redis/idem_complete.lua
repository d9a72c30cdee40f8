-- Marks a key done, converting the owner's claim. A key claimed by another owner is left alone; a key
-- whose claim lapsed and was not taken is marked done, since the run did finish.
-- KEYS[1]: the key. ARGV: now ms, owner, retention ms, expires-at ms. Returns 1 if marked, 0 if not.
local v = redis.call('GET', KEYS[1])
if v then
  local state, exp, owner = string.match(v, '^(%a)|(%d+)|(.*)$')
  if state == 'd' then
    return 0
  end
  if owner ~= ARGV[2] and exp and tonumber(exp) > tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], 'd|' .. ARGV[4] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1
