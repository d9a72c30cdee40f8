package dev.tasks.examples.docs;

import dev.tasks.Tasks;
import dev.tasks.TaskRegistry;
import dev.tasks.hooks.After;
import dev.tasks.hooks.HookProvider;
import dev.tasks.hooks.Hooks;
import dev.tasks.hooks.Running;
import dev.tasks.hooks.TaskInfo;
import dev.tasks.hooks.TaskListener;
import dev.tasks.spi.Broker;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.Worker;
import java.time.Duration;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The hooks guide: a tenant id carried from the request that enqueues a task to the thread that runs it. */
public final class TenantHooks implements HookProvider {
    /** What a tenant id looks like; anything else in the header is ignored. */
    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** The application's current tenant, set per request (a web filter would set and clear it). */
    public static final class Tenant {
        private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

        private Tenant() {}

        public static String current() {
            return CURRENT.get();
        }

        public static void set(String tenant) {
            CURRENT.set(tenant);
        }

        public static void clear() {
            CURRENT.remove();
        }
    }

    @Override
    public void register(Hooks.Builder hooks) {
        hooks.aroundPublish(task -> {
                    String tenant = Tenant.current();
                    if (tenant != null) {
                        task.header("tenant", tenant);
                    }
                    return After.NOTHING;
                })
                .aroundRun(run -> {
                    String tenant = run.headers().get("tenant");
                    if (tenant == null || !TENANT_ID.matcher(tenant).matches()) {
                        return After.NOTHING; // a header is text from the message: check it before using it
                    }
                    Tenant.set(tenant);
                    MDC.put("tenant", tenant);
                    return failure -> {
                        MDC.remove("tenant");
                        Tenant.clear();
                    };
                });
    }

    /** Tells the on-call channel about every dead letter, with the tenant it belongs to. */
    public static final class DeadLetterAlerts implements TaskListener {
        private static final Logger log = LogSafe.logger(DeadLetterAlerts.class); // escapes what it logs

        @Override
        public void onDeadLetter(TaskInfo task, String reason) {
            log.error("ALERT task {} ({}) of tenant {} is dead: {}", task.taskId(), task.taskName(),
                    task.headers().get("tenant"), reason);
        }

        @Override
        public void onRetry(Running run, Throwable cause, Duration delay) {
            log.info("task {} retries in {} after attempt {}", run.taskId(), delay, run.attempt());
        }
    }

    static Tasks client(Broker broker) {
        return Tasks.builder()
                .broker(broker)
                .declare(InvoiceTasks.class)
                .hooks(Hooks.builder().aroundPublish(task -> {
                    task.header("sent-by", "billing-api");
                    return After.NOTHING;
                }).build())
                .build();
    }

    static Worker worker(Broker broker, TaskRegistry registry) {
        return Worker.builder()
                .broker(broker)
                .registry(registry)
                .queues("invoices")
                .listener(new DeadLetterAlerts())
                .aroundRun(run -> {
                    long start = System.nanoTime();
                    return failure -> log(run, System.nanoTime() - start, failure);
                })
                .build();
    }

    private static void log(Running run, long nanos, Throwable failure) {
        LoggerFactory.getLogger(TenantHooks.class).debug("task {} attempt {} took {} us ({})", run.taskId(),
                run.attempt(), nanos / 1000, failure == null ? "ok" : failure.toString());
    }
}
