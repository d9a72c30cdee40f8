-- Publishes messages to one queue, atomically.
-- KEYS: the queue's key set (see QueueKeys); a delayed message that becomes the queue's earliest adds an
-- entry to its wake stream (see queue.lua). ARGV[1]: now (ms); then groups of
-- (id, level, due ms or 0, published-at ms, payload). Due messages are appended to the stream of their
-- level; later ones go to the delayed set, with their level and payload in the delayed-data hash.
local now = tonumber(ARGV[1])
local zargs = {}
local hargs = {}
for i = 2, #ARGV, 5 do
  local id, level, due, at, payload = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), ARGV[i + 3], ARGV[i + 4]
  if due > now then
    hargs[#hargs + 1] = id
    hargs[#hargs + 1] = level .. '|' .. payload
    zargs[#zargs + 1] = ARGV[i + 2]
    zargs[#zargs + 1] = id
  else
    redis.call('XADD', KEYS[level + 1], '*', 'id', id, 'p', payload, 't', at)
  end
end
local before = nil
if #zargs > 0 then
  before = earliestDelayed()
end
for i = 1, #hargs, 1000 do
  redis.call('HSET', KEYS[12], unpack(hargs, i, math.min(i + 999, #hargs)))
  redis.call('ZADD', KEYS[11], unpack(zargs, i, math.min(i + 999, #zargs)))
end
if #zargs > 0 then
  wakeIfEarlier(before)
end
return (#ARGV - 1) / 5
