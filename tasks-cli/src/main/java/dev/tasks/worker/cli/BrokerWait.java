package dev.tasks.worker.cli;

import dev.tasks.BrokerException;
import dev.tasks.ConfigurationException;
import dev.tasks.TasksConfig;
import dev.tasks.spi.support.LogSafe;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Opens the broker of a starting {@code worker} or {@code beat}, waiting for it while it is unreachable:
 * a broker that is still starting (or restarting) when its clients start is common in a deploy. An attempt
 * that fails with a {@link BrokerException} caused by the network (connection refused or timed out, host
 * unknown or unreachable, an SQL connection error, Redis still loading its data) is retried after a backoff
 * (200 ms, doubling, at most 5 s) until the wait ({@code --broker-wait}, {@code tasks.broker.wait},
 * default {@link #DEFAULT}) is over; then the last failure is thrown and the command exits with code 1.
 * Other failures (a refused login, an untrusted certificate, a bad URL or option) are not retried. Each
 * kind of failure is logged once, not once per attempt.
 */
public final class BrokerWait {
    /** How long a starting worker or beat waits for an unreachable broker unless told otherwise. */
    public static final Duration DEFAULT = Duration.ofMinutes(1);
    /** The setting ({@code tasks.broker.wait} in {@code tasks.properties}, {@code TASKS_BROKER_WAIT}). */
    public static final String PROPERTY = "broker.wait";

    static final Duration FIRST_DELAY = Duration.ofMillis(200);
    static final Duration MAX_DELAY = Duration.ofSeconds(5);
    private static final int MAX_KINDS_LOGGED = 5;
    private static final Logger log = LogSafe.logger(BrokerWait.class);

    /** Sleeps between attempts; a test hook. */
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final Duration maxWait;
    private final Clock clock;
    private final Sleeper sleeper;

    BrokerWait(Duration maxWait, Clock clock, Sleeper sleeper) {
        this.maxWait = maxWait;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /**
     * The wait to use: the flag's value when given, else {@code tasks.broker.wait} / {@code TASKS_BROKER_WAIT},
     * else {@link #DEFAULT}. Durations are written {@code 90s}, {@code 2m} or {@code PT90S}; {@code 0} does not wait.
     *
     * @throws ConfigurationException for a value that is not a duration, or a negative one
     */
    public static Duration resolve(String flag, TasksConfig config) {
        String raw = flag != null ? flag : config.get(PROPERTY).orElse(null);
        if (raw == null) {
            return DEFAULT;
        }
        Duration wait;
        try {
            wait = raw.strip().equals("0") ? Duration.ZERO : Converters.parseDuration(raw);
        } catch (RuntimeException e) {
            throw new ConfigurationException("invalid broker wait '" + raw + "' (" + source(flag, config) + "): "
                    + e.getMessage());
        }
        if (wait.isNegative()) {
            throw new ConfigurationException("the broker wait must not be negative, was " + raw + " ("
                    + source(flag, config) + ")");
        }
        return wait;
    }

    /**
     * Calls {@code opener} until it returns, retrying a {@link BrokerException} with backoff for up to
     * {@code maxWait} (measured on {@code clock}).
     *
     * @throws BrokerException the last failure, once the wait is over; the message says how long it waited
     */
    public static <B> B open(Supplier<B> opener, Duration maxWait, Clock clock) {
        return new BrokerWait(maxWait, clock, d -> Thread.sleep(d.toMillis())).attempt(opener);
    }

    <B> B attempt(Supplier<B> opener) {
        Instant deadline = clock.instant().plus(maxWait);
        Duration delay = FIRST_DELAY;
        Set<String> kindsLogged = new HashSet<>();
        int failures = 0;
        while (true) {
            try {
                B broker = opener.get();
                if (failures > 0) {
                    log.info("broker reachable after {} failed attempt(s)", failures);
                }
                return broker;
            } catch (BrokerException e) {
                if (!unreachable(e)) {
                    throw e;
                }
                failures++;
                Duration left = Duration.between(clock.instant(), deadline);
                if (left.isNegative() || left.isZero()) {
                    if (maxWait.isZero()) {
                        throw e;
                    }
                    throw new BrokerException("broker still unreachable after waiting " + human(maxWait)
                            + " (--broker-wait): " + e.getMessage(), e);
                }
                if (kindsLogged.size() < MAX_KINDS_LOGGED && kindsLogged.add(kind(e))) {
                    log.warn("{}; retrying with backoff for up to {} (--broker-wait)", TasksCli.oneLine(e.getMessage()),
                            human(maxWait));
                }
                sleep(delay.compareTo(left) < 0 ? delay : left);
                delay = delay.multipliedBy(2).compareTo(MAX_DELAY) < 0 ? delay.multipliedBy(2) : MAX_DELAY;
            }
        }
    }

    private void sleep(Duration duration) {
        try {
            sleeper.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerException("interrupted while waiting for the broker");
        }
    }

    /** Whether {@code e} says the broker could not be reached (worth waiting for), from its causes. */
    static boolean unreachable(Throwable e) {
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>(List.of(e));
        Set<Throwable> seen = new HashSet<>();
        while (!todo.isEmpty() && seen.size() < 32) {
            Throwable t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
                    || t instanceof java.net.SocketTimeoutException || t instanceof java.net.UnknownHostException) {
                return true;
            }
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().equals("57P03"))) {
                return true;
            }
            if (String.valueOf(t.getMessage()).startsWith("LOADING")) {
                return true;
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            todo.addAll(List.of(t.getSuppressed()));
        }
        return false;
    }

    /** The kind of a failure: its message without numbers (which may change between attempts). */
    static String kind(BrokerException e) {
        return String.valueOf(e.getMessage()).replaceAll("\\d+", "#").toLowerCase(Locale.ROOT);
    }

    private static String human(Duration d) {
        long millis = d.toMillis();
        return millis % 60_000 == 0 ? millis / 60_000 + "m" : millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static String source(String flag, TasksConfig config) {
        return flag != null ? "--broker-wait" : TasksConfig.envName(PROPERTY) + " / tasks." + PROPERTY + " (from "
                + config.source(PROPERTY).name().toLowerCase(Locale.ROOT) + ")";
    }
}
