package dev.tasks.beat.internal;

import java.time.Instant;
import java.util.Optional;

/**
 * When a schedule fires: a strictly increasing sequence of instants (slots). Implementations are
 * immutable and thread-safe, and never read a clock: every answer is a function of the argument.
 */
@FunctionalInterface
public interface Trigger {

    /** The first slot strictly after {@code instant}, or empty if there is none (a cron that never matches again). */
    Optional<Instant> nextAfter(Instant instant);
}
