-- Extends leases of one queue to a new deadline.
-- KEYS: the queue's key set. ARGV[1]: new deadline ms; then members.
-- Returns the positions (1-based member index) of the receipts whose lease was lost: the delivery was
-- acknowledged, or its message delivered again (a new delivery is a new member).
local leases = KEYS[11]
local zargs = {}
local lost = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', leases, ARGV[i]) then
    zargs[#zargs + 1] = ARGV[1]
    zargs[#zargs + 1] = ARGV[i]
  else
    lost[#lost + 1] = i - 1
  end
end
for i = 1, #zargs, 1000 do
  redis.call('ZADD', leases, unpack(zargs, i, math.min(i + 999, #zargs)))
end
return lost
