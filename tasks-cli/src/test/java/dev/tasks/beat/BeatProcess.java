package dev.tasks.beat;

import static org.awaitility.Awaitility.await;

import dev.tasks.beat.cli.BeatMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A {@code beat} command in a JVM of its own, started with a {@code tasks.properties} (broker and options)
 * and a schedule file. Its output (with beat's INFO log) is captured line by line with the time each line
 * arrived. Signals: {@link #kill()} (SIGKILL), {@link #pause()} / {@link #resume()} (SIGSTOP / SIGCONT),
 * {@link #stopWarmly()} (SIGTERM).
 */
final class BeatProcess implements AutoCloseable {
    private static final Pattern ENQUEUED = Pattern.compile("beat: enqueued .* slot (\\S+Z)");
    private static final Pattern RESENT = Pattern.compile("slot (\\S+Z) was recorded but its enqueue was not confirmed");
    private static final String LOGBACK = """
            <configuration>
              <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n</pattern></encoder>
              </appender>
              <logger name="dev.tasks.beat" level="INFO"/>
              <root level="WARN"><appender-ref ref="OUT"/></root>
            </configuration>
            """;

    /** One line of output and when the test read it. */
    record Line(Instant at, String text) {}

    private final String name;
    private final Process process;
    private final List<Line> lines = new CopyOnWriteArrayList<>();

    private BeatProcess(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    /**
     * Starts {@code beat} with {@code config} as {@code TASKS_CONFIG}, the schedule file, a lock TTL and a
     * lock name; {@link #awaitRunning()} waits until it says it runs.
     */
    static BeatProcess start(String name, Path dir, Path config, Path scheduleFile, String lockTtl, String lockName)
            throws IOException {
        Path logback = dir.resolve("logback-beat.xml");
        if (!Files.exists(logback)) {
            Files.writeString(logback, LOGBACK);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=" + logback, "-cp", System.getProperty("java.class.path"),
                BeatMain.class.getName(), "--schedule-file", scheduleFile.toString(), "--lock-ttl", lockTtl,
                "--lock-name", lockName).redirectErrorStream(true).directory(dir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TASKS_"));
        pb.environment().put("TASKS_CONFIG", config.toString());
        BeatProcess p = new BeatProcess(name, pb.start());
        Thread reader = new Thread(p::read, "beat-output-" + name);
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    /** Waits (up to 60 s) until the process printed that it runs; fails with its output if it did not. */
    BeatProcess awaitRunning() {
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> first("beat: running").isPresent() || !process.isAlive());
        } catch (RuntimeException e) {
            throw new AssertionError(name + " did not start within 60 s:\n" + output(), e);
        }
        if (first("beat: running").isEmpty()) {
            throw new AssertionError(name + " exited at start:\n" + output());
        }
        return this;
    }

    /** When this process last took the leader lock, if it did. */
    Optional<Instant> leaderSince() {
        return last("is now the leader").map(Line::at);
    }

    /** The last line containing {@code text}, if any yet. */
    Optional<Line> last(String text) {
        return lines.stream().filter(l -> l.text().contains(text)).reduce((x, y) -> y);
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(new Line(Instant.now(), line));
            }
        } catch (IOException e) {
            lines.add(new Line(Instant.now(), "(output closed: " + e + ")"));
        }
    }

    /** The first line containing {@code text}, if any yet. */
    Optional<Line> first(String text) {
        return lines.stream().filter(l -> l.text().contains(text)).findFirst();
    }

    /** The slots this process logged as enqueued. */
    List<Instant> enqueuedSlots() {
        return matches(ENQUEUED);
    }

    /** The slots this process sent again because their enqueue was recorded but not confirmed. */
    List<Instant> resentSlots() {
        return matches(RESENT);
    }

    private List<Instant> matches(Pattern pattern) {
        return lines.stream().map(l -> pattern.matcher(l.text())).filter(Matcher::find)
                .map(m -> Instant.parse(m.group(1))).toList();
    }

    String output() {
        return lines.stream().map(Line::text).collect(Collectors.joining("\n", "--- " + name + " ---\n", "\n"));
    }

    /** SIGKILL: no warm stop, the lease must expire. Returns when the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not die within 30 s of SIGKILL");
        }
    }

    /** SIGSTOP: the JVM freezes (threads, timers and all) until {@link #resume()}. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String sig) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).redirectErrorStream(true).start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new AssertionError("kill -" + sig + " " + process.pid() + " failed");
        }
    }

    /** SIGTERM, then waits up to 30 s for the exit; returns the exit status. */
    int stopWarmly() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not stop within 30 s of SIGTERM:\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
