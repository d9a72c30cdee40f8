package dev.tasks.worker;

import dev.tasks.Brokers;
import dev.tasks.Priority;
import dev.tasks.TaskRegistry;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.TaskProvider;
import dev.tasks.tck.SimulatedWork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers {@link CliFixtureTasks} for a worker started by the CLI in another JVM. With the system
 * properties {@code tasks.test.dir} (where marker files go), {@code tasks.test.seedBroker} (an in-memory
 * broker URL) and {@code tasks.test.seed} (a count), it also enqueues one slow task, {@code slow}, of
 * {@code tasks.test.slowMillis}, and {@code seed} quick ones, so the worker process has work without a
 * broker shared between processes.
 */
public final class CliFixtureProvider implements TaskProvider {

    @Override
    public void register(TaskRegistry.Builder registry) {
        Path dir = Path.of(System.getProperty("tasks.test.dir", "."));
        registry.register(CliFixtureTasks.class, (key, millis) -> {
            touch(dir.resolve(key + ".started"));
            try {
                SimulatedWork.perform(key, millis);
            } catch (InterruptedException e) {
                touch(dir.resolve(key + ".interrupted"));
                Thread.currentThread().interrupt();
                return;
            }
            touch(dir.resolve(key + ".finished"));
        });
        String url = System.getProperty("tasks.test.seedBroker");
        if (url != null) {
            seed(Brokers.open(url), Integer.getInteger("tasks.test.seed", 0), Long.getLong("tasks.test.slowMillis", 1000));
        }
    }

    private static void seed(Broker broker, int quick, long slowMillis) {
        EnvelopeCodec codec = EnvelopeCodec.json();
        List<OutboundMessage> messages = new ArrayList<>();
        Envelope slow = Envelope.builder("slow", "cli.work").args(codec.encodeArgs(new Object[] {"slow", slowMillis}))
                .priority(Priority.MAX).build();
        messages.add(new OutboundMessage(slow.id(), "cli", Priority.MAX, null, codec.encode(slow)));
        for (int i = 0; i < quick; i++) {
            Envelope e = Envelope.builder("quick-" + i, "cli.work").args(codec.encodeArgs(new Object[] {"quick-" + i, 0L}))
                    .build();
            messages.add(new OutboundMessage(e.id(), "cli", Priority.MIN, null, codec.encode(e)));
        }
        broker.publish(messages);
    }

    private static void touch(Path p) {
        try {
            Files.writeString(p, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
