-- Counts of one queue. KEYS: the queue's key set. ARGV[1]: now ms.
-- Returns {ready, delayed, in flight, dead}. A message whose lease ran out counts as ready.
local now = ARGV[1]
local total = 0
for level = 0, 9 do
  total = total + redis.call('XLEN', KEYS[level + 1]) + redis.call('XLEN', KEYS[level + 15])
end
local live = redis.call('ZCOUNT', KEYS[11], '(' .. now, '+inf')
local dueDelayed = redis.call('ZCOUNT', KEYS[12], '-inf', now)
local laterDelayed = redis.call('ZCOUNT', KEYS[12], '(' .. now, '+inf')
local ready = total - live
if ready < 0 then
  ready = 0
end
return {ready + dueDelayed, laterDelayed, live, redis.call('XLEN', KEYS[14])}
