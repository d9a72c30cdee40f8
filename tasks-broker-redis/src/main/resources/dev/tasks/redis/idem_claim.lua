-- Claims an idempotency key. KEYS[1]: the key. ARGV: now ms, owner, ttl ms, expires-at ms, then any number
-- of owner prefixes whose running claims are taken over (runs known to be dead).
-- Value: '<c|d>|<expires-at ms>|<owner>' (c: claimed, d: done). Returns CLAIMED, IN_PROGRESS or DONE.
local v = redis.call('GET', KEYS[1])
if v then
  local state, exp, owner = string.match(v, '^(%a)|(%d+)|(.*)$')
  if exp and tonumber(exp) > tonumber(ARGV[1]) then
    if state == 'd' then
      return 'DONE'
    end
    if owner ~= ARGV[2] then
      local dead = false
      for i = 5, #ARGV do
        if string.sub(owner, 1, #ARGV[i]) == ARGV[i] then
          dead = true
          break
        end
      end
      if not dead then
        return 'IN_PROGRESS'
      end
    end
  end
end
redis.call('SET', KEYS[1], 'c|' .. ARGV[4] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 'CLAIMED'
