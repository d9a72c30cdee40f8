package dev.tasks.examples;

import dev.tasks.Brokers;
import dev.tasks.Tasks;
import dev.tasks.TasksConfig;
import dev.tasks.examples.shop.AnalyticsTasks;
import dev.tasks.examples.shop.BillingTasks;
import dev.tasks.examples.shop.NotificationTasks;
import dev.tasks.examples.shop.OrderTasks;
import dev.tasks.examples.shop.Shop;
import dev.tasks.examples.shop.ShopDatabase;
import dev.tasks.examples.shop.ShopService;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.QueueStats;
import dev.tasks.worker.Worker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The quickstart demo: runs the shop on the configured broker (the embedded H2 default unless
 * {@code TASKS_BROKER_URL} says otherwise) with two in-process workers, places a burst of orders, shows live
 * progress, and ends with a summary. Exit code 0 when every task settled as expected.
 */
final class Demo {
    static final List<String> QUEUES = List.of("orders", "billing", "notifications", "analytics_low_priority");
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final PrintStream out;
    private final boolean ansi;
    private final int orders;

    Demo(PrintStream out, boolean ansi, int orders) {
        this.out = out;
        this.ansi = ansi;
        this.orders = orders;
    }

    int run() throws InterruptedException {
        return run(TasksConfig.load(), Shop.database());
    }

    /** Runs the demo on the broker of {@code config} and the shop tables of {@code db}; returns the exit code. */
    int run(TasksConfig config, ShopDatabase db) throws InterruptedException {
        Clock clock = Clock.systemUTC();
        out.println("tasks demo: a shop placing " + orders + " orders");
        out.println("  broker:   " + BrokerSettings.redact(config.brokerUrl()));
        out.println("  shop db:  " + BrokerSettings.redact(Shop.shopDatabaseUrl(config)));
        out.println();
        MeterRegistry meters = new SimpleMeterRegistry();
        try (Broker broker = Brokers.open(config.brokerSettings(clock))) {
            db.clear();
            for (String q : QUEUES) {
                broker.purge(q);
                broker.purgeDeadLetters(q);
            }
            Worker front = Worker.builder().broker(broker).registry(Shop.registry(db)).queues("orders", "billing", "notifications")
                    .concurrency(4).meterRegistry(meters).workerId("demo-front").build();
            Worker back = Worker.builder().broker(broker).registry(Shop.registry(db)).queues("analytics_low_priority")
                    .concurrency(2).meterRegistry(meters).workerId("demo-analytics").build();
            front.start();
            back.start();
            long started = System.nanoTime();
            int expected;
            try (Tasks tasks = Tasks.builder().broker(broker).routes(Shop.routes())
                    .declare(OrderTasks.class, BillingTasks.class, NotificationTasks.class, AnalyticsTasks.class).build()) {
                ShopService shop = new ShopService(db, tasks);
                for (int i = 1; i <= orders; i++) {
                    BigDecimal amount = i == orders / 2 ? new BigDecimal("4999.00")
                            : BigDecimal.valueOf(10 + (i * 37L) % 490).setScale(2);
                    shop.placeOrder(i, "customer-" + (i % 17), amount);
                }
                LocalDate normalDay = LocalDate.of(2026, 11, 20);
                LocalDate blackFriday = LocalDate.of(2026, 11, 27);
                tasks.delay(AnalyticsTasks.class, t -> t.nightlyReport(normalDay));
                tasks.delay(AnalyticsTasks.class, t -> t.nightlyReport(blackFriday));
                expected = orders * 4 + 2;
                boolean done = watch(broker, meters, expected, started);
                front.stop(Duration.ofSeconds(10));
                back.stop(Duration.ofSeconds(10));
                summary(broker, db, meters, expected, started, normalDay, blackFriday);
                return done ? 0 : 1;
            } finally {
                front.stopNow();
                back.stopNow();
            }
        }
    }

