-- Stores a task's result record. KEYS[1]: the record. ARGV[1]: ttl ms; then field/value pairs.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
