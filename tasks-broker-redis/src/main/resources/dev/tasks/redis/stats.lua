-- Counts of one queue. KEYS: the queue's key set. ARGV[1]: now ms.
-- Returns {ready, delayed, in flight, dead}. A message whose lease ran out counts as ready.
local now = ARGV[1]
local total = 0
for i = 1, 10 do
  total = total + redis.call('XLEN', KEYS[i])
end
total = total + redis.call('XLEN', KEYS[12])
local live = redis.call('ZCOUNT', KEYS[11], '(' .. now, '+inf')
local dueDelayed = redis.call('ZCOUNT', KEYS[13], '-inf', now)
local laterDelayed = redis.call('ZCOUNT', KEYS[13], '(' .. now, '+inf')
local ready = total - live
if ready < 0 then
  ready = 0
end
return {ready + dueDelayed, laterDelayed, live, redis.call('XLEN', KEYS[15])}
