-- Leases up to max due messages of one queue, highest priority level first; within a level, messages
-- whose lease ran out (or that were released) go before fresh ones. First moves due delayed messages to
-- their streams, a batch at a time, and (when asked) delivers again the messages whose lease ran out.
--
-- Every delivery is its own stream entry: a message whose lease ran out is copied to its level's
-- redelivery stream (with its next delivery count) and its old entry deleted, so the old receipt names an
-- entry that no longer exists and a stale ack or extension cannot touch the new delivery.
-- KEYS: the queue's key set (see queue.lua).
-- ARGV: now ms, max, group, consumer ('l<lease ms>'), move batch size, reclaim ('1': look for leases that
-- ran out; '0': not this time).
-- Returns {taken, wake}: taken is a list of {stream, entries}, where stream is 'r0'..'r9' (a level's
-- redeliveries, whose fields carry the delivery count 'n') or '0'..'9' (a level's fresh messages), and
-- entries are as XREADGROUP returns them, {entry id, fields}; wake is empty unless nothing was delivered,
-- then {next delayed due ms or '', next lease deadline ms or '' (not looked for unless reclaiming),
-- last entry id of each level's stream 0..9, last entry id of each level's redelivery stream 0..9, last
-- entry id of the wake stream}.
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local group, consumer = ARGV[3], ARGV[4]
local moveLimit = tonumber(ARGV[5])
local reclaim = ARGV[6] == '1'
local delayed, ddata = KEYS[11], KEYS[12]

-- 1. Due delayed messages become ready.
local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'WITHSCORES', 'LIMIT', 0, moveLimit)
if #due > 0 then
  local members = {}
  for i = 1, #due, 2 do
    local id = due[i]
    local v = redis.call('HGET', ddata, id)
    if v then
      local level = tonumber(string.sub(v, 1, 1))
      redis.call('XADD', KEYS[level + 1], '*', 'id', id, 'p', string.sub(v, 3), 't', due[i + 1])
    end
    members[#members + 1] = id
  end
  for i = 1, #members, 1000 do
    local last = math.min(i + 999, #members)
    redis.call('ZREM', delayed, unpack(members, i, last))
    redis.call('HDEL', ddata, unpack(members, i, last))
  end
end

-- 2. Leases that ran out: their messages are delivered again. The streams with entries (and who holds
-- what) are looked up once and reused below while nothing changed them.
local streams = streamsWithEntries()
local held = nil
if reclaim then
  held = holdings(group, streams)
  local ran = expired(group, moveLimit, held)
  for _, member in ipairs(ran) do
    redeliver(member, group, 1)
  end
  if #ran > 0 then
    streams = streamsWithEntries()
    held = nil
  end
end

-- 3. Take, level by level, each level's redeliveries before its fresh messages (the order of
-- streamsWithEntries). Streams with no entries at all (most of them, usually) cost no read. The entries go
-- back as XREADGROUP returned them: the caller derives members and delivery counts from them.
local taken = {}
local remaining = max
for _, s in ipairs(streams) do
  if remaining <= 0 then
    return {taken, {}}
  end
  local entries = readGroup(s[1], group, consumer, remaining)
  if #entries > 0 then
    taken[#taken + 1] = {string.sub(s[2], 1, -2), entries}
    remaining = remaining - #entries
  end
end
if #taken > 0 then
  return {taken, {}}
end

-- 4. Nothing to take: when to look again.
local wake = {}
local nextDue = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
wake[1] = nextDue[2] or ''
wake[2] = ''
if reclaim then
  -- The lease that runs out first, among the first hundred deliveries each consumer holds.
  local soonest = nil
  for _, h in ipairs(held or holdings(group, streams)) do
    for _, p in ipairs(redis.call('XPENDING', h[1], group, '-', '+', 100, h[3])) do
      local left = h[5] - p[3]
      if soonest == nil or left < soonest then
        soonest = left
      end
    end
  end
  if soonest then
    wake[2] = now + math.max(soonest, 0)
  end
end
local nonEmpty = {}
for _, s in ipairs(streams) do
  nonEmpty[s[1]] = true
end
for i = 1, 20 do
  -- An empty stream: any entry added later is news, so '0-0' needs no lookup.
  local key = KEYS[i <= 10 and i or i + 3]
  local lastEntry = nil
  if nonEmpty[key] then
    lastEntry = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  end
  wake[i + 2] = (lastEntry and lastEntry[1] and lastEntry[1][1]) or '0-0'
end
-- The wake stream: an entry added after this one says a delayed message became the earliest.
local lastWake = redis.call('XREVRANGE', KEYS[24], '+', '-', 'COUNT', 1)
wake[23] = (lastWake[1] and lastWake[1][1]) or '0-0'
return {{}, wake}
