-- Leases up to max due messages of one queue, highest priority level first; within a level, messages
-- whose lease ran out (or that were released) go before fresh ones. Also moves due delayed messages to
-- their streams first, a batch at a time.
--
-- Every delivery is its own stream entry: a message whose lease ran out is copied to its level's
-- redelivery stream (with its next delivery count) and its old entry deleted, so the old receipt names an
-- entry that no longer exists and a stale ack or extension cannot touch the new delivery.
-- KEYS: the queue's key set (see queue.lua).
-- ARGV: now ms, max, lease deadline ms, group, consumer, move batch size.
-- Returns {taken, wake}: taken is a list of {stream, entries}, where stream is 'r0'..'r9' (a level's
-- redeliveries, whose fields carry the delivery count 'n') or '0'..'9' (a level's fresh messages), and
-- entries are as XREADGROUP returns them, {entry id, fields}; wake is empty unless nothing was delivered,
-- then {next delayed due ms or '', next lease deadline ms or '', last entry id of each level's stream
-- 0..9, last entry id of each level's redelivery stream 0..9}.
local now = ARGV[1]
local max = tonumber(ARGV[2])
local deadline = ARGV[3]
local group, consumer = ARGV[4], ARGV[5]
local moveLimit = tonumber(ARGV[6])
local leases, delayed, ddata = KEYS[11], KEYS[12], KEYS[13]

local function bulk(cmd, key, args)
  for i = 1, #args, 1000 do
    redis.call(cmd, key, unpack(args, i, math.min(i + 999, #args)))
  end
end

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
  bulk('ZREM', delayed, members)
  bulk('HDEL', ddata, members)
end

-- 2. Leases that ran out: their messages are copied to their level's redelivery stream, the old entries
-- deleted.
local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, max)
for _, member in ipairs(expired) do
  local key, eid, level = locate(member)
  local e = redis.call('XRANGE', key, eid, eid)
  if e[1] then
    local f = e[1][2]
    local id, payload, at, count = nil, '', '', 1
    for i = 1, #f, 2 do
      local name = f[i]
      if name == 'id' then
        id = f[i + 1]
      elseif name == 'p' then
        payload = f[i + 1]
      elseif name == 't' then
        at = f[i + 1]
      elseif name == 'n' then
        count = tonumber(f[i + 1]) or 1
      end
    end
    if id then
      redis.call('XADD', KEYS[level + 15], '*', 'id', id, 'p', payload, 't', at, 'n', count + 1)
    else
      redis.call('XADD', KEYS[level + 15], '*', 'p', payload, 't', at, 'n', count + 1)
    end
  end
  forget(member, group)
end

-- 3. Take, level by level, each level's redeliveries before its fresh messages. XLEN is O(1): streams
-- with no entries at all (most of them, usually) cost no read. The entries go back as XREADGROUP returned
-- them (no per-entry work here but the lease): the caller derives members and delivery counts from them.
local taken = {}
local zargs = {}
local remaining = max
for level = 9, 0, -1 do
  if remaining <= 0 then
    break
  end
  for _, kind in ipairs({'r', ''}) do
    if remaining <= 0 then
      break
    end
    local stream = KEYS[level + (kind == 'r' and 15 or 1)]
    if redis.call('XLEN', stream) > 0 then
      local entries = readGroup(stream, group, consumer, remaining)
      if #entries > 0 then
        local prefix = kind .. level .. '-'
        for _, entry in ipairs(entries) do
          zargs[#zargs + 1] = deadline
          zargs[#zargs + 1] = prefix .. entry[1]
        end
        taken[#taken + 1] = {kind .. level, entries}
        remaining = remaining - #entries
      end
    end
  end
end

if #taken > 0 then
  bulk('ZADD', leases, zargs)
  return {taken, {}}
end

local wake = {}
local nextDue = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
wake[1] = nextDue[2] or ''
local nextLease = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
wake[2] = nextLease[2] or ''
for i = 1, 20 do
  -- An empty stream: any entry added later is news, so '0-0' needs no lookup.
  local key = KEYS[i <= 10 and i or i + 4]
  local lastEntry = nil
  if redis.call('XLEN', key) > 0 then
    lastEntry = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  end
  wake[i + 2] = (lastEntry and lastEntry[1] and lastEntry[1][1]) or '0-0'
end
return {{}, wake}
