-- Acknowledges leased messages of one queue: XACK + XDEL, and forgets their leases. A receipt whose
-- token is no longer current (the message was redelivered, acked or released since) is ignored.
-- KEYS: the queue's key set (see QueueKeys). ARGV[1]: group; then pairs (member, token).
-- Returns how many were acknowledged.
local group = ARGV[1]
local inflight, leases = KEYS[12], KEYS[11]
local byLevel = {}
local members = {}
local asked = {}
for i = 2, #ARGV, 2 do
  asked[#asked + 1] = ARGV[i]
end
local current = {}
for i = 1, #asked, 1000 do
  local part = redis.call('HMGET', inflight, unpack(asked, i, math.min(i + 999, #asked)))
  for j = 1, #part do
    current[i + j - 1] = part[j]
  end
end
for i = 2, #ARGV, 2 do
  local member = ARGV[i]
  local cur = current[i / 2]
  if cur and string.match(cur, '^(%d+):') == ARGV[i + 1] then
    local level = tonumber(string.sub(member, 1, 1))
    local ids = byLevel[level]
    if not ids then
      ids = {}
      byLevel[level] = ids
    end
    ids[#ids + 1] = string.sub(member, 3)
    members[#members + 1] = member
  end
end
for level, ids in pairs(byLevel) do
  for i = 1, #ids, 1000 do
    local j = math.min(i + 999, #ids)
    redis.pcall('XACK', KEYS[level + 1], group, unpack(ids, i, j))
    redis.call('XDEL', KEYS[level + 1], unpack(ids, i, j))
  end
end
for i = 1, #members, 1000 do
  local j = math.min(i + 999, #members)
  redis.call('HDEL', inflight, unpack(members, i, j))
  redis.call('ZREM', leases, unpack(members, i, j))
end
return #members
