-- Deletes up to `limit` ready messages of one queue (never delivered, or whose lease ran out), and all
-- of its delayed messages. Messages whose lease still runs are kept.
-- KEYS: the queue's key set. ARGV: group, limit.
-- Returns {deleted, more} where more is 1 if the limit was reached.
local group, limit = ARGV[1], tonumber(ARGV[2])
local deleted = 0
-- Leases that ran out.
for _, member in ipairs(expired(group, limit)) do
  deleted = deleted + forget(member, group)
end
-- Never delivered: read for a consumer that holds no lease, and deleted at once.
for _, s in ipairs(streamsWithEntries()) do
  while deleted < limit do
    local ids = {}
    for _, entry in ipairs(readGroup(s[1], group, 'l0', limit - deleted)) do
      ids[#ids + 1] = entry[1]
    end
    if #ids == 0 then
      break
    end
    redis.call('XACK', s[1], group, unpack(ids))
    redis.call('XDEL', s[1], unpack(ids))
    deleted = deleted + #ids
  end
end
local more = 0
if deleted >= limit then
  more = 1
end
-- Delayed.
deleted = deleted + redis.call('ZCARD', KEYS[11])
redis.call('DEL', KEYS[11], KEYS[12])
return {deleted, more}
