-- Gives leased messages of one queue back at once: the lease is marked as run out (deadline 0), so the
-- next fetch delivers the message again, as a new delivery with a new receipt.
-- KEYS: the queue's key set. ARGV: members. Returns how many were released.
local leases = KEYS[11]
local n = 0
for i = 1, #ARGV do
  if redis.call('ZSCORE', leases, ARGV[i]) then
    redis.call('ZADD', leases, 0, ARGV[i])
    n = n + 1
  end
end
return n
