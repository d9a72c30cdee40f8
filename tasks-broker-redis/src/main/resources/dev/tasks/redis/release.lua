-- Gives leased messages of one queue back at once: each is delivered again, as a new entry of its level's
-- redelivery stream (so before the level's fresh messages), with a new receipt.
-- KEYS: the queue's key set. ARGV: group, count increment ('1': the release counts as a delivery; '0': the
-- delivery never reached a task), then members. Returns how many were released.
local group, increment = ARGV[1], tonumber(ARGV[2])
local n = 0
for i = 3, #ARGV do
  if pending(ARGV[i], group) then
    redeliver(ARGV[i], group, increment)
    n = n + 1
  end
end
return n
