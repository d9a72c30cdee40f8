package dev.tasks.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * Runs the harness's smoke mode in-process against Redis: proves every scenario runs end to end (no
 * timing is asserted). Skipped when Redis is unreachable, unless {@code CI=true}.
 */
class SmokeTest {

    @Test
    void smoke_mode_runs_every_redis_scenario_without_failure() {
        String url = redisUrl();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        int status = BenchmarkMain.run(out, "--smoke", "--only", "redis", "--redis-url", url);

        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).doesNotContain("FAIL ");
        assertThat(status).as(printed).isZero();
        assertThat(printed).contains("LIMIT name=redis_benchmark_xadd ", "RESULT broker=redis metric=process_noop_c16 ",
                "RESULT broker=redis metric=enqueue_single_t16 ", "RESULT broker=redis metric=latency_enqueue_to_start_p99 ",
                "RESULT broker=redis metric=process_noop_2proc_c16 ", "RESULT broker=redis metric=worker_process_idle_rss ");
        assertThat(printed.lines().filter(l -> l.startsWith("RESULT "))).allMatch(
                l -> l.matches("RESULT broker=\\S+ metric=\\S+ value=\\S+ unit=\\S+ ratio_to_limit=\\S+ limit=\\S+.*"));
    }

    @Test
    void unknown_options_are_refused_with_usage() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = BenchmarkMain.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), "--fast");
        assertThat(status).isEqualTo(2);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("unknown option '--fast'", "usage:");
    }

    private static String redisUrl() {
        String env = System.getenv("TASKS_TEST_REDIS_URL");
        String url = env == null || env.isBlank() ? "redis://127.0.0.1:6379" : env;
        try (RedisClient c = RedisClient.create(url)) {
            c.ping();
            return url;
        } catch (RuntimeException e) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError("Redis for the benchmark smoke test is unreachable under CI=true: " + e, e);
            }
            assumeTrue(false, "Redis unreachable, skipping the benchmark smoke test: " + e);
            return null;
        }
    }
}
