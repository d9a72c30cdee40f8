package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis Cluster (3 masters, 3 replicas, started by the test on free ports, {@code cluster-node-timeout}
 * 1 s) loses the master of two of three queues to {@code kill -9} while a producer enqueues to all three
 * and a worker consumes a backlog of them: the producer and the worker, both connected before the kill,
 * follow the promotion without a restart, and no accepted task is lost. The killed master is not the one
 * holding the revocation set, which every task start reads (see docs/brokers.md).
 */
class RedisClusterFailoverTest {

    @TempDir
    Path dir;

    @Test
    void producer_and_worker_follow_a_failover_and_the_other_shards_queue_keeps_running() throws Exception {
        // Without full coverage, the other masters serve their slots while the failed one's are uncovered.
        Outcome o = killMasterOfTwoQueues("redis cluster failover", "--cluster-require-full-coverage", "no");
        assertThat(o.result.longestStallMillis().get(o.healthyQueue))
                .as("the queue of the healthy master keeps running")
                .isLessThan(Math.min(2000, o.result.killToPromotionMillis()));
    }

    @Test
    void with_full_coverage_every_queue_pauses_until_the_promotion_and_then_runs_again() throws Exception {
        // The default: every node answers CLUSTERDOWN while a slot has no master; nothing fails for good.
        killMasterOfTwoQueues("redis cluster failover, full coverage");
    }

    private record Outcome(FailoverScenario.Result result, String healthyQueue) {}

    private Outcome killMasterOfTwoQueues(String name, String... clusterArgs) throws Exception {
        Files.createDirectories(dir.resolve("runlog"));
        try (RedisCluster cluster = RedisCluster.start(dir.resolve("cluster"), 1000, clusterArgs);
                RedisServer runLog = RedisServer.start(dir.resolve("runlog"))) {
            String run = UUID.randomUUID().toString().substring(0, 6);
            RedisServer revocations = cluster.masterOf(RedisCluster.slotOfRevocations("tasks"));
            List<String> onVictim = new ArrayList<>();
            String other = null;
            RedisServer victim = null;
            for (int i = 0; onVictim.size() < 2 || other == null; i++) {
                String q = "cf-" + run + "-" + i;
                RedisServer master = cluster.masterOf(RedisCluster.slotOfQueue("tasks", q));
                if (victim == null && master != revocations) {
                    victim = master;
                }
                if (master == victim && onVictim.size() < 2) {
                    onVictim.add(q);
                } else if (master != victim && other == null) {
                    other = q;
                }
            }
            RedisServer killed = victim;
            RedisServer replica = cluster.replicaOf(killed);
            List<String> queues = List.of(onVictim.get(0), onVictim.get(1), other);
            FailoverScenario.Result r = FailoverScenario.run(name, cluster.url(), RedisRunLog.url(runLog, "runs-" + run),
                    queues, Set.of(other), 500, killed::kill, () -> RedisCluster.isMaster(replica));
            return new Outcome(r, other);
        }
    }
}
