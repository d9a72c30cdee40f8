package dev.tasks.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sentinel (a master, a replica and three Sentinels started by the test on free ports, down after 1 s):
 * the master dies ({@code kill -9}) while a producer enqueues to two queues and a worker consumes a backlog
 * of them; the producer and the worker, both connected before the kill, follow the promotion without a
 * restart, and no accepted task is lost.
 */
class RedisSentinelFailoverTest {

    @TempDir
    Path dir;

    @Test
    void producer_and_worker_follow_a_sentinel_failover() throws Exception {
        Files.createDirectories(dir.resolve("runlog"));
        try (RedisSentinelSet set = RedisSentinelSet.start(dir.resolve("sentinel"), 1000);
                RedisServer runLog = RedisServer.start(dir.resolve("runlog"))) {
            String run = UUID.randomUUID().toString().substring(0, 6);
            List<String> queues = List.of("sf-" + run + "-a", "sf-" + run + "-b");
            FailoverScenario.run("redis sentinel failover", set.url(), RedisRunLog.url(runLog, "runs-" + run), queues,
                    Set.of(), 500, set.master()::kill, set::replicaPromoted);
        }
    }
}
