package dev.tasks.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.spi.BrokerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code tasks.*} as Boot binds them (relaxed names, map keys with dots), into the broker's settings. */
class TasksPropertiesTest {

    @Test
    void properties_become_the_brokers_url_password_and_options(@TempDir Path dir) throws IOException {
        Path secret = dir.resolve("redis-password");
        Files.writeString(secret, "s3cret\n", StandardCharsets.UTF_8);
        TasksProperties p = bind(Map.of("tasks.broker.url", "redis://127.0.0.1:6379",
                "tasks.broker.password-file", secret.toString(),
                "tasks.redis.key-prefix", "shop",
                "tasks.broker.options[redis.poolSize]", "16",
                "tasks.worker.enabled", "true",
                "tasks.worker.queues", "orders,default",
                "tasks.worker.shutdown-grace", "10s"));
        BrokerSettings s = BootBrokers.settings(p, Clock.systemUTC());
        assertThat(s.url()).isEqualTo("redis://:s3cret@127.0.0.1:6379");
        assertThat(s.redactedUrl()).doesNotContain("s3cret");
        assertThat(s.options()).containsEntry("redis.keyPrefix", "shop").containsEntry("redis.poolSize", "16");
        assertThat(p.getWorker().isEnabled()).isTrue();
        assertThat(p.getWorker().getQueues()).containsExactly("orders", "default");
        assertThat(p.getWorker().getShutdownGrace()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void the_starter_ships_configuration_metadata_for_ide_completion() throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(json).contains("\"tasks.broker.url\"", "\"tasks.broker.password-file\"",
                    "\"tasks.redis.key-prefix\"", "\"tasks.worker.enabled\"", "\"tasks.worker.shutdown-grace\"");
        }
    }

    private static TasksProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bind("tasks", TasksProperties.class)
                .orElseThrow(() -> new AssertionError("nothing bound"));
    }
}
