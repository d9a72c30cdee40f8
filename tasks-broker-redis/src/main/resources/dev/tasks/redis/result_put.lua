-- Stores a task's result record. KEYS[1]: the record. ARGV[1]: ttl ms; ARGV[2]: channel to announce a final
-- state on ('' for none); then field/value pairs.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then
  redis.call('PUBLISH', ARGV[2], '1')
end
return 1
