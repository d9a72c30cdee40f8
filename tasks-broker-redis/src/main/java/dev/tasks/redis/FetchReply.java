package dev.tasks.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.StreamEntryID;

/**
 * The reply of {@code fetch.lua}, typed: the entries it leased, in the order taken, or (when it took
 * nothing) when to look at the queue again.
 *
 * @param entries the entries leased, highest level first
 * @param streams how many streams gave entries
 * @param wake when {@code entries} is empty, the script's answer on when to look again; else null
 */
record FetchReply(List<Entry> entries, int streams, Wake wake) {

    /**
     * One leased entry.
     *
     * @param stream {@code "r<level>"} for a level's redelivery stream, else the level
     */
    record Entry(String stream, String id, Map<String, String> fields) {}

    /**
     * What the script said about a queue it found empty: the due time of its next delayed message and its
     * next lease deadline ({@link #NONE} if none, or if leases were not looked for), and the last entry of
     * each of its streams and of its wake stream (an {@code XREAD} from there returns only what came since).
     */
    record Wake(long nextDueMillis, long leaseDeadlineMillis, List<StreamEntryID> lastFresh,
            List<StreamEntryID> lastRedelivered, StreamEntryID lastWake) {
        /** No such time. */
        static final long NONE = Long.MIN_VALUE;

        /** Milliseconds from {@code now} to the next delayed message's due time; {@link Long#MAX_VALUE} if none. */
        long untilNextDue(long now) {
            return until(nextDueMillis, now);
        }

        /** Milliseconds from {@code now} to the next lease deadline; {@link Long#MAX_VALUE} if none is known. */
        long untilLeaseDeadline(long now) {
            return until(leaseDeadlineMillis, now);
        }

        /** Adds each stream of the queue, and its wake stream, mapped to its last entry; returns the streams added. */
        List<String> addStreams(Map<String, StreamEntryID> streams, QueueKeys k) {
            List<String> added = new ArrayList<>(2 * QueueKeys.LEVELS + 1);
            for (int level = 0; level < QueueKeys.LEVELS; level++) {
                streams.put(k.stream(level), lastFresh.get(level));
                streams.put(k.redelivered(level), lastRedelivered.get(level));
                added.add(k.stream(level));
                added.add(k.redelivered(level));
            }
            streams.put(k.wake(), lastWake);
            added.add(k.wake());
            return added;
        }

        private static long until(long deadline, long now) {
            return deadline == NONE ? Long.MAX_VALUE : deadline - now;
        }

        /**
         * {@code {next due or '', lease deadline or '', last entry id of streams 0..9, of redeliveries 0..9, of
         * the wake stream}}.
         */
        static Wake parse(List<?> w) {
            List<StreamEntryID> fresh = new ArrayList<>(QueueKeys.LEVELS);
            List<StreamEntryID> redelivered = new ArrayList<>(QueueKeys.LEVELS);
            for (int level = 0; level < QueueKeys.LEVELS; level++) {
                fresh.add(new StreamEntryID(String.valueOf(w.get(2 + level))));
                redelivered.add(new StreamEntryID(String.valueOf(w.get(2 + QueueKeys.LEVELS + level))));
            }
            return new Wake(millis(w.get(0)), millis(w.get(1)), List.copyOf(fresh), List.copyOf(redelivered),
                    new StreamEntryID(String.valueOf(w.get(2 + 2 * QueueKeys.LEVELS))));
        }

        private static long millis(Object v) {
            String s = String.valueOf(v);
            return s.isEmpty() ? NONE : (long) Double.parseDouble(s);
        }
    }

    /** Decodes the script's reply {@code {taken, wake}} (see {@code fetch.lua}). */
    static FetchReply parse(Object reply) {
        List<?> r = (List<?>) reply;
        List<?> taken = (List<?>) r.get(0);
        List<Entry> entries = new ArrayList<>();
        for (Object o : taken) {
            List<?> part = (List<?>) o;
            String stream = (String) part.get(0);
            for (Object entry : (List<?>) part.get(1)) {
                List<?> en = (List<?>) entry;
                entries.add(new Entry(stream, (String) en.get(0), StreamEntries.fieldsOf(en.get(1))));
            }
        }
        return new FetchReply(entries, taken.size(), entries.isEmpty() ? Wake.parse((List<?>) r.get(1)) : null);
    }
}
