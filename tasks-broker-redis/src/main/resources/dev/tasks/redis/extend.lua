-- Extends leases of one queue to a new deadline.
-- KEYS: the queue's key set. ARGV[1]: new deadline ms; then pairs (member, token).
-- Returns the positions (1-based pair index) of the receipts whose lease was lost.
local inflight, leases = KEYS[12], KEYS[11]
local zargs = {}
local lost = {}
for i = 2, #ARGV, 2 do
  local cur = redis.call('HGET', inflight, ARGV[i])
  if cur and string.match(cur, '^(%d+):') == ARGV[i + 1] then
    zargs[#zargs + 1] = ARGV[1]
    zargs[#zargs + 1] = ARGV[i]
  else
    lost[#lost + 1] = i / 2
  end
end
for i = 1, #zargs, 1000 do
  redis.call('ZADD', leases, unpack(zargs, i, math.min(i + 999, #zargs)))
end
return lost
