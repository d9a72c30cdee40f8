package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.OutboundMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21's report end to end: a worker in its own JVM runs {@code relsec.wrap(Wrapper w)}, whose
 * {@code Wrapper} takes {@code @JsonTypeInfo(use = CLASS)}, registered past the registration checks
 * ({@link GadgetTaskProvider}); the report's message, naming a gadget class, is written straight into the
 * Redis queue. The gadget is never constructed, the message is dead-lettered with a reason saying why, and
 * the worker keeps running.
 */
class ClassNameGadgetEndToEndTest {
    @TempDir
    static Path dir;
    static RedisServer server;

    @BeforeAll
    static void startServer() {
        server = RedisServer.start(dir);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void a_message_naming_a_class_is_dead_lettered_and_the_class_is_never_constructed() throws Exception {
        String queue = "rsec-" + UUID.randomUUID().toString().substring(0, 8);
        Path marker = dir.resolve("gadget-constructed");
        String id = UUID.randomUUID().toString();
        String payload = "{\"v\":1,\"id\":\"" + id + "\",\"task\":\"relsec.wrap\",\"args\":[{\"inner\":{\"@class\":\""
                + GadgetTaskProvider.Gadget.class.getName() + "\"}}],\"queue\":\"" + queue + "\"}";
        try (RedisBroker broker = RedisBroker.builder().url(server.url()).build();
                WorkerProcess worker = WorkerProcess.builder(dir.resolve("gadget-worker.log"))
                        .systemProperty("rel.gadget.marker", marker.toString())
                        .args("worker", "-Q", queue, "--app", GadgetTaskProvider.class.getName(), "--broker",
                                server.url())
                        .start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.log().contains("worker started")
                    || !worker.isAlive());
            assertThat(worker.isAlive()).as(worker.log()).isTrue();

            broker.publish(List.of(new OutboundMessage(id, queue, 0, null, payload)));

            await().atMost(Duration.ofSeconds(30)).until(() -> broker.stats(queue).dead() == 1 || !worker.isAlive()
                    || Files.exists(marker));
            assertThat(marker).as("the gadget's constructor ran in the worker").doesNotExist();
            List<DeadLetter> dead = broker.deadLetters(queue, 10);
            assertThat(dead).as(worker.log()).hasSize(1);
            assertThat(dead.get(0).messageId()).isEqualTo(id);
            assertThat(dead.get(0).reason())
                    .contains("relsec.wrap")
                    .contains("takes Java class names as type ids")
                    .contains("no class a message names is ever loaded");
            assertThat(marker).as("the gadget's constructor ran in the worker").doesNotExist();
            assertThat(broker.stats(queue).ready()).isZero();
            assertThat(worker.isAlive()).as(worker.log()).isTrue();
            worker.terminate();
            assertThat(worker.waitFor(30)).as(worker.log()).isZero();
            assertThat(Files.exists(marker)).isFalse();
        }
    }
}
