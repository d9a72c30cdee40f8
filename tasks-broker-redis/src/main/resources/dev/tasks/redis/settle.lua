-- Settles a leased message of one queue other than by ack, atomically: its entry is acknowledged and
-- deleted (ending its lease), then either its next attempt is published (delayed if due later) or it
-- is added to the queue's dead-letter stream with the reason and its delivery count. A stale receipt
-- (its entry no longer pending) changes nothing.
-- KEYS: the queue's key set (a retry due later may wake waiting fetches: see wakeIfEarlier in queue.lua).
-- ARGV: now ms, group, member, then
--   'retry', id, payload, due ms; or
--   'dead', delivery count, reason, payload as delivered, id as delivered ('' if none).
-- Returns 1 if settled, 0 if the receipt was stale.
local now, member = ARGV[1], ARGV[3]
if not pending(member, ARGV[2]) then
  return 0
end
local _, _, level = locate(member)
forget(member, ARGV[2])
if ARGV[4] == 'retry' then
  local id, payload, due = ARGV[5], ARGV[6], ARGV[7]
  if tonumber(due) > tonumber(now) then
    local before = earliestDelayed()
    redis.call('HSET', KEYS[12], id, level .. '|' .. payload)
    redis.call('ZADD', KEYS[11], due, id)
    wakeIfEarlier(before)
  else
    redis.call('XADD', KEYS[level + 1], '*', 'id', id, 'p', payload, 't', now)
  end
else
  local count, reason, payload, id = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
  if id == '' then
    redis.call('XADD', KEYS[13], '*', 'p', payload, 'r', reason, 'n', count, 'l', level, 'at', now)
  else
    redis.call('XADD', KEYS[13], '*', 'id', id, 'p', payload, 'r', reason, 'n', count, 'l', level, 'at', now)
  end
end
return 1
