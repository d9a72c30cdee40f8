package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tasks.ConfigurationException;
import dev.tasks.EnqueueException;
import dev.tasks.PayloadTooLargeException;
import dev.tasks.Signature;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.worker.Worker;
import dev.tasks.worker.cli.TasksCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad input end to end on Redis, where the unit tests of the modules stop: oversized and too deeply
 * nested arguments through the client, and bad broker URLs, options and flags through the CLI. Each
 * fails at once with one clear line, and nothing is published.
 */
class BadInputEndToEndTest {
    @TempDir
    static Path dir;
    static RedisServer server;

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

    @Test
    void an_oversized_payload_is_refused_at_enqueue_with_its_size_and_nothing_reaches_redis() {
        String queue = "big-" + UUID.randomUUID().toString().substring(0, 8);
        try (RedisBroker broker = RedisBroker.builder().url(server.url()).build();
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            String big = "x".repeat(Tasks.DEFAULT_MAX_PAYLOAD_BYTES);
            assertThatThrownBy(() -> tasks.send(Signature.of("rel.echo", big).queue(queue)))
                    .isInstanceOf(PayloadTooLargeException.class)
                    .hasMessageContaining("rel.echo")
                    .hasMessageContaining("over the limit of " + Tasks.DEFAULT_MAX_PAYLOAD_BYTES + " bytes");
            List<Signature> batch = List.of(Signature.of("rel.echo", "small").queue(queue),
                    Signature.of("rel.echo", big).queue(queue));
            assertThatThrownBy(() -> tasks.sendAll(batch)).isInstanceOf(PayloadTooLargeException.class);
            assertThat(broker.stats(queue).ready()).as("a batch with one oversized task publishes nothing").isZero();
        }
    }

    @Test
    void arguments_nested_deeper_than_a_worker_reads_are_refused_at_enqueue() {
        String queue = "deep-" + UUID.randomUUID().toString().substring(0, 8);
        Object nested = "leaf";
        for (int i = 0; i < EnvelopeCodec.MAX_NESTING_DEPTH + 10; i++) {
            nested = List.of(nested);
        }
        Object deep = nested;
        try (RedisBroker broker = RedisBroker.builder().url(server.url()).build();
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            assertThatThrownBy(() -> tasks.send(Signature.of("rel.echo", deep).queue(queue)))
                    .isInstanceOf(EnqueueException.class)
                    .hasMessageContaining("rel.echo")
                    .hasMessageContaining("nest");
            assertThat(broker.stats(queue).ready()).isZero();
        }
    }

