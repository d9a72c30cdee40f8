package dev.tasks.reliability;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.jdbc.JdbcBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A producer process for the H2 tests: sends {@code rel.record} tasks with keys {@code p0, p1, ...} in
 * batches, printing {@code sent KEY} for every task whose send returned (committed) and {@code failed KEY}
 * for the others, until it sent {@code total} or the stop file appears; then waits for the stop file, closes
 * its broker and exits normally, printing {@code exit}.
 *
 * <p>Arguments: the broker URL, the queue, the total, the batch size, the pause between batches in
 * milliseconds, the stop file, and optionally a backlog: that many tasks first, in batches of 500 without a
 * pause.
 */
public final class H2Producer {
    private H2Producer() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String queue = args[1];
        int total = Integer.parseInt(args[2]);
        int batch = Integer.parseInt(args[3]);
        long pauseNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[4]));
        Path stop = Path.of(args[5]);
        int backlog = args.length > 6 ? Integer.parseInt(args[6]) : 0;
        try (JdbcBroker broker = JdbcBroker.builder().url(url).poolSize(2).build();
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            System.out.println("open");
            System.out.flush();
            for (int i = 0; i < total && !Files.exists(stop);) {
                int size = i < backlog ? Math.min(500, backlog - i) : batch;
                List<Signature> sigs = new ArrayList<>();
                List<String> keys = new ArrayList<>();
                for (int j = i; j < Math.min(total, i + size); j++) {
                    keys.add("p" + j);
                    sigs.add(Signature.of("rel.record", "p" + j, 0L).queue(queue));
                }
                String outcome;
                try {
                    tasks.sendAll(sigs);
                    outcome = "sent ";
                } catch (RuntimeException e) {
                    outcome = "failed ";
                    System.out.println("send failed: " + e);
                }
                StringBuilder out = new StringBuilder();
                for (String k : keys) {
                    out.append(outcome).append(k).append('\n');
                }
                System.out.print(out);
                System.out.flush();
                if (i >= backlog) {
                    LockSupport.parkNanos(pauseNanos);
                }
                i += size;
            }
            System.out.println("all sent");
            System.out.flush();
            while (!Files.exists(stop)) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
        System.out.println("exit");
        System.out.flush();
    }
}
