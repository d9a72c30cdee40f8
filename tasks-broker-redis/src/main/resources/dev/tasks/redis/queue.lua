-- Shared by the queue scripts: prepended to each of them when it is loaded (see LuaScript).
-- KEYS are the queue's key set (see QueueKeys): 1..10 the level streams, 11 leases, 12 delayed,
-- 13 delayed data, 14 dead letters, 15..24 the levels' redelivery streams.
-- A member names one delivery: '<level>-<entry id>' for an entry of a level's stream, 'r<level>-<entry id>'
-- for an entry of that level's redelivery stream.

-- The stream key, entry id and level of a member.
local function locate(member)
  if string.sub(member, 1, 1) == 'r' then
    local level = tonumber(string.sub(member, 2, 2))
    return KEYS[level + 15], string.sub(member, 4), level
  end
  local level = tonumber(string.sub(member, 1, 1))
  return KEYS[level + 1], string.sub(member, 3), level
end

-- Acknowledges and deletes a delivery's entry and forgets its lease. Returns how many entries were deleted.
local function forget(member, group)
  local key, eid = locate(member)
  redis.pcall('XACK', key, group, eid)
  local deleted = redis.call('XDEL', key, eid)
  redis.call('ZREM', KEYS[11], member)
  return deleted
end

-- Up to count new entries of a stream, read for the group (created, with the stream, if missing).
local function readGroup(stream, group, consumer, count)
  local r = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')
  if type(r) == 'table' and r.err then
    if not string.find(r.err, 'NOGROUP', 1, true) then
      error({err = r.err})
    end
    redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
    r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')
  end
  if r then
    return r[1][2]
  end
  return {}
end

