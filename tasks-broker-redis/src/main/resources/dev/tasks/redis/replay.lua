-- Puts dead letters of one queue back on their stream, due at once.
-- KEYS: the queue's key set. ARGV: now ms, limit, then dead-letter ids (none: the oldest `limit`).
-- Returns how many were replayed.
local dead = KEYS[13]
local entries = {}
if #ARGV == 2 then
  entries = redis.call('XRANGE', dead, '-', '+', 'COUNT', tonumber(ARGV[2]))
else
  for i = 3, #ARGV do
    local r = redis.pcall('XRANGE', dead, ARGV[i], ARGV[i])
    if type(r) == 'table' and r.err == nil and r[1] then
      entries[#entries + 1] = r[1]
    end
  end
end
for _, e in ipairs(entries) do
  local f = e[2]
  local id, payload, level = nil, '', 0
  for j = 1, #f, 2 do
    if f[j] == 'id' then
      id = f[j + 1]
    elseif f[j] == 'p' then
      payload = f[j + 1]
    elseif f[j] == 'l' then
      level = tonumber(f[j + 1]) or 0
    end
  end
  if level < 0 or level > 9 then
    level = 0
  end
  if id then
    redis.call('XADD', KEYS[level + 1], '*', 'id', id, 'p', payload, 't', ARGV[1])
  else
    redis.call('XADD', KEYS[level + 1], '*', 'p', payload, 't', ARGV[1])
  end
  redis.call('XDEL', dead, e[1])
end
return #entries
