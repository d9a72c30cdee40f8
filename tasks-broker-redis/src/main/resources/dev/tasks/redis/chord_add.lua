-- Records one chord member's result (first write wins) and counts the members recorded, atomically.
-- KEYS[1]: the chord's hash (field: member index, value: result JSON). ARGV: index, result, ttl ms.
-- Returns the number of distinct members recorded.
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('HLEN', KEYS[1])
