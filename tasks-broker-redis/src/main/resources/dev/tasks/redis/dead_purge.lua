-- Deletes a queue's dead letters. KEYS: the queue's key set. Returns how many there were.
local n = redis.call('XLEN', KEYS[13])
redis.call('DEL', KEYS[13])
return n
