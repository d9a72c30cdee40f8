package dev.tasks.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The storage layout a broker's code reads and writes (the Redis key layout, the SQL schema), and the
 * announcements of the workers that use the broker: each worker records its layout on start and with every
 * heartbeat, so a worker can refuse to start beside live workers whose layout it cannot share a store with
 * (two layouts that disagree on where a lease lives would run tasks twice). Announcements expire: a worker
 * that died without withdrawing stops counting once its announcement's time to live has passed.
 *
 * <p>Implementations are thread-safe; backend failures surface as {@link dev.tasks.BrokerException}.
 */
public interface WorkerLayouts {

    /** The layout of this code. */
    Layout current();

    /**
     * Records that {@code workerId} uses {@code layout} for the next {@code ttl} (replacing its previous
     * announcement), and returns every live announcement, this one included.
     */
    List<Announcement> announce(String workerId, Layout layout, Duration ttl);

    /** Removes the announcement of {@code workerId}; does nothing if there is none. */
    void withdraw(String workerId);

    /**
     * A storage-layout version and the oldest version it can share a store with.
     *
     * @param version this layout's version (counts up with every change of the layout)
     * @param compatibleFrom the oldest layout version whose workers can run beside this one
     */
    record Layout(int version, int compatibleFrom) {
        /** Checks the bounds. */
        public Layout {
            if (version < 1 || compatibleFrom < 1 || compatibleFrom > version) {
                throw new IllegalArgumentException("a layout needs 1 <= compatibleFrom <= version, was version "
                        + version + ", compatibleFrom " + compatibleFrom);
            }
        }

        /** Whether workers of this layout and of {@code other} can run side by side (each admits the other). */
        public boolean compatibleWith(Layout other) {
            return version >= other.compatibleFrom && other.version >= compatibleFrom;
        }

        @Override
        public String toString() {
            return "version " + version + " (runs beside versions " + compatibleFrom + " and later)";
        }
    }

    /**
     * A live worker's announcement.
     *
     * @param workerId the worker's id
     * @param layout the layout it uses
     */
    record Announcement(String workerId, Layout layout) {
        /** Checks for nulls. */
        public Announcement {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(layout, "layout");
        }
    }
}
