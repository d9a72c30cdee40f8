package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasks.Signature;
import dev.tasks.TaskHandle;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.TasksException;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.QueueStats;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.awaitility.core.ConditionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;

/**
 * Random and malformed input, end to end on Redis: entries written straight into a queue's streams (as a
 * buggy or hostile producer would) and random argument values through the client. Each one ends in
 * exactly one way: rejected at enqueue with a message naming the task, run (when it happens to be valid),
 * or dead-lettered with a reason. The worker keeps running, never spins, and never loads a class a message
 * names.
 */
class MaliciousInputPropertyTest {
    private static final Logger log = LoggerFactory.getLogger(MaliciousInputPropertyTest.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Duration SETTLE = Duration.ofSeconds(20);

    static Path dir;
    static RedisServer server;
    static RedisBroker broker;
    static Tasks tasks;
    static Worker worker;
    static RunLog runs;
    static RedisClient raw;
    static String queue;
    static String streamPrefix;

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("rel-malicious");
        server = RedisServer.start(dir);
        queue = "bad-" + UUID.randomUUID().toString().substring(0, 8);
        streamPrefix = RedisBroker.DEFAULT_KEY_PREFIX + ":{q:" + queue + "}:s:";
        broker = RedisBroker.builder().url(server.url()).build();
        runs = RunLog.open(RedisRunLog.url(server, "runs"));
        raw = RedisClient.create(server.url());
        tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build();
        worker = Worker.builder().broker(broker)
                .registry(TaskRegistry.builder().register(RelTasks.class, new RelTasksImpl(() -> runs)).build())
                .queues(queue).concurrency(2).unknownTaskGrace(Duration.ZERO).fetchWait(Duration.ofMillis(200))
                .build();
        worker.start();
    }

