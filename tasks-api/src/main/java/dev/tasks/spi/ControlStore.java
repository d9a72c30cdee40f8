package dev.tasks.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Coordination state that all workers of a broker share, kept on the broker's own backend: chord
 * counters, revoked task ids, rate-limit counters and concurrency slots. Every operation is atomic on the
 * backend (a Lua script on Redis, a row update in SQL), so workers in different processes see one truth.
 * Implementations are thread-safe; backend failures surface as {@link dev.tasks.BrokerException}.
 *
 * <p>Checked by the contract tests in {@code tasks-api}'s test-jar ({@code ControlContractTest}).
 */
public interface ControlStore {

    // ------------------------------------------------------------------------------------------------ chords

    /**
     * Records the result of member {@code index} of chord {@code chordId}, atomically with counting the
     * members recorded so far. Idempotent per member: recording a member again (a redelivered member)
     * keeps its first result and does not count it twice.
     *
     * @param resultJson the member's result as JSON text ({@code "null"} for none)
     * @param ttl how long the chord's data is kept after this write
     * @return how many distinct members are recorded, this one included
     */
    int chordAdd(String chordId, int index, String resultJson, Duration ttl);

    /**
     * The recorded results of a chord, in member order: {@code size} elements, null where a member is not
     * recorded.
     */
    List<String> chordResults(String chordId, int size);

    // ------------------------------------------------------------------------------------------- revocations

    /**
     * Revokes a task: a worker that meets it later does not start it. Remembered for {@code ttl}. Revoking
     * again may upgrade {@code terminate} from false to true, never the other way.
     *
     * @param terminate whether a run already in progress is interrupted (its soft-limit path)
     */
    void revoke(String taskId, boolean terminate, Duration ttl);

    /**
     * Which of {@code taskIds} are revoked, in one round trip.
     *
     * @return revoked id to its {@code terminate} flag; ids not revoked are absent
     */
    Map<String, Boolean> revoked(Collection<String> taskIds);

    // ------------------------------------------------------------------------------------------- rate limits

    /**
     * Reserves a run slot of a rate limit that allows one run per {@code interval}, if one is free close
     * enough; otherwise hands out a turn to ask again. Two times are kept per key: the next free slot
     * and the next turn.
     * <ul>
     *   <li>The slot offered is the later of the next free slot and {@code now + notBefore} (a generic cell
     *       rate: slots are at least {@code interval} apart, and time that passed unused is not saved up
     *       as credit). When it is at most {@code horizon} from now it is reserved: the next free slot
     *       moves to it plus {@code interval}, and the answer is {@link RateReservation#slot}. A slot
     *       reserved while the limit was idle (its next free slot already passed) also ends the line of
     *       turns handed out before, so turns of callers that never came back hold no one up.</li>
     *   <li>Otherwise nothing is reserved. The caller gets the later of the next turn and the time the
     *       offered slot comes within {@code horizon}; the next turn moves to it plus {@code interval}
     *       (callers refused together come back one interval apart, not all at once), and the answer is
     *       {@link RateReservation#askAgainIn}.</li>
     * </ul>
     * Times are the caller's clock; workers' clocks should agree to well under an interval.
     *
     * @param notBefore the earliest slot the caller can use, from now (zero or more)
     * @param horizon the latest slot the caller takes, from now (at least {@code notBefore})
     * @throws IllegalArgumentException when {@code interval} is under a microsecond or the durations are
     *     negative
     */
    RateReservation reserveRate(String key, Duration interval, Duration notBefore, Duration horizon);

    // ------------------------------------------------------------------------------------ concurrency slots

    /**
     * Takes one of {@code limit} concurrency slots of {@code name} for {@code holder}, as a lease of
     * {@code lease}. Slots whose lease ran out are free again. Taking a slot already held by
     * {@code holder} renews it.
     *
     * @return whether the holder has a slot now
     */
    boolean acquireSlot(String name, int limit, String holder, Duration lease);

    /**
     * Extends the leases of slots held by {@code holders} of {@code name} to {@code lease} from now.
     *
     * @return the holders whose slot was already gone (lease ran out and taken, or released)
     */
    java.util.Set<String> renewSlots(String name, Collection<String> holders, Duration lease);

    /** Frees the slot of {@code holder}; does nothing if it holds none. */
    void releaseSlot(String name, String holder);
}
