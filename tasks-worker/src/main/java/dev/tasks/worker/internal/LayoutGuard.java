package dev.tasks.worker.internal;

import dev.tasks.ConfigurationException;
import dev.tasks.spi.WorkerLayouts;
import dev.tasks.spi.WorkerLayouts.Announcement;
import dev.tasks.spi.WorkerLayouts.Layout;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.WorkerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * Keeps workers of incompatible storage layouts from running side by side: the worker announces its
 * broker's layout version on start and with every heartbeat ({@link WorkerLayouts}), and refuses to start
 * while a live worker announced a layout it cannot share the store with. Announce first, then look: of two
 * incompatible workers starting at once, at least one sees the other and refuses. A running worker that
 * meets an incompatible peer later (one whose announcement had lapsed) logs an error with every heartbeat.
 * Brokers without announcements ({@link dev.tasks.spi.Broker#layouts()} empty) are not guarded.
 */
final class LayoutGuard {
    private static final Logger log = LogSafe.logger(LayoutGuard.class);

    /**
     * Test hook (internal): the layout this worker announces, as {@code <version>:<compatibleFrom>}, so a
     * test can run an older or newer layout's worker in a separate JVM through the real start-up path.
     */
    static final String LAYOUT_PROPERTY = "tasks.internal.worker.layout";

    /** Announcements live this many heartbeat intervals, at least {@link #MIN_TTL}. */
    static final int TTL_HEARTBEATS = 3;
    static final Duration MIN_TTL = Duration.ofSeconds(5);

    private final Optional<WorkerLayouts> layouts;
    private final String workerId;
    private final Duration ttl;
    private volatile Layout layout;
    private volatile String lastConflict = "";

    LayoutGuard(WorkerConfig config) {
        this.layouts = config.broker().layouts();
        this.workerId = config.workerId();
        Duration t = config.heartbeatInterval().multipliedBy(TTL_HEARTBEATS);
        this.ttl = t.compareTo(MIN_TTL) < 0 ? MIN_TTL : t;
    }

    /**
     * Announces this worker's layout and refuses when a live worker's layout is incompatible.
     *
     * @throws ConfigurationException naming both layouts and what to do
     */
    void start() {
        if (layouts.isEmpty()) {
            return;
        }
        WorkerLayouts l = layouts.get();
        layout = announced(l.current());
        List<Announcement> others = incompatible(l.announce(workerId, layout, ttl));
        if (!others.isEmpty()) {
            withdraw();
            throw new ConfigurationException("worker " + workerId + " uses storage layout " + layout + " but live"
                    + " workers use incompatible layouts: " + describe(others) + "; workers of both would run tasks"
                    + " twice, so this one does not start: stop the older workers first (drain), then start the new"
                    + " version (see docs/deploying.md, 'Which upgrades need a drain')");
        }
        log.info("worker {} announced storage layout {} (announcements live {})", workerId, layout, ttl);
    }

    /** Announces again (each heartbeat); logs an error while an incompatible worker is live. */
    void heartbeat() {
        if (layouts.isEmpty() || layout == null) {
            return;
        }
        try {
            List<Announcement> others = incompatible(layouts.get().announce(workerId, layout, ttl));
            String conflict = others.isEmpty() ? "" : describe(others);
            if (!conflict.isEmpty()) {
                log.error("worker {} (storage layout {}) runs beside workers of incompatible layouts: {}; tasks may"
                        + " run twice: stop the workers of one version", workerId, layout, conflict);
            } else if (!lastConflict.isEmpty()) {
                log.info("worker {}: no worker of an incompatible storage layout is live any more", workerId);
            }
            lastConflict = conflict;
        } catch (RuntimeException e) {
            log.warn("worker {} could not announce its storage layout ({}); trying again at the next heartbeat",
                    workerId, e.toString());
        }
    }

    /** Removes the announcement (at shutdown); a failure is logged, the announcement then expires. */
    void withdraw() {
        if (layouts.isEmpty() || layout == null) {
            return;
        }
        try {
            layouts.get().withdraw(workerId);
        } catch (RuntimeException e) {
            log.warn("worker {} could not withdraw its storage layout announcement ({}); it expires within {}",
                    workerId, e.toString(), ttl);
        }
    }

    private List<Announcement> incompatible(List<Announcement> live) {
        return live.stream().filter(a -> !a.workerId().equals(workerId) && !a.layout().compatibleWith(layout))
                .collect(Collectors.toList());
    }

    private static String describe(List<Announcement> others) {
        return others.stream().limit(10).map(a -> a.workerId() + " (version " + a.layout().version() + ")")
                .collect(Collectors.joining(", ")) + (others.size() > 10 ? " and " + (others.size() - 10) + " more" : "");
    }

    private static Layout announced(Layout current) {
        String simulated = System.getProperty(LAYOUT_PROPERTY);
        if (simulated == null) {
            return current;
        }
        String[] parts = simulated.strip().split(":");
        return new Layout(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
    }
}
