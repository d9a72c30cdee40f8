package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process killed with {@code kill -9} while it holds tasks with idempotency keys, on the broker of
 * a {@link Target}:
 * <ul>
 *   <li>task {@code hold-..} ran its start and blocks before its side effect, holding its key: its redelivery
 *       claims the key of the dead run at once and runs within the lease plus one second of the kill (not
 *       postponed as if the dead run were live), and the side effect happens once;</li>
 *   <li>a second message with the same key, sent while the run lived, was postponed (a live run holds the
 *       key) and is then skipped as done;</li>
 *   <li>task {@code unacked-..} did its side effect and marked its key done, but its acknowledgement never
 *       reached the broker (the worker's broker drops it, see {@link AckDroppingBrokerFactory}): delivered
 *       again, it is skipped, its side effect stays at once.</li>
 * </ul>
 * Two workers run from the start; the one that holds the key is killed and the other takes over.
 */
final class KeyHolderCrash {
    private static final Logger log = LoggerFactory.getLogger(KeyHolderCrash.class);

    /** How a test reaches its broker (see {@link AbstractWorkerCrashTest}). */
    interface Target {
        List<String> brokerArgs(Path dir) throws Exception;

        Broker openBroker();

        String runLogUrl(String name);
    }

    private KeyHolderCrash() {}

    static void run(Target target, String name, Path dir, Duration lease) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String queue = "keys-" + id;
        String hold = "hold-" + id;
        String unacked = AckDroppingBrokerFactory.MARK + id;
        String runLogUrl = target.runLogUrl("runs-" + queue);
        try (Broker broker = target.openBroker(); RunLog runs = RunLog.open(runLogUrl);
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            List<String> brokerArgs = dropAcks(target.brokerArgs(dir), dir);
            List<WorkerProcess> workers = new ArrayList<>();
            long startedAt = System.nanoTime();
            try {
                for (String workerId : List.of("a", "b")) {
                    workers.add(worker(dir, workerId, queue, runLogUrl, brokerArgs, lease));
                }
                tasks.send(Signature.of("rel.keyed", hold).queue(queue).idempotencyKey(hold));
                tasks.send(Signature.of("rel.keyed", unacked).queue(queue).idempotencyKey(unacked));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
                    workers.forEach(w -> assertThat(w.isAlive()).as("worker runs; log:%n%s", w.log()).isTrue());
                    return runs.runs().keySet().stream().anyMatch(k -> k.startsWith(hold + ":pid-"));
                });
                long holderPid = runs.runs().keySet().stream().filter(k -> k.startsWith(hold + ":pid-"))
                        .mapToLong(k -> Long.parseLong(k.substring(k.lastIndexOf('-') + 1))).findFirst().orElseThrow();
                log.info("{}: the key's first run holds it {} ms after the start", name,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
                WorkerProcess holder = workers.stream().filter(w -> w.pid() == holderPid).findFirst().orElseThrow();
                WorkerProcess other = workers.stream().filter(w -> w != holder).findFirst().orElseThrow();
                // A second message with the held key while its run lives: postponed.
                tasks.send(Signature.of("rel.keyed", hold).queue(queue).idempotencyKey(hold));
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                        .until(() -> holder.log().contains("postponed by") || other.log().contains("postponed by"));
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                        .until(() -> holder.log().contains(AckDroppingBrokerFactory.DROPPED)
                                || other.log().contains(AckDroppingBrokerFactory.DROPPED));

                holder.kill();
                long killedAt = System.nanoTime();
                log.info("{}: killed the worker holding the key {} ms after the start", name,
                        TimeUnit.NANOSECONDS.toMillis(killedAt - startedAt));
                long[] resumedAt = {0};
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
                    if (resumedAt[0] == 0 && count(runs, hold + ":start") >= 2) {
                        resumedAt[0] = System.nanoTime();
                    }
                    assertThat(other.isAlive()).as("the other worker runs; log:%n%s", other.log()).isTrue();
                    QueueStats s = broker.stats(queue);
                    // the second message with the key was skipped (it is postponed while the key is held)
                    return resumedAt[0] != 0 && s.ready() + s.delayed() + s.inFlight() == 0
                            && (holder.log() + other.log()).contains(
                                    "skipped: idempotency key '" + hold + "' already done");
                });
                long resumedMs = TimeUnit.NANOSECONDS.toMillis(resumedAt[0] - killedAt);
                Map<String, Long> end = runs.runs();
                log.info("{}: the held key's task ran again {} ms after the kill (lease {} ms), all settled {} ms after"
                        + " it; runs {}", name, resumedMs, lease.toMillis(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), end);

                String logs = holder.log() + other.log();
                assertThat(end.get(hold + ":effect")).as("side effect of the held key; the other worker:%n%s",
                        other.log()).isEqualTo(1);
                assertThat(end.get(hold + ":start")).as("the killed run and the one after it").isEqualTo(2);
                assertThat(end.get(unacked + ":effect")).as("side effect of the key done but unacknowledged")
                        .isEqualTo(1);
                assertThat(end.get(unacked + ":start")).isEqualTo(1);
                assertThat(logs).contains("skipped: idempotency key '" + unacked + "' already done");
                assertThat(resumedMs).as("the held key's task runs again within the lease + 1 s of the kill; the"
                        + " other worker:%n%s", other.log()).isLessThanOrEqualTo(lease.plusSeconds(1).toMillis());
                assertThat(broker.deadLetters(queue, 10)).isEmpty();
                other.terminate();
                assertThat(other.waitFor(30)).as(other.log()).isZero();
            } finally {
                workers.forEach(WorkerProcess::close);
            }
        }
    }

    private static long count(RunLog runs, String key) {
        return runs.runs().getOrDefault(key, 0L);
    }

    /** The broker arguments with the broker URL (given with --broker or in a --config file) behind drop-acks+. */
    private static List<String> dropAcks(List<String> args, Path dir) throws Exception {
        List<String> out = new ArrayList<>(args);
        for (int i = 0; i + 1 < out.size(); i++) {
            if (out.get(i).equals("--broker")) {
                out.set(i + 1, AckDroppingBrokerFactory.SCHEME + out.get(i + 1));
            } else if (out.get(i).equals("--config")) {
                Path config = dir.resolve("drop-acks-" + Path.of(out.get(i + 1)).getFileName());
                Files.writeString(config, Files.readString(Path.of(out.get(i + 1)))
                        .replace("tasks.broker.url=", "tasks.broker.url=" + AckDroppingBrokerFactory.SCHEME));
                out.set(i + 1, config.toString());
            }
        }
        return out;
    }

    private static WorkerProcess worker(Path dir, String name, String queue, String runLogUrl, List<String> brokerArgs,
            Duration lease) {
        List<String> args = new ArrayList<>(brokerArgs);
        args.addAll(List.of("-c", "4", "--lease", lease.toSeconds() + "s", "--grace", "5s", "--worker-id", name));
        return WorkerProcess.builder(dir.resolve("keys-" + name + ".log"))
                .systemProperty("rel.runlog", runLogUrl)
                .systemProperty("rel.hold", "true")
                .worker(queue, args.toArray(String[]::new))
                .start();
    }
}
