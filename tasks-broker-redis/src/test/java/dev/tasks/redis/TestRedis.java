package dev.tasks.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.testcontainers.DockerClientFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The Redis server for tests: a Testcontainers container when Docker is available, otherwise the server
 * at {@code TASKS_TEST_REDIS_URL} (default {@code redis://127.0.0.1:6379}). When it cannot be reached
 * the test is skipped, or fails under {@code CI=true}. Tests share the server with others: each uses a
 * fresh random key prefix and deletes its keys.
 */
final class TestRedis {
    private static String url;
    private static String problem;

    private TestRedis() {}

    static synchronized String url() {
        if (url == null && problem == null) {
            resolve();
        }
        if (url == null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError("Redis for tests is unreachable under CI=true: " + problem);
            }
            assumeTrue(false, "Redis for tests is unreachable, skipping: " + problem);
        }
        return url;
    }

    @SuppressWarnings("resource")
    private static void resolve() {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            docker = false;
        }
        String candidate;
        if (docker) {
            com.redis.testcontainers.RedisContainer c = new com.redis.testcontainers.RedisContainer("redis:7.0");
            c.start();
            candidate = "redis://" + c.getRedisHost() + ":" + c.getRedisPort();
        } else {
            String env = System.getenv("TASKS_TEST_REDIS_URL");
            candidate = env == null || env.isBlank() ? "redis://127.0.0.1:6379" : env;
        }
        try (RedisClient c = RedisClient.create(candidate)) {
            c.ping();
            url = candidate;
        } catch (RuntimeException e) {
            problem = RedisUrl.mask(candidate) + ": " + e;
        }
    }

    static String freshPrefix() {
        return "t-" + UUID.randomUUID().toString().substring(0, 12);
    }

    /** A broker on the test server whose connections are named {@link #clientName(String)}. */
    static RedisBroker broker(String prefix, Clock clock) {
        return RedisBroker.builder().url(url()).keyPrefix(prefix).clientName(clientName(prefix)).clock(clock).build();
    }

    /** The client name of {@link #broker}'s connections: unique per prefix, so a test can tell them apart. */
    static String clientName(String prefix) {
        return "tasks-test-" + prefix;
    }

    static RedisClient client() {
        return RedisClient.create(url());
    }

    static List<String> keys(RedisClient c, String prefix) {
        List<String> keys = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> r = c.scan(cursor, new ScanParams().match(prefix + ":*").count(1000));
            keys.addAll(r.getResult());
            cursor = r.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return keys;
    }

    static void deleteKeys(String prefix) {
        if (url == null) {
            return;
        }
        try (RedisClient c = client()) {
            List<String> keys = keys(c, prefix);
            for (String k : keys) {
                c.del(k);
            }
        }
    }
}
