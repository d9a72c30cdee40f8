package dev.tasks.worker.internal;

import dev.tasks.MessageDecodeException;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.support.LogSafe;

/**
 * Reads a delivered payload into an {@link Envelope}, enforcing {@code docs/wire-format.md} on read: the
 * size limit first (so an oversized message is never parsed), then the JSON types and rules
 * ({@link EnvelopeCodec#decode(String)}). Every refusal is a {@link MessageDecodeException} whose message
 * names the field and the rule and is safe to log. Thread-safe.
 */
final class MessageReader {
    private final EnvelopeCodec codec;
    private final int maxBytes;

    MessageReader(EnvelopeCodec codec, int maxBytes) {
        this.codec = codec;
        this.maxBytes = maxBytes;
    }

    /**
     * The envelope of {@code payload}.
     *
     * @throws MessageDecodeException carrying the raw payload when the message is too large, not an
     *     envelope, or breaks a rule of the wire format
     */
    Envelope read(String messageId, String payload) {
        // UTF-8 takes at most 3 bytes per char (a surrogate pair: 4 for 2 chars), so short payloads skip the count
        if (payload != null && (long) payload.length() * 3 > maxBytes) {
            int bytes = EnvelopeCodec.sizeOf(payload);
            if (bytes > maxBytes) {
                throw new MessageDecodeException("malformed task message: size must be at most " + maxBytes
                        + " bytes (the worker's maxMessageBytes), was " + bytes + " bytes (message id '"
                        + LogSafe.escape(messageId, 80) + "'; payload " + EnvelopeCodec.abbreviate(payload) + ")",
                        payload, null);
            }
        }
        return codec.decode(payload);
    }
}
