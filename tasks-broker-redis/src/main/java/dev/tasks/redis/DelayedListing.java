package dev.tasks.redis;

import dev.tasks.spi.DelayedMessage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import redis.clients.jedis.resps.Tuple;

/**
 * Lists a queue's delayed messages for operators ({@link RedisBroker#delayed}): the members of its delayed
 * sorted set due after now by the broker's clock, soonest first ({@code ZRANGEBYSCORE}; equal due times in
 * member order), with their level and payload from the delayed-data hash ({@code HMGET}). Two reads, not one
 * atomic step: a message that falls due and is moved to its stream between them is left out. Members that
 * are already due but not moved yet count as ready, as in {@code stats.lua}. Thread-safe.
 */
final class DelayedListing {
    private final ConnectionGuard guard;
    private final Clock clock;
    private final Keyspace keys;

    DelayedListing(ConnectionGuard guard, Clock clock, Keyspace keys) {
        this.guard = guard;
        this.clock = clock;
        this.keys = keys;
    }

    /** Up to {@code limit} delayed messages of the queue, soonest due first. Arguments are checked by the broker. */
    List<DelayedMessage> list(String queue, int limit) {
        QueueKeys k = keys.of(queue);
        String after = "(" + clock.millis();
        return guard.run("listing delayed messages of queue " + queue, true, j -> {
            List<Tuple> members = j.zrangeByScoreWithScores(k.delayed(), after, "+inf", 0, limit);
            if (members.isEmpty()) {
                return List.of();
            }
            String[] ids = members.stream().map(Tuple::getElement).toArray(String[]::new);
            List<String> data = j.hmget(k.delayedData(), ids);
            List<DelayedMessage> out = new ArrayList<>(members.size());
            for (int i = 0; i < ids.length; i++) {
                String levelAndPayload = data.get(i);
                int bar = levelAndPayload == null ? -1 : levelAndPayload.indexOf('|');
                if (bar < 0) {
                    continue; // moved to its stream since the first read (or not written by this broker)
                }
                int level;
                try {
                    level = Integer.parseInt(levelAndPayload.substring(0, bar));
                } catch (NumberFormatException e) {
                    continue;
                }
                out.add(new DelayedMessage(ids[i], queue, level,
                        Instant.ofEpochMilli((long) members.get(i).getScore()), levelAndPayload.substring(bar + 1)));
            }
            return Collections.unmodifiableList(out);
        });
    }
}
