-- Leases up to max due messages of one queue: first messages whose lease ran out (or that were released),
-- then fresh ones, highest priority level first. Also moves due delayed messages to their streams first, a
-- batch at a time.
--
-- Every delivery is its own stream entry: a message whose lease ran out is copied to the redelivery stream
-- (with its next delivery count) and its old entry deleted, so the old receipt names an entry that no
-- longer exists and a stale ack or extension cannot touch the new delivery.
-- KEYS: the queue's key set (see QueueKeys).
-- ARGV: now ms, max, lease deadline ms, group, consumer, move batch size.
-- Returns {taken, wake}: taken is a list of {stream, entries}, where stream is 'r' (redeliveries, whose
-- fields carry the level 'l' and delivery count 'n') or a level '0'..'9', and entries are as XREADGROUP
-- returns them, {entry id, fields}; wake is empty unless nothing was delivered, then {next delayed due ms or '', next lease deadline ms or '', last entry id of
-- each level's stream 0..9, last entry id of the redelivery stream}.
local now = ARGV[1]
local max = tonumber(ARGV[2])
local deadline = ARGV[3]
local group, consumer = ARGV[4], ARGV[5]
local moveLimit = tonumber(ARGV[6])
local leases, redelivered, delayed, ddata = KEYS[11], KEYS[12], KEYS[13], KEYS[14]

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

-- 2. Leases that ran out: their messages are copied to the redelivery stream, the old entries deleted.
local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, max)
for _, member in ipairs(expired) do
  local key, eid, level
  if string.sub(member, 1, 1) == 'r' then
    key, eid, level = redelivered, string.sub(member, 4), string.sub(member, 2, 2)
  else
    level = string.sub(member, 1, 1)
    key, eid = KEYS[tonumber(level) + 1], string.sub(member, 3)
  end
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
      redis.call('XADD', redelivered, '*', 'id', id, 'p', payload, 't', at, 'n', count + 1, 'l', level)
    else
      redis.call('XADD', redelivered, '*', 'p', payload, 't', at, 'n', count + 1, 'l', level)
    end
    redis.pcall('XACK', key, group, eid)
    redis.call('XDEL', key, eid)
  end
  redis.call('ZREM', leases, member)
end

local function readGroup(stream, count)
  local r = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')
  if type(r) == 'table' and r.err then
    if string.find(r.err, 'NOGROUP', 1, true) then
      redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
      r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')
    else
      error({err = r.err})
    end
  end
  if r then
    return r[1][2]
  end
  return {}
end

-- 3. Take: redeliveries first, then level by level. XLEN is O(1): streams with no entries at all (most
-- levels, usually) cost no read. The entries go back as XREADGROUP returned them (no per-entry work here
-- but the lease): the caller derives members and delivery counts from them.
local taken = {}
local zargs = {}
local remaining = max
if redis.call('XLEN', redelivered) > 0 then
  local entries = readGroup(redelivered, remaining)
  if #entries > 0 then
    for _, entry in ipairs(entries) do
      local f = entry[2]
      local level = '0'
      for i = 1, #f, 2 do
        if f[i] == 'l' then
          level = f[i + 1]
        end
      end
      zargs[#zargs + 1] = deadline
      zargs[#zargs + 1] = 'r' .. level .. '-' .. entry[1]
    end
    taken[#taken + 1] = {'r', entries}
    remaining = remaining - #entries
  end
end
for level = 9, 0, -1 do
  if remaining <= 0 then
    break
  end
  local stream = KEYS[level + 1]
  if redis.call('XLEN', stream) > 0 then
    local entries = readGroup(stream, remaining)
    if #entries > 0 then
      local prefix = level .. '-'
      for _, entry in ipairs(entries) do
        zargs[#zargs + 1] = deadline
        zargs[#zargs + 1] = prefix .. entry[1]
      end
      taken[#taken + 1] = {tostring(level), entries}
      remaining = remaining - #entries
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
for level = 0, 9 do
  -- An empty stream: any entry added later is news, so '0-0' needs no lookup.
  local lastEntry = nil
  if redis.call('XLEN', KEYS[level + 1]) > 0 then
    lastEntry = redis.call('XREVRANGE', KEYS[level + 1], '+', '-', 'COUNT', 1)
  end
  wake[level + 3] = (lastEntry and lastEntry[1] and lastEntry[1][1]) or '0-0'
end
local lastRedelivery = nil
if redis.call('XLEN', redelivered) > 0 then
  lastRedelivery = redis.call('XREVRANGE', redelivered, '+', '-', 'COUNT', 1)
end
wake[13] = (lastRedelivery and lastRedelivery[1] and lastRedelivery[1][1]) or '0-0'
return {{}, wake}
