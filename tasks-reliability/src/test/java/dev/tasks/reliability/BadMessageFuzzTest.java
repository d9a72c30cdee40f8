package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.QueueStats;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;

/**
 * A fuzzer against a worker process: {@link BadMessages} written straight into Redis streams and the SQL
 * message table (PostgreSQL and H2), {@value #BAD} bad messages interleaved with {@value #GOOD} good ones per
 * broker. The worker stays up, every good message runs exactly once, every bad one is dead-lettered with a
 * reason and its payload kept, none runs, none stays in flight, and the worker's log (a real logback
 * appender, in its own JVM) holds one line per event and no raw control character, with one dead-letter line
 * per bad message. The seed is random unless {@code -Dtasks.fuzz.seed=N} replays one; a failure prints it.
 */
class BadMessageFuzzTest {
    private static final Logger log = LoggerFactory.getLogger(BadMessageFuzzTest.class);
    static final int BAD = 1_000;
    static final int GOOD = 100;
    private static final Pattern EVENT = Pattern.compile("^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} (TRACE|DEBUG|INFO |WARN |ERROR) \\[.*");
    private static final Pattern STACK = Pattern.compile(
            "^(\\tat |\\t\\.\\.\\. \\d+ (more|common frames omitted)|Caused by: |\\t+Suppressed: |\\t+at |\\t+\\.\\.\\. ).*");
    /** Logback's own start-up status lines. */
    private static final Pattern STATUS = Pattern.compile("^\\d{2}:\\d{2}:\\d{2},\\d{3} \\|-(INFO|WARN|ERROR) in ch\\.qos\\.logback\\..*");
    private static final Pattern EXCEPTION_HEADER = Pattern.compile("^([a-z_][\\w]*\\.)+[A-Z][\\w$]*(: .*)?$");

    @TempDir
    Path dir;

    /** Where the messages go, and how the worker process reaches the broker. */
    interface Target extends AutoCloseable {
        List<String> workerArgs() throws Exception;

        Broker broker();

        String runLogUrl();

        /** Writes payloads straight into the queue's storage, as a producer that skips the client would. */
        void write(String queue, List<BadMessages.Message> messages, BadMessages gen) throws Exception;

        /** The payload as the broker keeps it. */
        String stored(String payload);

        @Override
        void close();
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void redis_worker_dead_letters_every_bad_message_and_runs_every_good_one_once() throws Exception {
        RedisServer server = RedisServer.start(dir);
        RedisBroker broker = RedisBroker.builder().url(server.url()).build();
        RedisClient raw = RedisClient.create(server.url());
        fuzz(new Target() {
            @Override
            public List<String> workerArgs() {
                return List.of("--broker", server.url());
            }

            @Override
            public Broker broker() {
                return broker;
            }

            @Override
            public String runLogUrl() {
                return RedisRunLog.url(server, "fuzz-runs");
            }

            @Override
            public void write(String queue, List<BadMessages.Message> messages, BadMessages gen) {
                String prefix = RedisBroker.DEFAULT_KEY_PREFIX + ":{q:" + queue + "}:s:";
                for (BadMessages.Message m : messages) {
                    raw.xadd(prefix + gen.level(), StreamEntryID.NEW_ENTRY,
                            Map.of("id", UUID.randomUUID().toString(), "p", m.payload()));
                }
            }

            @Override
            public String stored(String payload) {
                return BadMessages.asUtf8(payload);
            }

            @Override
            public void close() {
                raw.close();
                broker.close();
                server.close();
            }
        });
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void postgresql_worker_dead_letters_every_bad_message_and_runs_every_good_one_once() throws Exception {
        String schema = TestPostgres.freshSchema();
        String url = TestPostgres.url();
        JdbcBroker broker = JdbcBroker.builder().url(url).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema)).build();
        fuzz(new SqlTarget(url, schema + ".tasks_messages", broker, JdbcRunLog.url(url, schema + ".fuzz_runs")) {
            @Override
            public List<String> workerArgs() throws Exception {
                Path config = dir.resolve("pg-tasks.properties");
                java.nio.file.Files.writeString(config, "tasks.broker.url=" + url + "\ntasks.jdbc.schema=" + schema + "\n");
                return List.of("--config", config.toString());
            }

            @Override
            public void close() {
                super.close();
                TestPostgres.dropSchema(schema);
            }
        });
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void h2_worker_dead_letters_every_bad_message_and_runs_every_good_one_once() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("tasks").toAbsolutePath() + ";AUTO_SERVER=TRUE";
        JdbcBroker broker = JdbcBroker.builder().url(url).build();
        fuzz(new SqlTarget(url, "tasks_messages", broker, JdbcRunLog.url(url, "fuzz_runs")) {
            @Override
            public List<String> workerArgs() {
                return List.of("--broker", url);
            }
        });
    }