    @AfterContainer
    static void stop() throws IOException {
        try {
            assertThat(System.getProperty(Canary.LOADED)).as("a class named in a message was loaded").isNull();
        } finally {
            if (worker != null) {
                worker.stop(Duration.ofSeconds(2));
            }
            if (tasks != null) {
                tasks.close();
            }
            if (broker != null) {
                broker.close();
            }
            if (raw != null) {
                raw.close();
            }
            if (runs != null) {
                runs.close();
            }
            if (server != null) {
                server.close();
            }
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // ------------------------------------------------------------------ entries written into the streams

    @Property(tries = 200)
    void a_malformed_stream_entry_is_dead_lettered_with_a_reason(@ForAll("malformedEntries") Map<String, String> fields,
            @ForAll("levels") int level) {
        long deadBefore = broker.stats(queue).dead();
        long ranBefore = RelTasksImpl.completed();
        raw.xadd(streamPrefix + level, StreamEntryID.NEW_ENTRY, fields);
        settle().until(() -> broker.stats(queue).dead() == deadBefore + 1);
        awaitDrained();
        DeadLetter d = newestDeadLetter();
        assertThat(d.reason()).as("dead letter of %s", fields).isNotBlank();
        assertThat(RelTasksImpl.completed()).isEqualTo(ranBefore);
        if (fields.containsKey("p") && !d.reason().startsWith("unknown task")) {
            // as Redis holds it: UTF-8 of the string (a lone surrogate became '?')
            String stored = new String(fields.get("p").getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            assertThat(d.payload()).as("the payload is kept as it was").isEqualTo(stored);
        }
        assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
    }

    @Property(tries = 200)
    void any_arguments_for_a_typed_task_either_run_or_are_dead_lettered_with_a_reason(
            @ForAll("typedTaskNames") String task, @ForAll("jsonArgs") ArrayNode args) {
        ObjectNode env = envelope(task, args);
        String id = env.get("id").asText();
        long deadBefore = broker.stats(queue).dead();
        long ranBefore = RelTasksImpl.completed();
        raw.xadd(streamPrefix + 4, StreamEntryID.NEW_ENTRY, Map.of("id", id, "p", env.toString()));
        settle().until(() -> broker.stats(queue).dead() + RelTasksImpl.completed()
                == deadBefore + ranBefore + 1);
        awaitDrained();
        if (broker.stats(queue).dead() > deadBefore) {
            DeadLetter d = newestDeadLetter();
            assertThat(d.messageId()).isEqualTo(id);
            assertThat(d.reason()).as("args %s", args).isNotBlank();
        }
        assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
    }

    // ------------------------------------------------------------------ random values through the client

    @Property(tries = 200)
    void any_call_through_the_client_is_rejected_with_the_task_name_or_ends_run_or_dead_lettered(
            @ForAll("clientTaskNames") String task, @ForAll("argLists") List<Object> args) {
        long deadBefore = broker.stats(queue).dead();
        long ranBefore = RelTasksImpl.completed();
        TaskHandle handle;
        try {
            handle = tasks.send(Signature.of(task, args.toArray()).queue(queue));
        } catch (TasksException e) {
            assertThat(e.getMessage()).as("rejection of %s%s", task, args).isNotBlank().contains(task);
            assertThat(broker.stats(queue).ready()).isZero();
            return;
        } catch (IllegalArgumentException e) {
            // Signature.of refuses a blank name before any enqueue
            assertThat(task).isBlank();
            assertThat(e.getMessage()).isEqualTo("task name must not be empty");
            return;
        }
        settle().until(() -> broker.stats(queue).dead() + RelTasksImpl.completed()
                == deadBefore + ranBefore + 1);
        awaitDrained();
        if (broker.stats(queue).dead() > deadBefore) {
            DeadLetter d = newestDeadLetter();
            assertThat(d.messageId()).isEqualTo(handle.id());
            assertThat(d.reason()).isNotBlank();
        }
        assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
    }

    // ------------------------------------------------------------------ examples

    @Example
    void json_literals_that_are_not_objects_are_dead_lettered_at_once() {
        // "null" used to decode to a null envelope: the worker failed with a NullPointerException and left
        // the message leased until its lease ran out, again and again until the poison limit.
        List<String> payloads = List.of("null", " null ", "0", "true", "\"\"", "[]", "[null]");
        long deadBefore = broker.stats(queue).dead();
        for (String p : payloads) {
            raw.xadd(streamPrefix + 0, StreamEntryID.NEW_ENTRY, Map.of("id", "literal-" + p.strip(), "p", p));
        }
        settle().until(() -> broker.stats(queue).dead() == deadBefore + payloads.size());
        awaitDrained();
        List<DeadLetter> dead = broker.deadLetters(queue, 100_000);
        assertThat(dead.subList(dead.size() - payloads.size(), dead.size())).allSatisfy(d ->
                assertThat(d.reason()).startsWith("malformed task message"));
    }

    @Example
    void no_class_named_by_a_message_is_loaded_or_instantiated() {
        long deadBefore = broker.stats(queue).dead();
        long echoesBefore = RelTasksImpl.ECHOES.get();
        ObjectNode gadget = JSON.objectNode().put("@class", Canary.NAME).put("@type", Canary.NAME);
        gadget.putArray("@c").add(Canary.NAME).add(JSON.objectNode());
        // a class name as the task name, and gadget-shaped arguments to typed and untyped tasks
        publishRaw(envelope(Canary.NAME, JSON.arrayNode()));
        publishRaw(envelope("java.lang.Runtime", JSON.arrayNode().add("touch /tmp/x")));
        publishRaw(envelope("rel.add", JSON.arrayNode().add(gadget).add(1)));
        publishRaw(envelope("rel.echo", JSON.arrayNode().add(gadget)));
        publishRaw(envelope("rel.echo", JSON.arrayNode().add(JSON.arrayNode().add(Canary.NAME).add(JSON.objectNode()))));
        tasks.send(Signature.of("rel.echo", Map.of("@class", Canary.NAME)).queue(queue));
        settle().until(() -> broker.stats(queue).dead() == deadBefore + 3
                && RelTasksImpl.ECHOES.get() == echoesBefore + 3);
        awaitDrained();
        List<DeadLetter> dead = broker.deadLetters(queue, 10_000);
        List<String> reasons = dead.subList(dead.size() - 3, dead.size()).stream().map(DeadLetter::reason).toList();
        assertThat(reasons).anyMatch(r -> r.startsWith("unknown task '" + Canary.NAME + "'"));
        assertThat(reasons).anyMatch(r -> r.startsWith("unknown task 'java.lang.Runtime'"));
        assertThat(reasons).anyMatch(r -> r.contains("argument 0 (a) must be int"));
        assertThat(System.getProperty(Canary.LOADED)).as("Canary was loaded").isNull();
    }

    @Example
    void the_worker_idles_without_spinning_after_a_flood_of_bad_entries() {
        long deadBefore = broker.stats(queue).dead();
        for (int i = 0; i < 500; i++) {
            raw.xadd(streamPrefix + (i % 10), StreamEntryID.NEW_ENTRY, Map.of("id", "flood-" + i, "p", "{\"v\":" + i));
        }
        settle().until(() -> broker.stats(queue).dead() == deadBefore + 500);
        awaitDrained();
        ThreadCpu cpu = new ThreadCpu();
        long t0 = System.nanoTime();
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
        long cpuMillis = cpu.millis(name -> name.startsWith("tasks-worker-" + queue));
        long wallMillis = (System.nanoTime() - t0) / 1_000_000;
        log.info("idle after 500 malformed entries: {} ms of CPU in the worker's threads in {} ms; busiest threads: {}",
                cpuMillis, wallMillis, cpu.top(5));
        assertThat(cpuMillis).as("busiest: %s", cpu.top(5)).isLessThan(wallMillis / 10);
        assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<Integer> levels() {
        return Arbitraries.integers().between(0, 9);
    }

    @Provide
    Arbitrary<Map<String, String>> malformedEntries() {
        Arbitrary<String> ids = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40),
                Arbitraries.create(() -> UUID.randomUUID().toString()));
        Arbitrary<String> payload = Arbitraries.oneOf(
                garbage(),
                jsonNotAnEnvelope(),
                brokenEnvelope(),
                unknownTaskEnvelope(),
                wrongArgumentsEnvelope(),
                deeplyNested(),
                oversized());
        Arbitrary<Map<String, String>> withPayload = Combinators.combine(ids.injectDuplicates(0), payload,
                Arbitraries.of(true, false), Arbitraries.strings().ofMaxLength(20)).as((id, p, withId, t) -> {
                    Map<String, String> m = new LinkedHashMap<>();
                    if (withId) {
                        m.put("id", id);
                    }
                    m.put("p", p);
                    m.put("t", t);
                    return m;
                });
        Arbitrary<Map<String, String>> withoutPayload = Arbitraries.maps(
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(5).filter(k -> !k.equals("p")),
                Arbitraries.strings().ofMaxLength(50)).ofMinSize(1).ofMaxSize(4);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, withPayload),
                net.jqwik.api.Tuple.of(1, withoutPayload));
    }

