-- Reserves a slot of a rate limit, or hands out a turn to ask again (the contract of
-- ControlStore.reserveRate). KEYS[1]: hash of the key's next free slot 's' and next turn 't' (epoch
-- microseconds). ARGV: now us, interval us, not-before us, horizon us.
-- Returns {1, microseconds from now until the reserved slot} or {0, microseconds from now until the turn}.
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local horizon = tonumber(ARGV[4])
local held = redis.call('HMGET', KEYS[1], 's', 't')
local nxt = tonumber(held[1] or '0')
local line = tonumber(held[2] or '0')
local slot = math.max(nxt, now + tonumber(ARGV[3]))
local answer
if slot - now <= horizon then
  if nxt <= now then
    line = 0 -- the limit was idle: turns handed out before hold no one up
  end
  nxt = slot + interval
  answer = {1, slot - now}
else
  local turn = math.max(line, slot - horizon)
  line = turn + interval
  answer = {0, turn - now}
end
redis.call('HSET', KEYS[1], 's', string.format('%d', nxt), 't', string.format('%d', line))
redis.call('PEXPIRE', KEYS[1], math.floor((math.max(nxt, line) - now) / 1000) + 1000)
return answer
