package dev.tasks.spi.support;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * Task ids: UUID version 7 (a millisecond timestamp, then random bits), so ids sort roughly by creation
 * time and keep database indexes compact. Thread-safe.
 *
 * <p>The random bits come from a few {@code SHA1PRNG} generators, each seeded from the platform's
 * {@link SecureRandom} and picked by the calling thread: the platform generator on Linux reads the kernel's
 * source under one lock, which costs about five times as much per id and serializes threads that enqueue at
 * once.
 */
public final class Ids {
    private static final SecureRandom[] STRIPES = stripes(Runtime.getRuntime().availableProcessors() * 4);

    private Ids() {}

    /** A new id whose time part comes from {@code clock}. */
    public static String newId(Clock clock) {
        long millis = clock.millis();
        SecureRandom random = STRIPES[System.identityHashCode(Thread.currentThread()) & (STRIPES.length - 1)];
        long rand = random.nextLong();
        long hi = (millis << 16) | 0x7000L | ((rand >>> 52) & 0x0FFFL);
        long lo = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }

    /** At least {@code n} generators (a power of two), each seeded with 256 bits from the platform's. */
    private static SecureRandom[] stripes(int n) {
        int size = Integer.highestOneBit(Math.max(1, n - 1)) << 1;
        SecureRandom platform = new SecureRandom();
        SecureRandom[] out = new SecureRandom[size];
        for (int i = 0; i < size; i++) {
            byte[] seed = new byte[32];
            platform.nextBytes(seed);
            try {
                out[i] = SecureRandom.getInstance("SHA1PRNG");
            } catch (NoSuchAlgorithmException e) {
                out[i] = new SecureRandom(); // every JDK has SHA1PRNG; this is never reached in practice
            }
            out[i].setSeed(seed);
        }
        return out;
    }
}
