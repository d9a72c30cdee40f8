package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.OutboundMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's container image ({@code tasks-cli/target/tasks-worker-image.tar}, built by the {@code image}
 * profile) run as a container engine would, without one: the image tarball's layers are applied in order
 * to an empty root file system, and its entrypoint runs there with the image's environment, user and
 * working directory ({@code unshare --mount-proc --root}, so {@code /proc} is the only thing added; the
 * network is the host's). {@code worker --help} prints the worker's usage and exits 0; with a user's jar
 * copied to {@code /app/ext}, {@code worker -Q q --broker redis://...} runs a task published to {@code q}
 * against a private redis-server, as the image's non-root user, and exits 0 on SIGTERM. Without the image
 * the test is skipped, or fails under {@code CI=true}; it needs root (for the new root directory).
 */
class ContainerImageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void the_image_runs_worker_help_and_a_users_task_and_stops_cleanly_on_sigterm() throws Exception {
        Path image = Path.of("..", "tasks-cli", "target", "tasks-worker-image.tar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(image)) {
            throw Env.unavailable("no container image " + image
                    + ": build it with ./mvnw -pl tasks-cli -am -Pimage package");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw Env.unavailable("running an image's root file system needs root");
        }
        Path unshare = Env.executable("unshare");
        Image img = unpack(image, Files.createDirectories(dir.resolve("rootfs")));
        assertThat(img.user()).as("the image's user").isEqualTo("65532:65532");

        Container help = img.run(unshare, List.of("worker", "--help"), dir.resolve("help.log"));
        assertThat(help.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
        String helpLog = Files.readString(help.log());
        assertThat(help.process().exitValue()).as(helpLog).isZero();
        assertThat(helpLog).contains("Usage: tasks worker").contains("--queues");

        Files.copy(AppJar.build(dir, "app", "app.AppProvider"), img.root().resolve("app/ext/app.jar"));
        Path marker = img.root().resolve("tmp/ran.txt");
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            Container worker = img.run(unshare, List.of("worker", "-Q", "q", "-c", "2", "--broker", redis.url()),
                    dir.resolve("worker.log"));
            try (RedisBroker broker = RedisBroker.builder().url(redis.url()).build()) {
                EnvelopeCodec codec = EnvelopeCodec.json();
                Envelope e = Envelope.builder("c1", "app.touch")
                        .args(codec.encodeArgs(new Object[] {"/tmp/ran.txt"})).build();
                broker.publish(new OutboundMessage(e.id(), "q", 0, null, codec.encode(e)));
                try {
                    await().atMost(Duration.ofSeconds(90)).failFast("the worker exited", () -> !worker.process().isAlive())
                            .until(() -> Files.exists(marker));
                } catch (ConditionTimeoutException | TerminalFailureException ex) {
                    throw new AssertionError("the task did not run; the worker's output:\n" + Files.readString(worker.log()), ex);
                }
                assertThat(Files.readString(marker)).isEqualTo("ran");
                assertThat(Files.getAttribute(marker, "unix:uid")).as("the task ran as the image's user").isEqualTo(65532);
                worker.process().destroy(); // SIGTERM, to the JVM itself: unshare execs the entrypoint
                assertThat(worker.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(worker.process().exitValue()).as(Files.readString(worker.log())).isZero();
            } finally {
                worker.process().destroyForcibly();
            }
        }
    }

    /** An image's configuration and its unpacked root file system. */
    private record Image(Path root, List<String> entrypoint, Map<String, String> env, String user, String workdir) {

        /** Runs {@code entrypoint + args} in the root file system, as a container engine would, output to {@code log}. */
        Container run(Path unshare, List<String> args, Path log) throws IOException {
            String[] ids = user.split(":");
            List<String> cmd = new ArrayList<>(List.of(unshare.toString(), "--mount-proc", "--root=" + root,
                    "--wd=" + workdir, "--setgid=" + ids[1], "--setuid=" + ids[0], "--"));
            cmd.addAll(entrypoint);
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            return new Container(pb.start(), log);
        }
    }

    private record Container(Process process, Path log) {}

    /**
     * Unpacks an image tarball (Docker's {@code manifest.json} layout, or an OCI image layout) and applies its
     * layers in order to {@code root}; a layer that deletes files (whiteouts) is refused, since the image has
     * no reason to contain one.
     */
    private Image unpack(Path tarball, Path root) throws Exception {
        Path out = Files.createDirectories(dir.resolve("image"));
        tar("-xf", tarball.toString(), "-C", out.toString());
        JsonNode config;
        List<Path> layers = new ArrayList<>();
        if (Files.exists(out.resolve("manifest.json"))) {
            JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile()).get(0);
            config = JSON.readTree(out.resolve(manifest.get("Config").asText()).toFile());
            manifest.get("Layers").forEach(l -> layers.add(out.resolve(l.asText())));
        } else {
            JsonNode index = JSON.readTree(out.resolve("index.json").toFile());
            JsonNode manifest = JSON.readTree(blob(out, index.get("manifests").get(0)).toFile());
            config = JSON.readTree(blob(out, manifest.get("config")).toFile());
            manifest.get("layers").forEach(l -> layers.add(blob(out, l)));
        }
        assertThat(layers).isNotEmpty();
        for (Path layer : layers) {
            String listing = tar("-tzf", layer.toString());
            assertThat(listing).as("whiteouts in " + layer).doesNotContain(".wh.");
            tar("-xzf", layer.toString(), "-C", root.toString());
        }
        Files.createDirectories(root.resolve("proc"));

        JsonNode c = config.get("config");
        List<String> entrypoint = new ArrayList<>();
        c.get("Entrypoint").forEach(a -> entrypoint.add(a.asText()));
        Map<String, String> env = new LinkedHashMap<>();
        c.get("Env").forEach(v -> {
            String[] kv = v.asText().split("=", 2);
            env.put(kv[0], kv[1]);
        });
        return new Image(root, entrypoint, env, c.path("User").asText("0:0"), c.path("WorkingDir").asText("/"));
    }

    private static Path blob(Path layout, JsonNode descriptor) {
        String[] digest = descriptor.get("digest").asText().split(":", 2);
        return layout.resolve("blobs").resolve(digest[0]).resolve(digest[1]);
    }

    /** Runs GNU tar (quiet about the extended headers Jib writes), returns its output; fails on a non-zero exit. */
    private String tar(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Env.executable("tar").toString(), "--warning=no-unknown-keyword"));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "tar", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("tar " + String.join(" ", args)).isTrue();
        String output = Files.readString(log);
        assertThat(p.exitValue()).as("tar " + String.join(" ", args) + ": " + output).isZero();
        return output;
    }
}
