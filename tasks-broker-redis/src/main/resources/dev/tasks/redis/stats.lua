-- Counts of one queue. KEYS: the queue's key set. ARGV: now ms, group.
-- Returns {ready, delayed, in flight, dead}. A message whose lease ran out counts as ready.
local now, group = ARGV[1], ARGV[2]
local total, live = 0, 0
local streams = streamsWithEntries()
for _, s in ipairs(streams) do
  total = total + redis.call('XLEN', s[1])
end
for _, h in ipairs(holdings(group, streams)) do
  live = live + h[4] - #ranOut(h, group, h[4])
end
local dueDelayed = redis.call('ZCOUNT', KEYS[11], '-inf', now)
local laterDelayed = redis.call('ZCOUNT', KEYS[11], '(' .. now, '+inf')
local ready = total - live
if ready < 0 then
  ready = 0
end
return {ready + dueDelayed, laterDelayed, live, redis.call('XLEN', KEYS[13])}
