package dev.tasks.reliability;

import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamPendingEntry;

/** {@link AbstractWorkerCrashTest} on a private Redis server (default key prefix). */
class RedisWorkerCrashTest extends AbstractWorkerCrashTest {
    @TempDir
    static Path serverDir;
    static RedisServer server;

    @BeforeAll
    static void startServer() {
        server = RedisServer.start(serverDir);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected List<String> brokerArgs(Path dir) {
        return List.of("--broker", server.url());
    }

    @Override
    protected Broker openBroker() {
        return RedisBroker.builder().url(server.url()).build();
    }

    @Override
    protected String runLogUrl(String name) {
        return RedisRunLog.url(server, name);
    }

    @Override
    protected Leased leasedNow(Broker broker, String queue) {
        String tag = RedisBroker.DEFAULT_KEY_PREFIX + ":{q:" + queue + "}";
        Set<String> keys = new HashSet<>();
        long latest = 0;
        EnvelopeCodec codec = EnvelopeCodec.json();
        try (RedisClient c = RedisClient.create(server.url())) {
            long now = System.currentTimeMillis();
            for (int level = 0; level < 10; level++) {
                for (String stream : List.of(tag + ":s:" + level, tag + ":r:" + level)) {
                    if (c.xlen(stream) == 0) {
                        continue;
                    }
                    // A delivery's lease is its pending entry, held by consumer 'l<lease ms>'.
                    for (StreamPendingEntry p : c.xpending(stream, "tasks",
                            XPendingParams.xPendingParams().count(100_000))) {
                        long lease = Long.parseLong(p.getConsumerName().substring(1));
                        latest = Math.max(latest, now - p.getIdleTime() + lease);
                        List<StreamEntry> entries = c.xrange(stream, p.getID(), p.getID(), 1);
                        if (entries.isEmpty()) {
                            continue; // acked between the two reads: not held any more
                        }
                        Envelope e = codec.decode(entries.get(0).getFields().get("p"));
                        keys.add(e.args().get(0).asText());
                    }
                }
            }
        }
        return new Leased(keys, latest);
    }
}