    private boolean watch(Broker broker, MeterRegistry meters, int expected, long started) throws InterruptedException {
        int drawn = 0;
        long deadline = started + TIMEOUT.toNanos();
        long lastPlain = 0;
        while (true) {
            Counts c = Counts.of(meters);
            long settled = c.succeeded + c.dead;
            boolean done = settled >= expected;
            List<String> lines = table(broker, c, expected, settled, started);
            if (ansi) {
                if (drawn > 0) {
                    out.print("\u001b[" + drawn + "F");
                }
                for (String l : lines) {
                    out.print(l + "\u001b[K\n");
                }
                drawn = lines.size();
                out.flush();
            } else if (done || System.nanoTime() - lastPlain > 2_000_000_000L) {
                out.println(lines.get(lines.size() - 1).trim());
                lastPlain = System.nanoTime();
            }
            if (done) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                out.println("timed out after " + TIMEOUT.toSeconds() + " s with " + settled + " of " + expected
                        + " tasks settled");
                return false;
            }
            Thread.sleep(200);
        }
    }

    private record Counts(long succeeded, long retried, long failed, long dead) {
        static Counts of(MeterRegistry meters) {
            return new Counts(count(meters, "tasks.succeeded"), count(meters, "tasks.retried"),
                    count(meters, "tasks.failed"), count(meters, "tasks.dead.lettered"));
        }
    }

    private List<String> table(Broker broker, Counts c, int expected, long settled, long started) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "  %-24s %7s %7s %9s %6s%n", "queue", "ready", "delayed", "in-flight", "dead"));
        for (String q : QUEUES) {
            QueueStats s = broker.stats(q);
            sb.append(String.format(Locale.ROOT, "  %-24s %7d %7d %9d %6d%n", q, s.ready(), s.delayed(), s.inFlight(), s.dead()));
        }
        int width = 30;
        int filled = (int) Math.min(width, settled * width / Math.max(1, expected));
        sb.append(String.format(Locale.ROOT, "  [%s%s] %d/%d settled  done %d  retried %d  failed %d  dead %d  %.1fs",
                "#".repeat(filled), ".".repeat(width - filled), settled, expected, c.succeeded, c.retried, c.failed,
                c.dead, (System.nanoTime() - started) / 1e9));
        return List.of(sb.toString().split("\n"));
    }

    private void summary(Broker broker, ShopDatabase db, MeterRegistry meters, int expected, long started,
            LocalDate normalDay, LocalDate blackFriday) {
        out.println();
        out.printf(Locale.ROOT, "summary after %.1f s:%n", (System.nanoTime() - started) / 1e9);
        out.printf(Locale.ROOT, "  tasks: %d enqueued, %d succeeded, %d retries, %d failed runs, %d dead-lettered%n",
                expected, count(meters, "tasks.succeeded"), count(meters, "tasks.retried"), count(meters, "tasks.failed"),
                count(meters, "tasks.dead.lettered"));
        Map<String, Long> rows = db.counts();
        out.printf(Locale.ROOT, "  shop:  %d orders, %d charged, %d confirmations sent, %d texts, %d events%n",
                rows.get("orders"), rows.get("payments"), rows.get("emails"), rows.get("texts"), rows.get("events"));
        out.printf(Locale.ROOT, "  reports: %s -> %s, %s -> %s (over its soft time limit, cleaned up)%n", normalDay,
                db.reportStatus(normalDay.toString()), blackFriday, db.reportStatus(blackFriday.toString()));
        out.println("  logs: .tasks/demo.log");
        out.println("  dead letters (inspect with: bin/tasks dlq list -Q <queue>):");
        for (String q : QUEUES) {
            for (DeadLetter d : broker.deadLetters(q, 10)) {
                String reason = d.reason();
                int trace = reason.indexOf("; at ");
                out.println("    " + q + ": " + (trace > 0 ? reason.substring(0, trace) : reason));
            }
        }
    }

    static long count(MeterRegistry meters, String name) {
        double sum = 0;
        for (Counter c : meters.find(name).counters()) {
            sum += c.count();
        }
        return (long) sum;
    }
}
