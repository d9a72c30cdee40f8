package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.Brokers;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.OutboundMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {

    @TempDir
    Path dir;

    private String out;
    private String err;

    private int run(String... args) {
        CliRun r = CliRun.of(args);
        out = r.out();
        err = r.err();
        return r.code();
    }

    private Path config(String url) throws IOException {
        Path file = dir.resolve("tasks.properties");
        Files.writeString(file, String.join("\n",
                "tasks.broker.url=" + url,
                "tasks.process.orders-worker=worker -Q orders -c 4",
                "tasks.process.analytics=worker -Q analytics_low_priority -c 1",
                "tasks.process.scheduler=beat",
                "tasks.process.counts=inspect",
                "tasks.process.purge-orders=purge -Q orders",
                "tasks.process.bad-worker=worker -c 0",
                "tasks.process.typo=wroker -Q orders",
                ""));
        return file;
    }

    private static void publish(Broker broker, String queue, String id) {
        Envelope e = Envelope.builder(id, "cli.work").args(EnvelopeCodec.json().encodeArgs(new Object[] {id, 0L})).build();
        broker.publish(new OutboundMessage(id, queue, 0, null, EnvelopeCodec.json().encode(e)));
    }

    private static String memoryUrl() {
        return "memory://run-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private void assertOneCleanErrorLine() {
        assertThat(err.strip().lines().count()).as("stderr: %s", err).isEqualTo(1);
        assertThat(err).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void list_prints_every_profile_with_its_command_line_sorted_by_name() throws IOException {
        Path file = config(memoryUrl());
        assertThat(run("run", "--config", file.toString(), "--list")).isZero();
        assertThat(out.lines().toList()).containsExactly(
                "analytics\tworker -Q analytics_low_priority -c 1",
                "bad-worker\tworker -c 0",
                "counts\tinspect",
                "orders-worker\tworker -Q orders -c 4",
                "purge-orders\tpurge -Q orders",
                "scheduler\tbeat",
                "typo\twroker -Q orders");
    }

    @Test
    void a_profile_runs_its_command_against_the_configured_broker() throws IOException {
        String url = memoryUrl();
        Broker broker = Brokers.open(url);
        publish(broker, "orders", "o1");
        publish(broker, "orders", "o2");
        Path file = config(url);
        assertThat(run("run", "--config", file.toString(), "counts")).as(err).isZero();
        assertThat(out).containsPattern("orders\\s+2\\s+0\\s+0\\s+0");
    }

    @Test
    void extra_arguments_are_appended_to_the_profile() throws IOException {
        String url = memoryUrl();
        publish(Brokers.open(url), "orders", "o1");
        Path file = config(url);
        assertThat(run("run", "--config", file.toString(), "purge-orders")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("tasks purge: refusing to purge without --yes: queue 'orders' has 1 ready");

        String url2 = memoryUrl(); // a memory broker forgets its tasks once a user closes it
        publish(Brokers.open(url2), "orders", "o1");
        file = config(url2);
        assertThat(run("run", "--config", file.toString(), "purge-orders", "--yes")).as(err).isZero();
        assertThat(out).contains("purged 1 task(s) from queue 'orders'");
    }

    @Test
    void a_worker_profile_reaches_the_worker_command_with_its_flags() throws IOException {
        Path file = config(memoryUrl());
        assertThat(run("run", "--config", file.toString(), "bad-worker")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).startsWith("tasks worker: ");
        assertOneCleanErrorLine();
    }

    @Test
    void an_unknown_profile_is_one_line_listing_the_known_ones() throws IOException {
        Path file = config(memoryUrl());
        assertThat(run("run", "--config", file.toString(), "order-worker")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("tasks run: unknown profile 'order-worker'; known profiles: analytics, bad-worker,"
                + " counts, orders-worker, purge-orders, scheduler, typo (from " + file + ")");
        assertOneCleanErrorLine();
    }

    @Test
    void a_profile_naming_an_unknown_command_is_one_line() throws IOException {
        Path file = config(memoryUrl());
        assertThat(run("run", "--config", file.toString(), "typo")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("tasks run: profile 'typo' names unknown command 'wroker' (tasks.process.typo in "
                + file + "); commands: ");
        assertThat(err).contains("worker, ").doesNotContain("run,");
        assertOneCleanErrorLine();
    }

    @Test
    void a_bad_profile_name_or_a_missing_one_is_one_line() throws IOException {
        Path file = config(memoryUrl());
        assertThat(run("run", "--config", file.toString(), "../x")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("tasks run: bad profile name '../x'");
        assertOneCleanErrorLine();
        assertThat(run("run", "--config", file.toString())).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("tasks run: a profile name is required; known profiles: analytics,");
        assertOneCleanErrorLine();
    }

    @Test
    void without_profiles_the_error_says_how_to_declare_one() throws IOException {
        Path file = dir.resolve("empty.properties");
        Files.writeString(file, "tasks.broker.url=" + memoryUrl() + "\n");
        assertThat(run("run", "--config", file.toString(), "worker")).isEqualTo(ExitCodes.USAGE);
        assertThat(err).contains("unknown profile 'worker'; no profiles are configured (tasks.process.<name>=<command> in "
                + file + ")");
        assertOneCleanErrorLine();
    }
}
