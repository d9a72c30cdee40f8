package dev.tasks.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code tasks.*} properties of a Spring Boot application ({@code application.yml} or
 * {@code .properties}, the environment: {@code TASKS_BROKER_URL}, ...). Boot binds them once at start-up.
 */
@ConfigurationProperties(prefix = "tasks")
public class TasksProperties {

    private final Broker broker = new Broker();
    private final Redis redis = new Redis();
    private final Jdbc jdbc = new Jdbc();
    private final Worker worker = new Worker();
    private final BeatSettings beat = new BeatSettings();

    /**
     * Routing rules, as in {@code tasks.properties}: {@code "orders.*=orders,reports.*=slow"}. Empty: each task
     * goes to its module's queue.
     */
    private String routes;

    public Broker getBroker() {
        return broker;
    }

    public Redis getRedis() {
        return redis;
    }

    public Jdbc getJdbc() {
        return jdbc;
    }

    public Worker getWorker() {
        return worker;
    }

    public BeatSettings getBeat() {
        return beat;
    }

    public String getRoutes() {
        return routes;
    }

    public void setRoutes(String routes) {
        this.routes = routes;
    }

    /** Where tasks are published and fetched. */
    public static class Broker {
        /**
         * Broker URL: redis://host:6379, rediss://..., jdbc:postgresql://..., jdbc:h2:... Unset with a DataSource
         * in the context: the JDBC broker on that DataSource (the application's own database and pool).
         */
        private String url;

        /** Broker password, when the URL carries none. Never logged. */
        private String password;

        /** A file whose first line is the broker password (a Kubernetes or Docker secret). */
        private String passwordFile;

        /**
         * Further broker options by their tasks.properties name without the "tasks." prefix, e.g.
         * {@code tasks.broker.options[redis.poolSize]=16} or {@code [jdbc.pollInterval]: 200}.
         */
        private Map<String, String> options = new LinkedHashMap<>();

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public String getPasswordFile() {
            return passwordFile;
        }

        public void setPasswordFile(String passwordFile) {
            this.passwordFile = passwordFile;
        }

        public Map<String, String> getOptions() {
            return options;
        }

        public void setOptions(Map<String, String> options) {
            this.options = options;
        }
    }

    /** Options of the Redis broker. */
    public static class Redis {
        /** Prefix of every Redis key the broker writes (several applications on one Redis). */
        private String keyPrefix;

        public String getKeyPrefix() {
            return keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }
    }

    /** Options of the JDBC broker. */
    public static class Jdbc {
        /** Schema of the broker's tables; default: the connection's current schema. */
        private String schema;

        /** Prefix of the broker's table names; default "tasks_". */
        private String tablePrefix;

        public String getSchema() {
            return schema;
        }

        public void setSchema(String schema) {
            this.schema = schema;
        }

        public String getTablePrefix() {
            return tablePrefix;
        }

        public void setTablePrefix(String tablePrefix) {
            this.tablePrefix = tablePrefix;
        }
    }

    /** The embedded beat: enqueues the application's Schedule and ScheduleProvider beans. */
    public static class BeatSettings {
        /** Whether to run an embedded beat (one leader at a time across the application's instances). */
        private boolean enabled;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** The embedded worker: runs the task beans of this application inside it. */
    public static class Worker {
        /** Whether to run an embedded worker, started and warm-stopped with the application context. */
        private boolean enabled;

        /** Queues to consume, in priority order. */
        private List<String> queues = new ArrayList<>(List.of(dev.tasks.spi.Queues.DEFAULT_QUEUE));

        /** Tasks run at once; default: the number of processors. */
        private Integer concurrency;

        /** Tasks fetched ahead per worker; default 4 per slot, 0 for long tasks. */
        private Integer prefetch;

        /** How long a fetched task is held before another worker may take it over (renewed while it runs). */
        private Duration lease = dev.tasks.worker.WorkerConfig.DEFAULT_LEASE;

        /**
         * On shutdown, how long running tasks may finish before they are given back to the broker. Keep it below
         * spring.lifecycle.timeout-per-shutdown-phase (30 s by default).
         */
        private Duration shutdownGrace = Duration.ofSeconds(25);

        /** How long one fetch waits for a task. */
        private Duration fetchWait = dev.tasks.worker.WorkerConfig.DEFAULT_FETCH_WAIT;

        /** Deliveries after which a message is dead-lettered as poison. */
        private int maxDeliveries = dev.tasks.worker.WorkerConfig.DEFAULT_MAX_DELIVERIES;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public List<String> getQueues() {
            return queues;
        }

        public void setQueues(List<String> queues) {
            this.queues = queues;
        }

        public Integer getConcurrency() {
            return concurrency;
        }

        public void setConcurrency(Integer concurrency) {
            this.concurrency = concurrency;
        }

        public Integer getPrefetch() {
            return prefetch;
        }

        public void setPrefetch(Integer prefetch) {
            this.prefetch = prefetch;
        }

        public Duration getLease() {
            return lease;
        }

        public void setLease(Duration lease) {
            this.lease = lease;
        }

        public Duration getShutdownGrace() {
            return shutdownGrace;
        }

        public void setShutdownGrace(Duration shutdownGrace) {
            this.shutdownGrace = shutdownGrace;
        }

        public Duration getFetchWait() {
            return fetchWait;
        }

        public void setFetchWait(Duration fetchWait) {
            this.fetchWait = fetchWait;
        }

        public int getMaxDeliveries() {
            return maxDeliveries;
        }

        public void setMaxDeliveries(int maxDeliveries) {
            this.maxDeliveries = maxDeliveries;
        }
    }
}
