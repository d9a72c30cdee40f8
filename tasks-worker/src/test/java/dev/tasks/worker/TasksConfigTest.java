package dev.tasks.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.Brokers;
import dev.tasks.ConfigurationException;
import dev.tasks.TasksConfig;
import dev.tasks.spi.BrokerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TasksConfig} (in tasks-api), exercised where the CLI uses it. */
class TasksConfigTest {

    @TempDir
    Path dir;

    private void properties(String text) throws IOException {
        Files.writeString(dir.resolve("tasks.properties"), text);
    }

    @Test
    void flag_wins_over_environment_which_wins_over_file_which_wins_over_default() throws IOException {
        assertThat(TasksConfig.builder().environment(Map.of()).workingDirectory(dir).build().brokerUrl())
                .isEqualTo(Brokers.DEFAULT_URL);
        properties("tasks.broker.url=redis://file:6379\n");
        TasksConfig.Builder b = TasksConfig.builder().environment(Map.of()).workingDirectory(dir);
        assertThat(b.build().brokerUrl()).isEqualTo("redis://file:6379");
        assertThat(b.build().brokerUrlSource()).isEqualTo(TasksConfig.Source.FILE);
        b.environment(Map.of("TASKS_BROKER_URL", "redis://env:6379"));
        assertThat(b.build().brokerUrl()).isEqualTo("redis://env:6379");
        b.set(TasksConfig.BROKER_URL, "redis://flag:6379");
        assertThat(b.build().brokerUrl()).isEqualTo("redis://flag:6379");
        assertThat(b.build().brokerUrlSource()).isEqualTo(TasksConfig.Source.EXPLICIT);
    }

    @Test
    void without_file_reads_neither_the_working_directory_file_nor_the_one_tasks_config_names() throws IOException {
        properties("tasks.broker.url=redis://file:6379\ntasks.redis.keyPrefix=file\n");
        TasksConfig c = TasksConfig.builder().environment(Map.of(TasksConfig.CONFIG_ENV, dir.resolve("missing").toString()))
                .workingDirectory(dir).withoutFile().set("redis.keyPrefix", "explicit").build();
        assertThat(c.brokerUrl()).isEqualTo(Brokers.DEFAULT_URL);
        assertThat(c.file()).isEmpty();
        assertThat(c.brokerSettings(Clock.systemUTC()).options()).containsEntry("redis.keyPrefix", "explicit");
    }

    @Test
    void reads_the_file_named_by_tasks_config_and_fails_when_it_is_missing() throws IOException {
        Path other = dir.resolve("other.properties");
        Files.writeString(other, "broker.url=jdbc:postgresql://db/app\nworker.concurrency=8\n");
        TasksConfig c = TasksConfig.builder().environment(Map.of("TASKS_CONFIG", other.toString())).build();
        assertThat(c.brokerUrl()).isEqualTo("jdbc:postgresql://db/app");
        assertThat(c.get("worker.concurrency")).contains("8");
        assertThat(c.get("tasks.worker.concurrency")).contains("8");
        assertThatThrownBy(() -> TasksConfig.builder().environment(Map.of("TASKS_CONFIG", dir.resolve("nope").toString()))
                .build()).isInstanceOf(ConfigurationException.class).hasMessageContaining("does not exist");
    }

    @Test
    void maps_camel_case_setting_names_to_environment_variables() {
        assertThat(TasksConfig.envName("tasks.redis.keyPrefix")).isEqualTo("TASKS_REDIS_KEY_PREFIX");
        assertThat(TasksConfig.envName("worker.max-stuck-threads")).isEqualTo("TASKS_WORKER_MAX_STUCK_THREADS");
        TasksConfig c = TasksConfig.builder().environment(Map.of("TASKS_REDIS_KEY_PREFIX", "app:")).workingDirectory(dir)
                .build();
        assertThat(c.get("redis.keyPrefix")).contains("app:");
    }

    @Test
    void passes_other_settings_to_the_broker_as_options_without_prefix() throws IOException {
        properties("tasks.redis.keyPrefix=file:\ntasks.jdbc.autoMigrate=false\n");
        BrokerSettings s = TasksConfig.builder().environment(Map.of("TASKS_REDIS_KEY_PREFIX", "env:"))
                .workingDirectory(dir).build().brokerSettings(Clock.systemUTC());
        assertThat(s.options()).containsEntry("redis.keyPrefix", "env:").containsEntry("jdbc.autoMigrate", "false");
        assertThat(s.url()).isEqualTo(Brokers.DEFAULT_URL);
    }

    @Test
    void merges_a_password_from_the_environment_or_a_file_into_the_url_and_never_shows_it() throws IOException {
        TasksConfig env = TasksConfig.builder().workingDirectory(dir)
                .environment(Map.of("TASKS_BROKER_URL", "redis://cache:6379/0", "TASKS_BROKER_PASSWORD", "s3cr et"))
                .build();
        assertThat(env.brokerSettings(Clock.systemUTC()).url()).isEqualTo("redis://:s3cr%20et@cache:6379/0");
        assertThat(env.describe()).contains("password=***").doesNotContain("s3cr");
        assertThat(env.brokerSettings(Clock.systemUTC()).options()).doesNotContainKey("broker.password");

        Path secret = dir.resolve("pw");
        Files.writeString(secret, "filepw\n");
        TasksConfig file = TasksConfig.builder().workingDirectory(dir).environment(Map.of(
                "TASKS_BROKER_URL", "jdbc:postgresql://db/app?user=app", "TASKS_BROKER_PASSWORD_FILE", secret.toString()))
                .build();
        assertThat(file.brokerSettings(Clock.systemUTC()).url()).isEqualTo("jdbc:postgresql://db/app?user=app&password=filepw");
        TasksConfig h2 = TasksConfig.builder().workingDirectory(dir).environment(Map.of(
                "TASKS_BROKER_URL", "jdbc:h2:file:./x", "TASKS_BROKER_PASSWORD", "pw")).build();
        assertThat(h2.brokerSettings(Clock.systemUTC()).url()).isEqualTo("jdbc:h2:file:./x;PASSWORD=pw");
        TasksConfig user = TasksConfig.builder().workingDirectory(dir).environment(Map.of(
                "TASKS_BROKER_URL", "rediss://app@cache:6380", "TASKS_BROKER_PASSWORD", "pw")).build();
        assertThat(user.brokerSettings(Clock.systemUTC()).url()).isEqualTo("rediss://app:pw@cache:6380");
    }
}
