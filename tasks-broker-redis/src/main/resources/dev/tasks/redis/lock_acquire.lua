-- Takes or renews a leader lock. KEYS[1]: the lock, KEYS[2]: its fencing counter.
-- ARGV: now ms, owner, expires-at ms. Value: '<token>|<expires-at ms>|<owner>'.
-- Returns the fencing token, or nil if another owner holds the lock.
local v = redis.call('GET', KEYS[1])
if v then
  local token, exp, owner = string.match(v, '^(%d+)|(%d+)|(.*)$')
  if exp and tonumber(exp) > tonumber(ARGV[1]) then
    if owner ~= ARGV[2] then
      return nil
    end
    redis.call('SET', KEYS[1], token .. '|' .. ARGV[3] .. '|' .. owner)
    return tonumber(token)
  end
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. '|' .. ARGV[3] .. '|' .. ARGV[2])
return token
