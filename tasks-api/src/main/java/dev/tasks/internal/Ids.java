package dev.tasks.internal;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * Task ids: UUID version 7 (a millisecond timestamp, then random bits), so ids sort roughly by creation
 * time and keep database indexes compact. Thread-safe.
 */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    /** A new id whose time part comes from {@code clock}. */
    public static String newId(Clock clock) {
        long millis = clock.millis();
        long rand = RANDOM.nextLong();
        long hi = (millis << 16) | 0x7000L | ((rand >>> 52) & 0x0FFFL);
        long lo = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }
}
