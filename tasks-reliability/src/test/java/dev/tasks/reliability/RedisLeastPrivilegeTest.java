package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Brokers;
import dev.tasks.Signature;
import dev.tasks.TaskHandle;
import dev.tasks.Tasks;
import dev.tasks.TasksConfig;
import dev.tasks.beat.Beat;
import dev.tasks.beat.Schedule;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import dev.tasks.worker.cli.TasksCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A Redis ACL user holding exactly the commands docs/brokers.md lists (read from the page, so page and
 * test cannot drift), on a private server whose {@code default} user needs a password: a producer, a
 * worker process, beat and the CLI ({@code inspect}, {@code dlq list/replay/purge}, {@code purge},
 * {@code revoke}) all work with it, without {@code INFO} or {@code @dangerous}, and the server's ACL log
 * stays empty (no command was refused). The worker logs in as the user of {@code redis://tasks-app@host}
 * with the password from {@code TASKS_BROKER_PASSWORD}, and does not warn that its URL carries a password.
 */
class RedisLeastPrivilegeTest {
    static final String ADMIN_PASSWORD = Secrets.fresh("admin");
    static final String PASSWORD = Secrets.fresh("tasksapp");
    static final String USER = "tasks-app";

    @TempDir
    static Path dir;
    static RedisServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = RedisServer.start(dir, "--requirepass", ADMIN_PASSWORD);
        List<String> acl = documentedAcl();
        try (Jedis admin = admin()) {
            admin.aclSetUser(USER, acl.toArray(String[]::new));
            admin.aclLogReset();
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** The rules of the {@code ACL SETUSER tasks-app ...} line of docs/brokers.md, with a real password. */
    static List<String> documentedAcl() throws IOException {
        Path page = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/brokers.md");
        for (String line : Files.readAllLines(page)) {
            if (line.startsWith("ACL SETUSER " + USER + " ")) {
                List<String> rules = new ArrayList<>(Arrays.asList(line.trim().split("\\s+")));
                rules = new ArrayList<>(rules.subList(3, rules.size()));
                assertThat(rules).contains(">PASSWORD", "-@all").doesNotContain("+@all", "+info", "+@dangerous");
                rules.replaceAll(r -> r.equals(">PASSWORD") ? ">" + PASSWORD : r);
                return rules;
            }
        }
        throw new AssertionError("docs/brokers.md has no line 'ACL SETUSER " + USER + " ...'");
    }

    static Jedis admin() {
        Jedis j = new Jedis("127.0.0.1", server.port());
        j.auth(ADMIN_PASSWORD);
        return j;
    }

    /**
     * What the server refused so far (ACL LOG), for assertions. On Redis 7.2 and later the driver also
     * sends {@code CLIENT SETINFO}, optional in the documented list (7.0 does not know it) and ignored by
     * the driver when refused, so it does not count.
     */
    static String refused() {
        try (Jedis admin = admin()) {
            StringBuilder sb = new StringBuilder();
            admin.aclLog().stream().filter(e -> !"client|setinfo".equalsIgnoreCase(e.getObject()))
                    .forEach(e -> sb.append(e.getContext()).append(' ').append(e.getObject()).append(" (")
                    .append(e.getReason()).append(", user ").append(e.getUsername()).append(")\n"));
            return sb.toString();
        }
    }

    private String host() {
        return "127.0.0.1:" + server.port();
    }

    @Test
    void producer_worker_beat_and_cli_work_as_the_documented_least_privilege_user() throws Exception {
        String queue = "acl-" + UUID.randomUUID().toString().substring(0, 8);
        String beatQueue = queue + "-beat";
        String withPassword = "redis://" + USER + ":" + PASSWORD + "@" + host();
        try (LogCapture logs = new LogCapture();
                WorkerProcess worker = WorkerProcess.builder(dir.resolve("acl-worker.log"))
                        .env("TASKS_BROKER_PASSWORD", PASSWORD)
                        .worker(queue, "--broker", "redis://" + USER + "@" + host(), "--unknown-task-grace", "PT0S")
                        .start();
                RedisBroker broker = RedisBroker.builder().url(withPassword).build();
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            // producer, and a result through the result store and its pub/sub wake-up
            TaskHandle sum = tasks.send(Signature.of("rel.add", 20, 22).queue(queue));
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.log().contains("worker started")
                    || !worker.isAlive());
            assertThat(worker.isAlive()).as(worker.log()).isTrue();
            Integer result;
            try {
                result = sum.result(Integer.class, Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                throw new AssertionError("no result; refused: " + refused() + "\nworker: " + worker.warnings(), e);
            }
            assertThat(result).isEqualTo(42);
            // an unknown task is dead-lettered (no grace)
            tasks.send(Signature.of("rel.gone", 1).queue(queue));
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.stats(queue).dead() == 1);

            // beat: leader lock, fenced state, periodic enqueue (to a queue no worker reads)
            try (Beat beat = Beat.builder().tasks(tasks).lockTtl(Duration.ofSeconds(3)).tick(Duration.ofMillis(200))
                    .schedules(Schedule.builder("acl-every-second").task(Signature.of("rel.noop", 1L))
                            .queue(beatQueue).every(Duration.ofSeconds(1)).build())
                    .build()) {
                beat.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> broker.stats(beatQueue).ready() >= 1);
            }

            // the CLI, password from a properties file, user from the URL
            Path props = dir.resolve("acl-tasks.properties");
            Files.writeString(props, "tasks.broker.url=redis://" + USER + "@" + host() + "\n"
                    + "tasks.broker.password=" + PASSWORD + "\n");
            cli("inspect", "--config", props.toString(), "-Q", queue);
            assertThat(cli("dlq", "list", "--config", props.toString(), "-Q", queue)).contains("rel.gone");
            assertThat(cli("dlq", "replay", "--config", props.toString(), "-Q", queue)).contains("replayed 1");
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.stats(queue).dead() == 1);
            cli("dlq", "purge", "--config", props.toString(), "-Q", queue, "--yes");
            assertThat(broker.stats(queue).dead()).isZero();
            cli("purge", "--config", props.toString(), "-Q", beatQueue, "--yes");
            cli("revoke", "--config", props.toString(), UUID.randomUUID().toString());

            // TASKS_BROKER_PASSWORD with the user of "redis://tasks-app:@host" (was NOAUTH)
            Map<String, String> env = Map.of("TASKS_BROKER_PASSWORD", PASSWORD);
            try (Broker viaConfig = Brokers.open(TasksConfig.builder().environment(env).workingDirectory(dir)
                    .set(TasksConfig.BROKER_URL, "redis://" + USER + ":@" + host()).build()
                    .brokerSettings(Clock.systemUTC()))) {
                assertThat(viaConfig.describe()).contains(USER + "@").doesNotContain(PASSWORD);
                assertThat(viaConfig.stats(queue).dead()).isZero();
            }

            worker.terminate();
            assertThat(worker.waitFor(30)).as(worker.log()).isZero();
            assertThat(refused()).as("commands the server refused").isEmpty();
            assertThat(worker.log()).contains("Redis broker ready: redis://" + USER + "@")
                    .doesNotContain("carries a password")
                    .doesNotContain("did not say its version")
                    .doesNotContain("NOPERM");
            assertThat(logs.text()).doesNotContain("did not say its version").doesNotContain("NOPERM");
            Secrets.assertNotIn("worker log", worker.log(), PASSWORD, ADMIN_PASSWORD);
            Secrets.assertNotIn("logs", logs.text(), PASSWORD, ADMIN_PASSWORD);
        }
    }

    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TasksCli.run(new PrintWriter(out), new PrintWriter(err), args);
        assertThat(code).as(String.join(" ", args) + ": " + err + "\nrefused: " + refused()).isZero();
        Secrets.assertNotIn("cli output", out + "\n" + err, PASSWORD, ADMIN_PASSWORD);
        return out.toString();
    }
}