    /** Payloads no valid producer writes: garbage, JSON that is no envelope, broken envelopes, and worse. */
    static Arbitrary<String> malformedPayloads() {
        return Arbitraries.oneOf(garbage(), jsonNotAnEnvelope(), brokenEnvelope(), unknownTaskEnvelope(),
                wrongArgumentsEnvelope(), deeplyNested(), oversized());
    }

    private static Arbitrary<String> garbage() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(200),
                Arbitraries.strings().withChars("{}[]\":,\\ ").ofMaxLength(60),
                Arbitraries.of("", " ", "null", "{", "{\"v\":1", "\u0000", "\uFFFF\uD800", "{}{}", "[]"));
    }

    private static Arbitrary<String> jsonNotAnEnvelope() {
        return Arbitraries.oneOf(
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.strings().alpha().ofMaxLength(20).map(s -> "\"" + s + "\""),
                Arbitraries.of("true", "[1,2,3]", "{}", "{\"v\":1}", "{\"id\":\"x\"}", "{\"task\":\"rel.add\"}"));
    }

    /** A valid rel.add envelope with one change that makes it invalid. */
    private static Arbitrary<String> brokenEnvelope() {
        return Arbitraries.of(
                        "drop:v", "drop:id", "drop:task", "v:0", "v:2", "v:-1", "v:str", "id:obj", "id:arr", "task:obj",
                        "task:num", "args:obj", "args:str", "args:num", "eta:bad", "expires:bad", "createdAt:bad",
                        "attempt:str", "attempt:obj", "priority:str", "headers:arr", "headers:str", "maxRetries:str")
                .map(change -> {
                    ObjectNode e = envelope("rel.add", JSON.arrayNode().add(1).add(2));
                    String[] p = change.split(":");
                    String f = p[0];
                    switch (p[1]) {
                        case "v", "id", "task" -> e.remove(p[1]);
                        case "0" -> e.put(f, 0);
                        case "2" -> e.put(f, 2);
                        case "-1" -> e.put(f, -1);
                        case "str" -> e.put(f, "seven");
                        case "obj" -> e.putObject(f).put("a", 1);
                        case "arr" -> e.putArray(f).add(1);
                        case "num" -> e.put(f, 42);
                        case "bad" -> e.put(f, "yesterday");
                        default -> throw new IllegalArgumentException(change);
                    }
                    return e.toString();
                });
    }

    private static Arbitrary<String> unknownTaskEnvelope() {
        Arbitrary<String> names = Arbitraries.oneOf(
                Arbitraries.strings().ofMinLength(1).ofMaxLength(80),
                Arbitraries.of(Canary.NAME, "java.lang.Runtime", "java.lang.ProcessBuilder",
                        "com.sun.rowset.JdbcRowSetImpl", "org.springframework.context.support.FileSystemXmlApplicationContext",
                        "javax.script.ScriptEngineManager", "rel.add ", "REL.ADD", "rel.add\u0000", "rel.", ".add"));
        return names.map(n -> envelope(n, JSON.arrayNode().add(1).add(2)).toString());
    }

    private static Arbitrary<String> wrongArgumentsEnvelope() {
        return Arbitraries.oneOf(
                        Arbitraries.of("[]", "[1]", "[1,2,3]", "[\"1\",2]", "[1.5,2]", "[true,2]", "[null,2]",
                                "[{\"@class\":\"" + Canary.NAME + "\"},2]", "[[1],2]", "[1e400,2]",
                                "[9999999999999,2]", "[1,{}]"),
                        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(20).map(s -> "[\"" + s + "\",1]"))
                .map(args -> {
                    ObjectNode e = envelope("rel.add", JSON.arrayNode());
                    return e.toString().replace("\"args\":[]", "\"args\":" + args);
                });
    }

    private static Arbitrary<String> deeplyNested() {
        return Arbitraries.integers().between(201, 5000).map(depth -> {
            String inner = "[".repeat(depth) + "]".repeat(depth);
            return envelope("rel.echo", JSON.arrayNode()).toString().replace("\"args\":[]", "\"args\":[" + inner + "]");
        });
    }

    private static Arbitrary<String> oversized() {
        return Arbitraries.integers().between(1, 4).map(mb -> {
            String big = "x".repeat(mb * 1024 * 1024);
            return envelope("rel.add", JSON.arrayNode().add(big).add(1)).toString();
        });
    }

    @Provide
    Arbitrary<String> typedTaskNames() {
        return Arbitraries.of("rel.add", "rel.names", "rel.noop", "rel.echo");
    }

    @Provide
    Arbitrary<ArrayNode> jsonArgs() {
        return jsonValue(3).list().ofMaxSize(4).map(list -> {
            ArrayNode a = JSON.arrayNode();
            list.forEach(a::add);
            return a;
        });
    }

    private static Arbitrary<JsonNode> jsonValue(int depth) {
        List<Arbitrary<JsonNode>> choices = new ArrayList<>(List.of(
                Arbitraries.integers().map(JSON::numberNode),
                Arbitraries.longs().map(JSON::numberNode),
                Arbitraries.doubles().map(JSON::numberNode),
                Arbitraries.strings().ofMaxLength(30).map(JSON::textNode),
                Arbitraries.of(true, false).map(JSON::booleanNode),
                Arbitraries.just(JSON.nullNode()),
                Arbitraries.just(JSON.objectNode().put("@class", Canary.NAME))));
        if (depth > 0) {
            choices.add(jsonValue(depth - 1).list().ofMaxSize(3).map(l -> {
                ArrayNode a = JSON.arrayNode();
                l.forEach(a::add);
                return a;
            }));
            choices.add(Arbitraries.maps(Arbitraries.strings().ofMaxLength(8), jsonValue(depth - 1)).ofMaxSize(3)
                    .map(m -> {
                        ObjectNode o = JSON.objectNode();
                        m.forEach(o::set);
                        return o;
                    }));
        }
        return Arbitraries.oneOf(choices);
    }

    @Provide
    Arbitrary<String> clientTaskNames() {
        return Arbitraries.oneOf(
                Arbitraries.of("rel.add", "rel.names", "rel.noop", "rel.echo"),
                Arbitraries.of(Canary.NAME, "java.lang.Runtime", "nobody.knows"),
                Arbitraries.strings().ofMinLength(0).ofMaxLength(40));
    }

    @Provide
    Arbitrary<List<Object>> argLists() {
        return javaValue(2).list().ofMaxSize(3);
    }

    private static Arbitrary<Object> javaValue(int depth) {
        List<Arbitrary<Object>> choices = new ArrayList<>(List.of(
                Arbitraries.integers().map(i -> (Object) i),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.bigIntegers().between(java.math.BigInteger.ZERO, java.math.BigInteger.TEN.pow(30))
                        .map(b -> (Object) b),
                Arbitraries.strings().ofMaxLength(30).map(s -> (Object) s),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.just(Map.of("@class", Canary.NAME)).map(m -> (Object) m),
                Arbitraries.of(java.time.Instant.EPOCH, java.time.Duration.ofSeconds(5), UUID.randomUUID())
                        .map(o -> (Object) o)));
        if (depth > 0) {
            choices.add(javaValue(depth - 1).list().ofMaxSize(3).map(l -> (Object) l));
            choices.add(Arbitraries.maps(Arbitraries.strings().ofMaxLength(8), javaValue(depth - 1)).ofMaxSize(3)
                    .map(m -> (Object) m));
        }
        return Arbitraries.oneOf(choices);
    }

    // ------------------------------------------------------------------ helpers

    static ObjectNode envelope(String task, ArrayNode args) {
        ObjectNode e = JSON.objectNode();
        e.put("v", 1);
        e.put("id", UUID.randomUUID().toString());
        e.put("task", task);
        e.set("args", args);
        e.put("queue", queue);
        e.put("attempt", 0);
        e.put("priority", 4);
        e.put("createdAt", "2026-01-01T00:00:00Z");
        return e;
    }

    private static void publishRaw(ObjectNode envelope) {
        raw.xadd(streamPrefix + 4, StreamEntryID.NEW_ENTRY,
                Map.of("id", envelope.get("id").asText(), "p", envelope.toString()));
    }

    private static DeadLetter newestDeadLetter() {
        List<DeadLetter> all = broker.deadLetters(queue, 100_000);
        return all.get(all.size() - 1);
    }

    private static void awaitDrained() {
        settle().untilAsserted(() -> {
            QueueStats s = broker.stats(queue);
            assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s", s).isZero();
        });
    }

    private static ConditionFactory settle() {
        return await().atMost(SETTLE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }
}
