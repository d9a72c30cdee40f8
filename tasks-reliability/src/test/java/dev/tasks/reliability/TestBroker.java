package dev.tasks.reliability;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One broker for a test that runs worker processes: how a worker process reaches it (command-line arguments
 * without secrets), a broker for the test JVM, and a run log that other processes can write. Closing it
 * stops the private server or drops the schema it made.
 */
abstract class TestBroker implements AutoCloseable {
    private final String name;

    private TestBroker(String name) {
        this.name = name;
    }

    /** {@link #redis} (in a new folder under {@code dir}) or {@link #postgres}, by name. */
    static TestBroker of(String kind, Path dir) {
        switch (kind) {
            case "redis":
                try {
                    return redis(Files.createDirectories(dir.resolve("redis-server")));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            case "postgresql":
                return postgres();
            default:
                throw new IllegalArgumentException("no test broker " + kind);
        }
    }

    /**
     * Starts {@code worker -Q queue} on this broker with the given worker flags, its log in
     * {@code dir/<id>.log}, its tasks recording to the run log named {@code runLog}.
     */
    WorkerProcess worker(Path dir, String queue, String id, String runLog, String... flags) {
        List<String> args = new java.util.ArrayList<>(workerArgs(dir));
        args.addAll(List.of(flags));
        args.addAll(List.of("--worker-id", id));
        return WorkerProcess.builder(dir.resolve(id + ".log"))
                .systemProperty("rel.runlog", runLogUrl(runLog))
                .worker(queue, args.toArray(String[]::new))
                .start();
    }

    /** A private {@code redis-server} in {@code dir}. */
    static TestBroker redis(Path dir) {
        RedisServer server = RedisServer.start(dir);
        return new TestBroker("redis") {
            @Override
            List<String> workerArgs(Path dir) {
                return List.of("--broker", server.url());
            }

            @Override
            Broker open() {
                return RedisBroker.builder().url(server.url()).build();
            }

            @Override
            String runLogUrl(String log) {
                return RedisRunLog.url(server, log);
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }

    /** A fresh schema on the test PostgreSQL server. */
    static TestBroker postgres() {
        String schema = TestPostgres.freshSchema();
        return new TestBroker("postgresql") {
            @Override
            List<String> workerArgs(Path dir) {
                Path config = dir.resolve("pg-" + schema + ".properties");
                write(config, "tasks.broker.url=" + TestPostgres.url() + "\ntasks.jdbc.schema=" + schema + "\n");
                return List.of("--config", config.toString());
            }

            @Override
            Broker open() {
                return JdbcBroker.builder().url(TestPostgres.url()).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema))
                        .build();
            }

            @Override
            String runLogUrl(String log) {
                return JdbcRunLog.url(TestPostgres.url(), schema + "." + log.replace('-', '_'));
            }

            @Override
            public void close() {
                TestPostgres.dropSchema(schema);
            }
        };
    }

    /** The arguments with which a {@code worker} process reaches this broker; files it needs go to {@code dir}. */
    abstract List<String> workerArgs(Path dir);

    /** A broker for the test JVM (the caller closes it). */
    abstract Broker open();

    /** A {@link RunLog#open} URL named {@code log}, reachable from other processes. */
    abstract String runLogUrl(String log);

    @Override
    public abstract void close();

    @Override
    public String toString() {
        return name;
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
