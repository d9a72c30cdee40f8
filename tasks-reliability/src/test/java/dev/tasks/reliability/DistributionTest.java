package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.OutboundMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code tasks-cli} archive as a user gets it: unpacked, a user's app compiled into its own jar (a
 * {@code TaskProvider} listed in {@code META-INF/services}), {@code bin/worker -Q q --app-jar app.jar
 * --broker redis://...} against a private redis-server runs a task sent to {@code q} and exits 0 on
 * SIGTERM; an app jar listing a class it does not hold is one line naming the class and the jar, exit 2.
 */
class DistributionTest {

    @TempDir
    Path dir;

    @Test
    void bin_worker_runs_a_task_of_a_users_jar_and_reports_a_broken_one_in_one_line() throws Exception {
        Path home = unpack();
        Path app = AppJar.build(dir, "app", "app.AppProvider");
        Path marker = dir.resolve("ran.txt");
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            Process worker = start(home, dir.resolve("worker.log"), "-Q", "q", "-c", "2", "--app-jar", app.toString(),
                    "--broker", redis.url());
            try (RedisBroker broker = RedisBroker.builder().url(redis.url()).build()) {
                EnvelopeCodec codec = EnvelopeCodec.json();
                Envelope e = Envelope.builder("d1", "app.touch").args(codec.encodeArgs(new Object[] {marker.toString()}))
                        .build();
                broker.publish(new OutboundMessage(e.id(), "q", 0, null, codec.encode(e)));
                await().atMost(Duration.ofSeconds(60)).failFast("the worker exited", () -> !worker.isAlive())
                        .until(() -> Files.exists(marker));
                worker.destroy(); // SIGTERM
                assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(worker.exitValue()).as(read(dir.resolve("worker.log"))).isZero();
                assertThat(Files.readString(marker)).isEqualTo("ran");
            } finally {
                worker.destroyForcibly();
            }

            Path broken = AppJar.build(dir, "broken", "app.AppProvidr");
            Process bad = start(home, dir.resolve("broken.log"), "-Q", "q", "--app-jar", broken.toString(),
                    "--broker", redis.url());
            try {
                assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
                String log = read(dir.resolve("broken.log"));
                assertThat(bad.exitValue()).as(log).isEqualTo(2);
                assertThat(log.strip().lines()).as(log).hasSize(1);
                assertThat(log).contains("app.AppProvidr").contains(broken.getFileName().toString());
            } finally {
                bad.destroyForcibly();
            }
        }
    }

    private Path unpack() throws Exception {
        Path target = Path.of("..", "tasks-cli", "target").toAbsolutePath().normalize();
        Path archive;
        try (Stream<Path> files = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            archive = files.filter(p -> p.getFileName().toString().matches("tasks-cli-.*\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no tasks-cli-*.tar.gz in " + target
                            + ": build it first (the reactor builds tasks-cli before this module)"));
        }
        Path out = Files.createDirectories(dir.resolve("dist"));
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", out.toString()).inheritIO().start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).isZero();
        try (Stream<Path> dirs = Files.list(out)) {
            Path home = dirs.findFirst().orElseThrow();
            for (String script : List.of("tasks", "worker", "beat")) {
                assertThat(Files.isExecutable(home.resolve("bin").resolve(script))).as(script).isTrue();
            }
            assertThat(home.resolve("conf/logback.xml")).exists();
            return home;
        }
    }

    private static Process start(Path home, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/worker").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("TASKS_"));
        env.put("JAVA", Env.java());
        env.put("TASKS_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC");
        env.put("TASKS_LOG_LEVEL", "WARN");
        pb.directory(log.getParent().toFile());
        return pb.start();
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }

}
