package dev.tasks.worker.internal;

import dev.tasks.spi.Delivery;
import dev.tasks.spi.IdempotencyStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Who claims a task's idempotency key, so that a redelivery takes over the claim of the run it replaces.
 *
 * <p>A run's owner name is {@code <message>#<delivery>@<worker id>/<receipt>}: {@code <message>} is the first
 * 16 hex digits of the SHA-256 of the task id (ids are untrusted text of any length; the owner column is short),
 * {@code <delivery>} the delivery count. A broker delivers a message again only after the earlier delivery's
 * lease ran out, so the runs of deliveries 1 to n-1 of the same message are not live when delivery n arrives,
 * even if the claim one of them made has time left (it is renewed with the lease, and lapses a moment after
 * it). Delivery n therefore claims the key over owners {@code <message>#1@} to {@code <message>#<n-1>@} at
 * once, instead of being postponed until that claim lapses. Any other run holding the key (another message
 * with the same key, or another copy of this message at the same delivery) still postpones it, and a key
 * marked done stays done.
 */
final class KeyClaims {
    /** How many earlier deliveries are named (the most recent ones); more are dead-lettered as poison first. */
    static final int MAX_EARLIER = 32;

    private KeyClaims() {}

    /** Claims the run's key in {@code store} for {@code ttl}; see the class comment. */
    static Claimed claim(IdempotencyStore store, String key, String workerId, String taskId, Delivery delivery,
            Duration ttl) {
        String message = messageDigest(taskId);
        String owner = message + "#" + delivery.deliveryCount() + "@" + workerId + "/" + delivery.receipt();
        List<String> earlier = new ArrayList<>();
        for (int n = delivery.deliveryCount() - 1; n >= 1 && earlier.size() < MAX_EARLIER; n--) {
            earlier.add(message + "#" + n + "@");
        }
        return new Claimed(store.claim(key, owner, ttl, earlier), owner);
    }

    /** The outcome of a claim and the owner name under which the run holds the key (if it does). */
    record Claimed(IdempotencyStore.Claim claim, String owner) {}

    static String messageDigest(String taskId) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(taskId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
