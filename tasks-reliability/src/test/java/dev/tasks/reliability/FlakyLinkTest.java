package dev.tasks.reliability;

import dev.tasks.tck.TcpProxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tasks.BrokerException;
import dev.tasks.Signature;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.redis.RedisBroker;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker whose link to Redis goes through a proxy that cuts it (connections dropped and refused) or
 * stalls it (connections open, no byte moves): no busy loop (connection attempts and CPU are counted over
 * the outage), enqueues through the broken link fail within the timeout, and the worker recovers on its own
 * when the link comes back, running what was enqueued meanwhile.
 */
class FlakyLinkTest {
    private static final Logger log = LoggerFactory.getLogger(FlakyLinkTest.class);
    private static final Duration OUTAGE = Duration.ofSeconds(6);
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @TempDir
    static Path dir;
    static RedisServer server;

    private TcpProxy proxy;
    private String queue;
    private RunLog runs;
    private RedisBroker direct;
    private RedisBroker throughProxy;
    private Tasks directTasks;
    private Tasks proxyTasks;
    private Worker worker;

    @BeforeAll
    static void startServer() {
        server = RedisServer.start(dir);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        proxy = new TcpProxy("127.0.0.1", server.port());
        queue = "flaky-" + UUID.randomUUID().toString().substring(0, 8);
        runs = RunLog.open(RedisRunLog.url(server, "runs-" + queue));
        direct = RedisBroker.builder().url(server.url()).build();
        throughProxy = RedisBroker.builder().url("redis://127.0.0.1:" + proxy.port()).timeout(TIMEOUT).build();
        directTasks = Tasks.builder().broker(direct).declare(RelTasks.class).build();
        proxyTasks = Tasks.builder().broker(throughProxy).declare(RelTasks.class).build();
        worker = Worker.builder().broker(throughProxy)
                .registry(TaskRegistry.builder().register(RelTasks.class, new RelTasksImpl(() -> runs)).build())
                .queues(queue).concurrency(4).lease(Duration.ofSeconds(3)).heartbeatInterval(Duration.ofSeconds(1))
                .fetchWait(Duration.ofMillis(300)).statsInterval(Duration.ofSeconds(1)).build();
        worker.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        worker.stop(Duration.ofSeconds(2));
        proxyTasks.close();
        directTasks.close();
        throughProxy.close();
        direct.close();
        runs.close();
        proxy.close();
    }

    @Test
    void a_cut_link_is_retried_with_backoff_and_the_worker_recovers_when_it_returns() {
        outage("cut", p -> p.cut());
    }

    @Test
    void a_stalled_link_times_out_is_retried_with_backoff_and_the_worker_recovers_when_it_returns() {
        outage("stall", p -> p.stall());
    }

    private void outage(String kind, Consumer<TcpProxy> breakIt) {
        enqueue("before-", 50);
        await().atMost(Duration.ofSeconds(20)).until(() -> runs.distinct() == 50);

        breakIt.accept(proxy);
        int acceptedAtBreak = proxy.accepted();
        ThreadCpu cpu = new ThreadCpu();
        long t0 = System.nanoTime();
        enqueue("during-", 50);
        long sendStart = System.nanoTime();
        assertThatThrownBy(() -> proxyTasks.send(Signature.of("rel.record", "lost", 0L).queue(queue)))
                .isInstanceOf(BrokerException.class).hasMessageContaining("127.0.0.1:" + proxy.port());
        long sendMillis = (System.nanoTime() - sendStart) / 1_000_000;
        await().atMost(OUTAGE.plusSeconds(5)).pollDelay(OUTAGE.minusMillis((System.nanoTime() - t0) / 1_000_000))
                .until(() -> true);
        long outageMillis = (System.nanoTime() - t0) / 1_000_000;
        int attempts = proxy.accepted() - acceptedAtBreak;
        long cpuMillis = cpu.millis(name -> name.startsWith("tasks-worker-" + queue));
        List<ThreadCpu.Usage> top = cpu.top(5);
        assertThat(runs.distinct()).as("nothing ran while the link was down").isEqualTo(50);

        proxy.restore();
        long restoredAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(20)).until(() -> runs.distinct() == 100);
        long recoveredMillis = (System.nanoTime() - restoredAt) / 1_000_000;
        log.info("{} outage of {} ms: {} connection attempt(s) through the proxy, {} ms of CPU in the worker's threads,"
                + " a send failed after {} ms; after the link returned the 50 waiting tasks ran within {} ms; busiest"
                + " threads of the JVM: {}", kind, outageMillis, attempts, cpuMillis, sendMillis, recoveredMillis, top);
        assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
        assertThat(sendMillis).as("an enqueue through a broken link fails within its timeouts").isLessThan(5_000);
        assertThat(attempts).as("reconnects back off: attempts over %s ms", outageMillis).isLessThan(60);
        assertThat(cpuMillis).as("no busy loop: CPU of the worker's threads over %s ms of outage; busiest: %s",
                outageMillis, top).isLessThan(outageMillis / 10);
        assertThat(recoveredMillis).as("recovery waits at most one full backoff (5 s) and a fetch")
                .isLessThan(10_000);
        assertThat(runs.runs().values()).allMatch(c -> c == 1);
    }

    private void enqueue(String prefix, int n) {
        List<Signature> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(Signature.of("rel.record", prefix + i, 0L).queue(queue));
        }
        directTasks.sendAll(batch);
    }
}