    @Test
    void arguments_nested_just_within_the_limit_run() {
        String queue = "nest-" + UUID.randomUUID().toString().substring(0, 8);
        Object nested = "leaf";
        // the envelope object and its args array take two levels
        for (int i = 0; i < EnvelopeCodec.MAX_NESTING_DEPTH - 3; i++) {
            nested = List.of(nested);
        }
        Object deep = nested;
        try (RedisBroker broker = RedisBroker.builder().url(server.url()).build();
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            Worker w = Worker.builder().broker(broker)
                    .registry(TaskRegistry.builder().register(RelTasks.class, new RelTasksImpl(() -> null)).build())
                    .queues(queue).concurrency(1).fetchWait(Duration.ofMillis(100)).build();
            w.start();
            try {
                long echoes = RelTasksImpl.ECHOES.get();
                tasks.send(Signature.of("rel.echo", deep).queue(queue));
                await().atMost(Duration.ofSeconds(20)).until(() -> RelTasksImpl.ECHOES.get() == echoes + 1
                        || broker.stats(queue).dead() > 0);
                List<DeadLetter> dead = broker.deadLetters(queue, 1);
                assertThat(dead).as("dead letters").isEmpty();
            } finally {
                w.stop(Duration.ofSeconds(2));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a port out of range      | redis://127.0.0.1:99999          | port of host 127.0.0.1 must be between 1 and 65535",
        "a port that is no number | redis://127.0.0.1:six            | port 'six' of host 127.0.0.1 is not a number",
        "a database that is no number | redis://127.0.0.1:6379/zero  | database 'zero' is not a number",
        "a URL without a host     | redis://                         | it names no host",
        "an unknown parameter     | redis://127.0.0.1:6379?ssl=true  | unknown parameter 'ssl'",
        "several hosts without cluster | redis://a:1,b:2             | use redis-cluster:// or redis-sentinel://",
    })
    void a_bad_redis_url_fails_the_client_and_every_command_with_one_clear_line(String what, String url, String problem) {
        assertThatThrownBy(() -> Tasks.builder().brokerUrl(url).build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(problem);
        for (String command : List.of("worker", "inspect", "purge", "dlq")) {
            List<String> args = new ArrayList<>(List.of(command));
            if (command.equals("dlq")) {
                args.add("list");
            }
            args.addAll(List.of("-Q", "q1", "--broker", url));
            if (command.equals("worker")) {
                args.addAll(List.of("--app", RelTaskProvider.class.getName()));
            }
            Cli r = cli(args.toArray(String[]::new));
            assertThat(r.code).as("%s: %s", command, r.err).isEqualTo(2);
            assertThat(r.err).contains(problem);
            assertOneLine(r);
        }
    }

    @Test
    void an_unreachable_redis_fails_a_command_quickly_with_the_address() {
        int closed = RedisServer.freePort();
        long t0 = System.nanoTime();
        Cli r = cli("inspect", "--broker", "redis://127.0.0.1:" + closed);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).contains("127.0.0.1:" + closed).containsPattern("(?i)connect|refused");
        assertOneLine(r);
        assertThat(millis).isLessThan(10_000);
    }

    @Test
    void bad_redis_options_and_worker_settings_in_a_properties_file_name_the_setting() throws Exception {
        Path unknownOption = dir.resolve("unknown-option.properties");
        Files.writeString(unknownOption, "tasks.broker.url=" + server.url() + "\ntasks.redis.poolsize=4\n");
        Cli r = cli("inspect", "--config", unknownOption.toString());
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("unknown Redis option 'redis.poolsize'").contains("redis.poolSize");
        assertOneLine(r);

        Path badTimeout = dir.resolve("bad-timeout.properties");
        Files.writeString(badTimeout, "tasks.broker.url=" + server.url() + "\ntasks.redis.timeout=soon\n");
        r = cli("inspect", "--config", badTimeout.toString());
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("redis.timeout").contains("'soon'");
        assertOneLine(r);

        Path badPrefix = dir.resolve("bad-prefix.properties");
        Files.writeString(badPrefix, "tasks.broker.url=" + server.url() + "\ntasks.redis.keyPrefix=a b\n");
        r = cli("inspect", "--config", badPrefix.toString());
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("key prefix 'a b' is invalid");
        assertOneLine(r);

        Path badConcurrency = dir.resolve("bad-concurrency.properties");
        Files.writeString(badConcurrency, "tasks.broker.url=" + server.url() + "\ntasks.worker.concurrency=many\n");
        r = cli("worker", "--config", badConcurrency.toString(), "--app", RelTaskProvider.class.getName());
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("invalid value 'many' for TASKS_WORKER_CONCURRENCY / tasks.worker.concurrency")
                .contains("(from file)");
        assertOneLine(r);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a zero lease          | --lease     | 0s    | lease",
        "a lease of garbage    | --lease     | later | invalid duration 'later'",
        "a negative grace      | --grace     | -5s   | grace",
        "a negative prefetch   | --prefetch  | -1    | prefetch",
        "a metrics port out of range | --metrics-port | 70000 | --metrics-port must be between 0 and 65535",
        "a zero unknown-task grace is fine, a bad one is not | --unknown-task-grace | forever | invalid duration 'forever'",
        "stuck threads below zero | --max-stuck-threads | -2 | maxStuckThreads",
        "a zero message size limit | --max-message-bytes | 0 | maxMessageBytes must be >= 1, was 0",
    })
    void a_bad_worker_flag_exits_with_the_usage_code_and_one_line_naming_it(String what, String flag, String value,
            String problem) {
        Cli r = cli("worker", "--broker", server.url(), "-Q", "q1", "--app", RelTaskProvider.class.getName(), flag, value);
        assertThat(r.code).as(r.err).isEqualTo(2);
        assertThat(r.err).contains(problem);
        assertOneLine(r);
    }

    private record Cli(int code, String out, String err) {}

    private static Cli cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TasksCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(code, out.toString(), err.toString());
    }

    private static void assertOneLine(Cli r) {
        assertThat(r.err.strip().lines()).as("stderr: %s", r.err).hasSize(1);
        assertThat(r.err).doesNotContain("\tat ").doesNotContain("Exception in thread");
    }
}
