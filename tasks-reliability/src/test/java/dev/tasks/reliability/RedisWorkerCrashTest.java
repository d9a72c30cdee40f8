package dev.tasks.reliability;

import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.Tuple;

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
            List<Tuple> leases = c.zrangeWithScores(tag + ":leases", 0, -1);
            for (Tuple t : leases) {
                if (t.getScore() <= 0) {
                    continue;
                }
                latest = Math.max(latest, (long) t.getScore());
                String member = t.getElement();
                String level = member.substring(0, member.indexOf('-'));
                StreamEntryID id = new StreamEntryID(member.substring(member.indexOf('-') + 1));
                List<StreamEntry> entries = c.xrange(tag + ":s:" + level, id, id, 1);
                if (entries.isEmpty()) {
                    continue; // acked between the two reads: not held any more
                }
                Map<String, String> fields = entries.get(0).getFields();
                Envelope e = codec.decode(fields.get("p"));
                keys.add(e.args().get(0).asText());
            }
        }
        return new Leased(keys, latest);
    }
}
