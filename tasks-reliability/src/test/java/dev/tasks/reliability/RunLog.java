package dev.tasks.reliability;

import java.util.Map;

/**
 * Where tasks record their runs durably, outside the worker: a count of runs per key, so a test sees
 * every task that ran and every duplicate, across worker crashes.
 */
interface RunLog extends AutoCloseable {

    /** Adds one run of {@code key}. Throws when the store is unreachable (the task then fails and is retried). */
    void record(String key);

    /** Runs per key. */
    Map<String, Long> runs();

    /** Number of distinct keys that ran. */
    long distinct();

    /**
     * Opens the run log named by a URL: {@code redis://host:port?key=<hash key>} or
     * {@code runlog:<jdbc url>|<table>}.
     */
    static RunLog open(String url) {
        if (url.startsWith("redis://")) {
            return RedisRunLog.open(url);
        }
        if (url.startsWith(JdbcRunLog.SCHEME)) {
            return JdbcRunLog.open(url);
        }
        throw new IllegalArgumentException("no run log for " + url);
    }

    @Override
    void close();
}
