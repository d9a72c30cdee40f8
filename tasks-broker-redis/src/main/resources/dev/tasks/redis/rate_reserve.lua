-- Reserves the next slot of a rate limit (generic cell rate, no burst). KEYS[1]: the key's next free slot
-- (epoch microseconds). ARGV: now us, interval us. Returns microseconds from now until the reserved slot.
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = tat
if slot < now then
  slot = now
end
local nxt = slot + interval
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', string.format('%d', math.floor((nxt - now) / 1000) + 1000))
return slot - now
