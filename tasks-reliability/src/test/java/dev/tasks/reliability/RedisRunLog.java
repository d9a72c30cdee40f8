package dev.tasks.reliability;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** A {@link RunLog} in one Redis hash ({@code HINCRBY key member 1}); URL {@code redis://host:port?key=K}. */
final class RedisRunLog implements RunLog {
    private final RedisClient client;
    private final String key;

    private RedisRunLog(RedisClient client, String key) {
        this.client = client;
        this.key = key;
    }

    static RedisRunLog open(String url) {
        int q = url.indexOf("?key=");
        if (q < 0) {
            throw new IllegalArgumentException("run log URL needs ?key=: " + url);
        }
        String hostPort = url.substring("redis://".length(), q);
        String key = url.substring(q + 5);
        HostAndPort hp = HostAndPort.from(hostPort);
        RedisClient c = RedisClient.builder().hostAndPort(hp)
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2000).clientName("runlog").build())
                .build();
        return new RedisRunLog(c, key);
    }

    static String url(RedisServer server, String key) {
        return server.url() + "?key=" + key;
    }

    @Override
    public void record(String k) {
        client.hincrBy(key, k, 1);
    }

    @Override
    public Map<String, Long> runs() {
        Map<String, Long> out = new HashMap<>();
        read(() -> client.hgetAll(key)).forEach((k, v) -> out.put(k, Long.parseLong(v)));
        return out;
    }

    @Override
    public long distinct() {
        return read(() -> client.hlen(key));
    }

    /** Reads are repeated on a fresh connection after a server restart (pooled connections are then dead). */
    private static <T> T read(Supplier<T> op) {
        try {
            return op.get();
        } catch (JedisConnectionException first) {
            return op.get();
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
