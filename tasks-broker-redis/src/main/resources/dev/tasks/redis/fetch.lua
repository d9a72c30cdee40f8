-- Leases up to max due messages of one queue, highest priority level first; within a level, messages
-- whose lease ran out (or that were released) go before fresh ones. Also moves due delayed messages to
-- their streams first, a batch at a time.
-- KEYS: the queue's key set (see QueueKeys).
-- ARGV: now ms, max, lease deadline ms, group, consumer, move batch size.
-- Returns {deliveries, wake}: deliveries is a list of {member, token, count, fields}; wake is empty
-- unless nothing was delivered, then {next delayed due ms or '', next lease deadline ms or '',
-- last entry id of each level's stream 0..9}.
local now = ARGV[1]
local max = tonumber(ARGV[2])
local deadline = ARGV[3]
local group, consumer = ARGV[4], ARGV[5]
local moveLimit = tonumber(ARGV[6])
local leases, inflight, delayed, ddata, seq = KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15]

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

-- 2. Leases that ran out, by level.
local expiredByLevel = {}
local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, max)
for _, member in ipairs(expired) do
  local level = tonumber(string.sub(member, 1, 1))
  local list = expiredByLevel[level]
  if not list then
    list = {}
    expiredByLevel[level] = list
  end
  list[#list + 1] = member
end

-- 3. Take, level by level.
local taken = {}
local counts = {}
local fields = {}
local drop = {}
local remaining = max
for level = 9, 0, -1 do
  if remaining <= 0 then
    break
  end
  local stream = KEYS[level + 1]
  local list = expiredByLevel[level]
  if list then
    for _, member in ipairs(list) do
      if remaining <= 0 then
        break
      end
      local claimed = redis.pcall('XCLAIM', stream, group, consumer, 0, string.sub(member, 3))
      if type(claimed) == 'table' and claimed.err == nil and claimed[1] then
        local cur = redis.call('HGET', inflight, member)
        local count = 0
        if cur then
          count = tonumber(string.match(cur, ':(%d+)$')) or 0
        end
        taken[#taken + 1] = member
        counts[#counts + 1] = count + 1
        fields[#fields + 1] = claimed[1][2]
        remaining = remaining - 1
      else
        -- The entry is gone (deleted by someone else): forget the lease.
        drop[#drop + 1] = member
      end
    end
  end
  -- XLEN is O(1): levels with no entries at all (most of them, usually) cost no read.
  if remaining > 0 and redis.call('XLEN', stream) > 0 then
    local r = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', remaining, 'STREAMS', stream, '>')
    if type(r) == 'table' and r.err then
      if string.find(r.err, 'NOGROUP', 1, true) then
        redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
        r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', remaining, 'STREAMS', stream, '>')
      else
        return redis.error_reply(r.err)
      end
    end
    if r then
      local prefix = level .. '-'
      for _, entry in ipairs(r[1][2]) do
        taken[#taken + 1] = prefix .. entry[1]
        counts[#counts + 1] = 1
        fields[#fields + 1] = entry[2]
        remaining = remaining - 1
      end
    end
  end
end
if #drop > 0 then
  bulk('HDEL', inflight, drop)
  bulk('ZREM', leases, drop)
end

if #taken > 0 then
  -- One lease token for the whole fetch: a member is taken at most once per fetch, and a later delivery
  -- of it comes from a later fetch with a greater token, so a receipt of an earlier delivery stays stale.
  local token = redis.call('INCR', seq)
  local firstDelivery = token .. ':1'
  local hargs = {}
  local zargs = {}
  local out = {}
  for i, member in ipairs(taken) do
    local count = counts[i]
    hargs[#hargs + 1] = member
    if count == 1 then
      hargs[#hargs + 1] = firstDelivery
    else
      hargs[#hargs + 1] = token .. ':' .. count
    end
    zargs[#zargs + 1] = deadline
    zargs[#zargs + 1] = member
    out[i] = {member, token, count, fields[i]}
  end
  bulk('HSET', inflight, hargs)
  bulk('ZADD', leases, zargs)
  return {out, {}}
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
return {{}, wake}
