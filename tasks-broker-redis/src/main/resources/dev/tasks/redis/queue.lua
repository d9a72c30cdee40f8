-- Shared by the queue scripts: prepended to each of them when it is loaded (see LuaScript).
-- KEYS are the queue's key set (see QueueKeys): 1..10 the level streams, 11 delayed, 12 delayed data,
-- 13 dead letters, 14..23 the levels' redelivery streams, 24 the wake stream.
-- A member names one delivery: '<level>-<entry id>' for an entry of a level's stream, 'r<level>-<entry id>'
-- for an entry of that level's redelivery stream.
-- A delivery's lease is its entry in the consumer group's pending list: the consumer that holds it is
-- named 'l<lease ms>', and the lease has run out once the entry's idle time (kept by the server) reaches
-- that many ms. Reading or claiming the entry again restarts its idle time.

-- The stream key, entry id and level of a member.
local function locate(member)
  if string.sub(member, 1, 1) == 'r' then
    local level = tonumber(string.sub(member, 2, 2))
    return KEYS[level + 14], string.sub(member, 4), level
  end
  local level = tonumber(string.sub(member, 1, 1))
  return KEYS[level + 1], string.sub(member, 3), level
end

-- Whether a delivery is still leased (its entry pending), whether or not its lease has run out.
local function pending(member, group)
  local key, eid = locate(member)
  local r = redis.pcall('XPENDING', key, group, eid, eid, 1)
  return type(r) == 'table' and r.err == nil and r[1] ~= nil
end

-- Acknowledges and deletes a delivery's entry (ending its lease). Returns how many entries were deleted.
local function forget(member, group)
  local key, eid = locate(member)
  redis.pcall('XACK', key, group, eid)
  return redis.call('XDEL', key, eid)
end

-- Delivers a message again as a new entry: copies a delivery's entry to its level's redelivery stream with
-- its delivery count plus `increment` (0: the delivery never reached a task) and forgets the delivery.
local function redeliver(member, group, increment)
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
      redis.call('XADD', KEYS[level + 14], '*', 'id', id, 'p', payload, 't', at, 'n', count + increment)
    else
      redis.call('XADD', KEYS[level + 14], '*', 'p', payload, 't', at, 'n', count + increment)
    end
  end
  forget(member, group)
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

-- The queue's streams that have entries, highest level first and a level's redeliveries before its fresh
-- messages: a list of {key, member prefix}.
local function streamsWithEntries()
  local out = {}
  for level = 9, 0, -1 do
    for _, s in ipairs({{KEYS[level + 14], 'r' .. level .. '-'}, {KEYS[level + 1], level .. '-'}}) do
      if redis.call('XLEN', s[1]) > 0 then
        out[#out + 1] = s
      end
    end
  end
  return out
end

-- The lease of a consumer in ms: 'l<ms>'. Any other consumer (an older version's) holds no lease.
local function leaseOf(consumer)
  return tonumber(string.match(consumer, '^l(%d+)$')) or 0
end

-- Who holds deliveries, highest level first: a list of {stream key, member prefix, consumer, pending
-- count, lease ms}, one per stream and consumer with pending entries. `streams`: what streamsWithEntries
-- answered, if known.
local function holdings(group, streams)
  local out = {}
  for _, s in ipairs(streams or streamsWithEntries()) do
    local r = redis.pcall('XINFO', 'CONSUMERS', s[1], group)
    if type(r) == 'table' and not r.err then
      for _, c in ipairs(r) do
        local name, count = nil, 0
        for i = 1, #c, 2 do
          if c[i] == 'name' then
            name = c[i + 1]
          elseif c[i] == 'pending' then
            count = c[i + 1]
          end
        end
        if name and count > 0 then
          out[#out + 1] = {s[1], s[2], name, count, leaseOf(name)}
        end
      end
    end
  end
  return out
end

-- The entries of one holding whose lease has run out, up to limit: as XPENDING returns them.
local function ranOut(h, group, limit)
  return redis.call('XPENDING', h[1], group, 'IDLE', h[5], '-', '+', limit, h[3])
end

-- Members of up to `limit` deliveries whose lease has run out, highest level first. `held`: what holdings
-- answered, if known.
local function expired(group, limit, held)
  local out = {}
  for _, h in ipairs(held or holdings(group)) do
    if #out >= limit then
      break
    end
    for _, p in ipairs(ranOut(h, group, limit - #out)) do
      out[#out + 1] = h[2] .. p[1]
    end
  end
  return out
end

-- The id of the queue's earliest delayed message (nil if none).
local function earliestDelayed()
  return redis.call('ZRANGE', KEYS[11], 0, 0)[1]
end

-- Called after adding delayed messages, with what earliestDelayed answered before: if the earliest changed,
-- adds an entry to the wake stream (which keeps only its last entry), so fetches that wait until the due
-- time they knew wake up and look again.
local function wakeIfEarlier(before)
  if earliestDelayed() ~= before then
    redis.call('XADD', KEYS[24], 'MAXLEN', '1', '*', 'd', '1')
  end
end
