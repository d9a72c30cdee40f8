package dev.tasks.spi;

import java.time.Duration;
import java.util.List;

/**
 * The records of the workers that use a broker, for operators ({@code tasks workers}): each worker writes
 * its {@link WorkerInfo} on start and with every heartbeat and removes it when it stops cleanly. A worker that
 * died keeps its record, marked stale by its {@link WorkerInfo#staleAt()}, until it is older than
 * {@link #KEEP}; the next write of any worker removes it then. Records are informational: nothing in the
 * delivery of tasks depends on them.
 *
 * <p>Where they live: the hash {@code <prefix>:workers:info} on Redis; rows of the state table with keys
 * {@code worker/<id>} in SQL. Implementations are thread-safe; backend failures surface as
 * {@link dev.tasks.BrokerException}.
 */
public interface WorkerDirectory {
    /** How long the record of a worker that stopped sending heartbeats is kept (marked stale). */
    Duration KEEP = Duration.ofDays(1);

    /** Writes (or replaces) the record of {@code info.workerId()}; removes records older than {@link #KEEP}. */
    void record(WorkerInfo info);

    /** Removes the record of {@code workerId}; does nothing if there is none. */
    void remove(String workerId);

    /** Every record kept, stale ones included, ordered by worker id. */
    List<WorkerInfo> list();
}