    private void fuzz(Target target) throws Exception {
        long seed = Long.getLong("tasks.fuzz.seed", System.nanoTime());
        String replay = "fuzz seed " + seed + " (replay: -Dtasks.fuzz.seed=" + seed + ")";
        log.info("{}: {}", getClass().getSimpleName(), replay);
        String queue = "fuzz-" + UUID.randomUUID().toString().substring(0, 8);
        BadMessages gen = new BadMessages(seed, queue);
        try (target; RunLog runs = RunLog.open(target.runLogUrl());
                WorkerProcess worker = WorkerProcess.builder(dir.resolve("worker.log"))
                        .systemProperty("rel.runlog", target.runLogUrl())
                        .worker(queue, args(target.workerArgs())).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.log().contains("worker started") || !worker.isAlive());
            assertThat(worker.isAlive()).as("worker process; log:%n%s", worker.log()).isTrue();

            List<BadMessages.Message> all = new ArrayList<>();
            Map<String, Integer> expectedPayloads = new HashMap<>();
            Map<String, Integer> kinds = new TreeMap<>();
            Map<String, String> kindOfKey = new HashMap<>();
            int good = 0;
            for (int i = 0; i < BAD; i++) {
                if (i % (BAD / GOOD) == 0) {
                    all.add(gen.good("good-" + good++));
                }
                BadMessages.Message m = gen.bad();
                all.add(m);
                kindOfKey.put(BadMessages.BAD_KEY_PREFIX + i, m.kind());
                kinds.merge(m.kind(), 1, Integer::sum);
            }
            long t0 = System.nanoTime();
            for (int from = 0; from < all.size(); from += 100) {
                target.write(queue, all.subList(from, Math.min(all.size(), from + 100)), gen);
            }
            for (BadMessages.Message m : all) {
                if (!m.good()) {
                    expectedPayloads.merge(target.stored(m.payload()), 1, Integer::sum);
                }
            }
            Broker broker = target.broker();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                assertThat(worker.isAlive()).as("%s: the worker stays up; warnings:%n%s", replay, worker.warnings()).isTrue();
                QueueStats s = broker.stats(queue);
                assertThat(s.dead() + runs.distinct()).as("%s: %s, %d ran", replay, s, runs.distinct())
                        .isEqualTo(BAD + GOOD);
                assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s: %s", replay, s).isZero();
            });
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            Map<String, Long> ran = runs.runs();
            assertThat(ran.keySet().stream().filter(k -> !k.startsWith("good-")).map(k -> k + " (" + kindOfKey.get(k) + ")"))
                    .as("%s: only good messages ran", replay).isEmpty();
            assertThat(ran).as("%s: every good message ran once", replay).hasSize(GOOD).allSatisfy((k, n) ->
                    assertThat(n).as(k).isEqualTo(1L));

            List<DeadLetter> dead = broker.deadLetters(queue, BAD * 2);
            assertThat(dead).as(replay).hasSize(BAD);
            Map<String, Integer> deadPayloads = new HashMap<>();
            for (DeadLetter d : dead) {
                assertThat(d.reason()).as("%s: reason of %s", replay, d.messageId()).isNotBlank();
                deadPayloads.merge(d.payload(), 1, Integer::sum);
            }
            assertThat(deadPayloads).as("%s: every dead letter keeps its raw payload", replay).isEqualTo(expectedPayloads);

            String text = worker.log();
            assertOneLinePerEvent(text, replay);
            long deadLines = text.lines().filter(l -> EVENT.matcher(l).matches() && l.contains(" dead-lettered from queue "))
                    .count();
            assertThat(deadLines).as("%s: one log line per dead letter", replay).isEqualTo(BAD);
            assertThat(text).as(replay).doesNotContain("stays leased").doesNotContain("could not store state");
            log.info("{}: {} bad and {} good messages settled {} ms after the first write; kinds {}; {}",
                    getClass().getSimpleName(), BAD, GOOD, millis, kinds, replay);
            worker.terminate();
            assertThat(worker.waitFor(30)).as("%s: warm shutdown", replay).isZero();
        }
    }

    private static String[] args(List<String> brokerArgs) {
        List<String> a = new ArrayList<>(brokerArgs);
        a.addAll(List.of("-c", "4", "--prefetch", "8", "--unknown-task-grace", "0s", "--lease", "30s"));
        return a.toArray(String[]::new);
    }

    /** Every line is an event, or part of the stack trace of the event before it; no raw control character. */
    static void assertOneLinePerEvent(String text, String replay) {
        boolean inTrace = false;
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty() && n > 1) {
                continue;
            }
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                boolean leadingTab = c == '\t' && line.substring(0, i).isBlank();
                assertThat(!leadingTab && (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                        || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u200e'
                        || c == '\u200f'))
                        .as("%s: raw control character U+%04X at %d of log line %d: %s", replay, (int) c, i, n, line)
                        .isFalse();
            }
            if (STATUS.matcher(line).matches()) {
                inTrace = false;
            } else if (EVENT.matcher(line).matches()) {
                assertThat(line).as("%s: a forged line", replay).doesNotStartWith(BadMessages.FORGED_TIME);
                inTrace = true;
            } else {
                assertThat(inTrace && (STACK.matcher(line).matches() || EXCEPTION_HEADER.matcher(line).matches()))
                        .as("%s: log line %d is neither an event nor part of a stack trace: %s", replay, n, line)
                        .isTrue();
            }
        }
    }

    /** A SQL broker's message table. */
    private abstract static class SqlTarget implements Target {
        private final String url;
        private final String table;
        private final JdbcBroker broker;
        private final String runLog;

        SqlTarget(String url, String table, JdbcBroker broker, String runLog) {
            this.url = url;
            this.table = table;
            this.broker = broker;
            this.runLog = runLog;
        }

        @Override
        public Broker broker() {
            return broker;
        }

        @Override
        public String runLogUrl() {
            return runLog;
        }

        @Override
        public void write(String queue, List<BadMessages.Message> messages, BadMessages gen) throws SQLException {
            long now = System.currentTimeMillis();
            try (Connection c = DriverManager.getConnection(url);
                    PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                            + " (queue, message_id, priority, ready, run_at, visible_at, created_at, payload)"
                            + " VALUES (?, ?, ?, true, ?, ?, ?, ?)")) {
                for (BadMessages.Message m : messages) {
                    ps.setString(1, queue);
                    ps.setString(2, UUID.randomUUID().toString());
                    ps.setShort(3, (short) gen.level());
                    ps.setLong(4, now);
                    ps.setLong(5, now);
                    ps.setLong(6, now);
                    ps.setString(7, stored(m.payload()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }

        /** PostgreSQL text holds no NUL, so a raw NUL in a payload is written as the JSON escape. */
        @Override
        public String stored(String payload) {
            return BadMessages.asUtf8(payload).replace("\u0000", "\\u0000");
        }

        @Override
        public void close() {
            broker.close();
        }
    }
}
