package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.worker.CliFixtureProvider;
import dev.tasks.Brokers;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TasksCliTest {

    private String out;
    private String err;

    private int run(String... args) {
        CliRun r = CliRun.of(args);
        out = r.out();
        err = r.err();
        return r.code();
    }

    private static String memoryUrl() {
        return "memory://cli-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void publish(Broker broker, String queue, String id) {
        Envelope e = Envelope.builder(id, "cli.work").args(EnvelopeCodec.json().encodeArgs(new Object[] {id, 0L})).build();
        broker.publish(new OutboundMessage(id, queue, 0, null, EnvelopeCodec.json().encode(e)));
    }

    private void assertOneCleanErrorLine() {
        assertThat(err.strip().lines().count()).as("stderr: %s", err).isEqualTo(1);
        assertThat(err).doesNotContain("Exception in").doesNotContain("\tat ").doesNotContain("    at ");
    }

    @Test
    void help_of_every_command_shows_usage_and_exit_codes() {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"worker", "--help"},
                new String[] {"inspect", "--help"}, new String[] {"dlq", "--help"}, new String[] {"dlq", "list", "--help"},
                new String[] {"dlq", "replay", "--help"}, new String[] {"dlq", "purge", "--help"},
                new String[] {"purge", "--help"}, new String[] {"migrate", "--help"}, new String[] {"workers", "--help"},
                new String[] {"show", "--help"})) {
            assertThat(run(args)).as(String.join(" ", args)).isZero();
            assertThat(out).contains("Usage:").contains("Exit codes:").contains("3  worker stopped itself");
        }
        run("worker", "--help");
        assertThat(out).contains("-Q, --queues=QUEUE").contains("-c, --concurrency=N").contains("--pool=platform|virtual")
                .contains("--prefetch=N").contains("--grace=DURATION").contains("--max-stuck-threads=N")
                .contains("--metrics-port=PORT").contains("--app=CLASS").contains("--broker=URL")
                .contains("TASKS_BROKER_PASSWORD");
    }

    @Test
    void version_is_printed_by_every_command() {
        assertThat(run("--version")).isZero();
        assertThat(out).startsWith("tasks 0.1.0-SNAPSHOT");
        assertThat(run("worker", "--version")).isZero();
        assertThat(out).startsWith("tasks ");
    }

    @Test
    void an_unknown_flag_prints_one_line_and_exits_with_usage_code() {
        assertThat(run("worker", "--frobnicate")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("tasks worker: Unknown option: '--frobnicate'").contains("tasks worker --help");
        assertOneCleanErrorLine();
    }

    @Test
    void no_command_is_a_usage_error() {
        assertThat(run()).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("a command is required");
        assertOneCleanErrorLine();
    }

    @Test
    void a_bad_queue_name_prints_one_line_and_exits_with_usage_code() {
        assertThat(run("worker", "-Q", "orders,bad queue", "--broker", memoryUrl())).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("invalid queue name 'bad queue'");
        assertOneCleanErrorLine();
    }

    @Test
    void a_bad_pool_or_number_prints_one_line_and_exits_with_usage_code() {
        assertThat(run("worker", "--pool", "turbo")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("--pool");
        assertOneCleanErrorLine();
        assertThat(run("worker", "-c", "0", "--broker", memoryUrl(), "--app", CliFixtureProvider.class.getName()))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("concurrency must be >= 1, was 0");
        assertOneCleanErrorLine();
        assertThat(run("worker", "--grace", "soon")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("invalid duration 'soon'");
    }

    @Test
    void a_broker_url_no_module_handles_prints_one_line_without_the_password() {
        assertThat(run("inspect", "--broker", "foo://user:secret@host/x")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("no broker for URL 'foo://user:***@host/x'").doesNotContain("secret");
        assertOneCleanErrorLine();
    }

    @Test
    void worker_without_tasks_or_with_a_missing_app_class_exits_with_usage_code() {
        assertThat(run("worker", "--broker", memoryUrl())).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("no tasks to run");
        assertOneCleanErrorLine();
        assertThat(run("worker", "--broker", memoryUrl(), "--app", "com.example.Missing")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("--app com.example.Missing: class not found");
        assertThat(run("worker", "--broker", memoryUrl(), "--app", String.class.getName())).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("does not implement dev.tasks.spi.TaskProvider");
    }

    @Test
    void migrate_says_when_a_broker_has_no_schema() {
        assertThat(run("migrate", "--broker", memoryUrl())).isZero();
        assertThat(out).contains("this broker has no schema to migrate");
    }

    @Test
    void inspect_shows_counts_per_queue() {
        String url = memoryUrl();
        Broker broker = Brokers.open(url);
        publish(broker, "orders", "o1");
        publish(broker, "orders", "o2");
        publish(broker, "billing", "b1");
        broker.fetch(List.of("billing"), 1, Duration.ofMinutes(1), Duration.ZERO);
        assertThat(run("inspect", "--broker", url)).isZero();
        assertThat(out.lines()).hasSize(3);
        assertThat(out.lines().toList().get(0)).matches("QUEUE\\s+READY\\s+DELAYED\\s+IN-FLIGHT\\s+DEAD");
        assertThat(out).containsPattern("billing\\s+0\\s+0\\s+1\\s+0").containsPattern("orders\\s+2\\s+0\\s+0\\s+0");
    }

    @Test
    void purge_refuses_without_yes_and_purges_with_it() {
        String url = memoryUrl();
        publish(Brokers.open(url), "orders", "o1");
        publish(Brokers.open(url), "orders", "o2");
        assertThat(run("purge", "-Q", "orders", "--broker", url)).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("refusing to purge without --yes: queue 'orders' has 2 ready and 0 delayed task(s)");
        assertOneCleanErrorLine();

        String url2 = memoryUrl();
        publish(Brokers.open(url2), "orders", "o1");
        publish(Brokers.open(url2), "orders", "o2");
        assertThat(run("purge", "-Q", "orders", "--yes", "--broker", url2)).isZero();
        assertThat(out).contains("purged 2 task(s) from queue 'orders'");
    }

    @Test
    void dlq_lists_replays_and_purges_dead_letters() {
        String url = memoryUrl();
        Broker broker = Brokers.open(url);
        publish(broker, "orders", "o1");
        Delivery d = broker.fetch(List.of("orders"), 1, Duration.ofMinutes(1), Duration.ZERO).get(0);
        broker.deadLetter(d, "retries exhausted: boom");
        assertThat(run("dlq", "list", "-Q", "orders", "--payload", "--broker", url)).isZero();
        assertThat(out).contains("task=o1").contains("deliveries=1").contains("reason=retries exhausted: boom")
                .contains("payload: {");

        broker = Brokers.open(url);
        publish(broker, "orders", "o2");
        d = broker.fetch(List.of("orders"), 1, Duration.ofMinutes(1), Duration.ZERO).get(0);
        broker.deadLetter(d, "bad");
        String id = broker.deadLetters("orders", 10).get(0).id();
        assertThat(run("dlq", "replay", "-Q", "orders", "--id", id, "--broker", url)).isZero();
        assertThat(out).contains("replayed 1 dead letter(s) to queue 'orders'");

        broker = Brokers.open(url);
        publish(broker, "orders", "o3");
        d = broker.fetch(List.of("orders"), 1, Duration.ofMinutes(1), Duration.ZERO).get(0);
        broker.deadLetter(d, "bad");
        assertThat(run("dlq", "purge", "-Q", "orders", "--broker", url)).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("refusing to purge the 1 dead letter(s) of queue 'orders' without --yes");
        broker = Brokers.open(url);
        publish(broker, "orders", "o4");
        d = broker.fetch(List.of("orders"), 1, Duration.ofMinutes(1), Duration.ZERO).get(0);
        broker.deadLetter(d, "bad");
        assertThat(run("dlq", "purge", "-Q", "orders", "--yes", "--broker", url)).isZero();
        assertThat(out).contains("purged 1 dead letter(s) from queue 'orders'");
    }
}
