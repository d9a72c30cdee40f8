package dev.tasks.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.TasksConfig;
import dev.tasks.spi.BrokerSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broker options and secrets given as environment variables reach the Redis broker as it expects them. */
class TasksConfigEnvironmentTest {
    @TempDir
    Path dir;

    @Test
    void option_variables_take_the_spelling_the_broker_declares_and_passwords_are_not_options() {
        TasksConfig config = TasksConfig.builder().workingDirectory(dir).environment(Map.of(
                "TASKS_BROKER_URL", "redis://127.0.0.1:6379",
                "TASKS_REDIS_KEY_PREFIX", "shop",
                "TASKS_REDIS_POOL_SIZE", "4",
                "TASKS_REDIS_PASSWORD", "s3cret")).build();
        BrokerSettings settings = config.brokerSettings(Clock.systemUTC());
        assertThat(settings.options()).containsEntry(RedisBroker.OPTION_KEY_PREFIX, "shop")
                .containsEntry(RedisBroker.OPTION_POOL_SIZE, "4")
                .doesNotContainKey("redis.password")
                .doesNotContainValue("s3cret");
        assertThat(settings.url()).doesNotContain("s3cret");
    }
}
