package dev.tasks.jdbc;

import dev.tasks.spi.Delivery;
import dev.tasks.spi.support.GroupCommit;
import dev.tasks.spi.support.LogSafe;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;

/**
 * The settling side of a {@link JdbcBroker}: acks (grouped, see {@link #ack}), retries, releases, lease
 * extensions and dead-lettering of delivered messages. Each changes a row only while its lease token
 * matches the receipt's, so a consumer whose lease was lost cannot settle a redelivered message. Thread-safe.
 */
final class MessageSettler {
    private static final Logger log = LogSafe.logger(MessageSettler.class);

    /** The most receipts one grouped ack statement carries. */
    static final int GROUP_ACK_MAX = 1000;
    static final int MAX_REASON_LENGTH = 2000;

    private final Database db;
    private final Clock clock;
    private final WakeUps wakeUps;
    private final GroupCommit<List<Receipt>> acks = new GroupCommit<>(this::sendAcks, GROUP_ACK_MAX);

    MessageSettler(Database db, Clock clock, WakeUps wakeUps) {
        this.db = db;
        this.clock = clock;
        this.wakeUps = wakeUps;
    }

    /** The receipts of this broker among {@code deliveries} (others are ignored). */
    static List<Receipt> receipts(Collection<Delivery> deliveries) {
        List<Receipt> out = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries) {
            Receipt r = Receipt.parse(d.receipt());
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * Sends the receipts of concurrent calls as one statement in one transaction (group commit): a task
     * costs a share of a commit, not a commit. The transaction is all or nothing, so its failure is the
     * outcome of every call in it.
     */
    void ack(List<Receipt> receipts) {
        acks.submit(receipts, receipts.size());
    }

    private List<RuntimeException> sendAcks(List<List<Receipt>> batch) {
        List<Receipt> all = new ArrayList<>();
        batch.forEach(all::addAll);
        db.run("acknowledging " + all.size() + " message(s)", c -> db.dialect.ack(c, db.sql, all));
        return Collections.nCopies(batch.size(), null);
    }

    /** See {@link JdbcBroker#retry}; {@code r} is the delivery's receipt. */
    void retry(Delivery delivery, Receipt r, String newPayload, Duration delay) {
        long now = clock.millis();
        long runAt = now + delay.toMillis();
        boolean ready = runAt <= now;
        int updated = db.run("scheduling the retry of message " + delivery.messageId() + " in queue " + delivery.queue(),
                c -> db.dialect.retry(c, db.sql, r, newPayload, ready, runAt, delivery.queue(), db.names.channel()));
        if (updated == 0) {
            log.warn("retry of message {} in queue {} not recorded: its lease was lost (expired and redelivered, "
                    + "or already settled); the other delivery decides its fate", delivery.messageId(), delivery.queue());
        } else if (ready) {
            wakeUps.signal(delivery.queue());
        }
    }

    /** See {@link JdbcBroker#release}. */
    void release(Collection<Delivery> deliveries, List<Receipt> receipts) {
        Set<String> queues = new LinkedHashSet<>();
        for (Delivery d : deliveries) {
            queues.add(d.queue());
        }
        db.run("releasing " + receipts.size() + " message(s) of " + queues, c -> {
            db.dialect.release(c, db.sql, receipts, queues, db.names.channel());
            return null;
        });
        wakeUps.signal(queues);
    }

    /** See {@link JdbcBroker#extendLeases}; returns the receipts of the leases lost. */
    Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease, Runnable checkOpen) {
        Set<String> lost = new HashSet<>();
        List<Receipt> receipts = new ArrayList<>();
        List<String> receiptStrings = new ArrayList<>();
        for (Delivery d : deliveries) {
            Receipt r = Receipt.parse(d.receipt());
            if (r == null) {
                lost.add(d.receipt());
            } else {
                receipts.add(r);
                receiptStrings.add(d.receipt());
            }
        }
        if (receipts.isEmpty()) {
            return lost;
        }
        checkOpen.run();
        long until = clock.millis() + lease.toMillis();
        Set<Receipt> kept = db.run("extending the leases of " + receipts.size() + " message(s)",
                c -> db.dialect.extend(c, db.sql, receipts, until));
        for (int i = 0; i < receipts.size(); i++) {
            if (!kept.contains(receipts.get(i))) {
                lost.add(receiptStrings.get(i));
            }
        }
        return lost;
    }

    /** See {@link JdbcBroker#deadLetter}; {@code r} is the delivery's receipt. */
    void deadLetter(Delivery delivery, Receipt r, String reason) {
        String oneLine = oneLine(reason);
        long now = clock.millis();
        int moved = db.run("dead-lettering message " + delivery.messageId() + " of queue " + delivery.queue(),
                c -> db.dialect.deadLetter(c, db.sql, r, oneLine, now));
        if (moved == 0) {
            log.warn("dead-lettering of message {} in queue {} not recorded: its lease was lost (expired and "
                    + "redelivered, or already settled)", delivery.messageId(), delivery.queue());
        }
    }

    private static String oneLine(String reason) {
        // PostgreSQL text cannot hold NUL; a reason quoting a hostile payload may contain one.
        return Columns.fit(reason == null ? "" : reason.replaceAll("\\s*\\R\\s*", " ").trim(), MAX_REASON_LENGTH);
    }

}
