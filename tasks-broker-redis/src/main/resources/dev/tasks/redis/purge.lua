-- Deletes up to `limit` ready messages of one queue (never delivered, or whose lease ran out), and all
-- of its delayed messages. In-flight messages are kept.
-- KEYS: the queue's key set. ARGV: now ms, group, consumer, limit.
-- Returns {deleted, more} where more is 1 if the limit was reached.
local now, group, consumer, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local leases = KEYS[11]
local deleted = 0
-- Leases that ran out.
local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, limit)
for _, member in ipairs(expired) do
  deleted = deleted + forget(member, group)
end
-- Never delivered: the ten level streams and the ten redelivery streams (those with entries).
local streams = {}
for level = 0, 9 do
  streams[#streams + 1] = KEYS[level + 1]
  streams[#streams + 1] = KEYS[level + 15]
end
for _, stream in ipairs(streams) do
  while deleted < limit and redis.call('XLEN', stream) > 0 do
    local ids = {}
    for _, entry in ipairs(readGroup(stream, group, consumer, limit - deleted)) do
      ids[#ids + 1] = entry[1]
    end
    if #ids == 0 then
      break
    end
    redis.call('XACK', stream, group, unpack(ids))
    redis.call('XDEL', stream, unpack(ids))
    deleted = deleted + #ids
  end
end
local more = 0
if deleted >= limit then
  more = 1
end
-- Delayed.
deleted = deleted + redis.call('ZCARD', KEYS[12])
redis.call('DEL', KEYS[12], KEYS[13])
return {deleted, more}
