package dev.tasks.redis;

import dev.tasks.spi.WorkerLayouts;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Redis key layout's version, and the workers' announcements of theirs in one hash
 * {@code <prefix>:workers} (worker id to {@code <version>:<compatibleFrom>:<expires-at millis>}). Expiry is by
 * the broker's clock; fields that expired are deleted by the next announcement. Thread-safe.
 *
 * <p>Layout versions: 1, tasks in flight in a hash per queue; 2, leases in a sorted set per queue with
 * redelivery streams (before 21 November 2026); 3, leases in the streams' consumer-group pending lists
 * (current). Versions 2 and 3 disagree on where a lease lives, so a worker of each runs some tasks twice:
 * version 3 runs beside no older one. Raise {@link #LAYOUT} with every change of where the scripts keep a
 * task, and its {@code compatibleFrom} when the older layout's workers would misread the new keys.
 */
final class RedisWorkerLayouts implements WorkerLayouts {
    /** The layout of this code. */
    static final Layout LAYOUT = new Layout(3, 3);

    private final ConnectionGuard guard;
    private final Clock clock;
    private final String key;

    RedisWorkerLayouts(ConnectionGuard guard, Clock clock, String keyPrefix) {
        this.guard = guard;
        this.clock = clock;
        this.key = keyPrefix + ":workers";
    }

    @Override
    public Layout current() {
        return LAYOUT;
    }

    @Override
    public List<Announcement> announce(String workerId, Layout layout, Duration ttl) {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(layout, "layout");
        long now = clock.millis();
        String value = layout.version() + ":" + layout.compatibleFrom() + ":" + (now + ttl.toMillis());
        Map<String, String> all = guard.run("announcing the layout of worker " + workerId, true, j -> {
            j.hset(key, workerId, value);
            return j.hgetAll(key);
        });
        List<Announcement> live = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        all.forEach((id, v) -> {
            String[] parts = v.split(":");
            Long until = parts.length == 3 ? parseLong(parts[2]) : null;
            Long version = parts.length == 3 ? parseLong(parts[0]) : null;
            Long from = parts.length == 3 ? parseLong(parts[1]) : null;
            if (until == null || version == null || from == null || from < 1 || from > version) {
                expired.add(id); // not written by a worker: not an announcement
            } else if (until <= now) {
                expired.add(id);
            } else {
                live.add(new Announcement(id, new Layout(version.intValue(), from.intValue())));
            }
        });
        if (!expired.isEmpty()) {
            guard.run("deleting expired worker layouts", true, j -> j.hdel(key, expired.toArray(String[]::new)));
        }
        live.sort(java.util.Comparator.comparing(Announcement::workerId));
        return live;
    }

    @Override
    public void withdraw(String workerId) {
        guard.run("withdrawing the layout of worker " + workerId, true, j -> j.hdel(key, workerId));
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
