-- Takes a concurrency slot. KEYS[1]: zset holder -> lease end ms. ARGV: now ms, limit, holder, lease end ms,
-- key ttl ms. Returns 1 when the holder has a slot, 0 when all are taken.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0
