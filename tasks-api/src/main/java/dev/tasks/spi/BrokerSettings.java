package dev.tasks.spi;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link BrokerFactory} gets: the URL, the clock, and named options (e.g. {@code redis.keyPrefix},
 * {@code jdbc.autoMigrate}) gathered from code, environment and {@code tasks.properties}.
 *
 * @param url the broker URL (may carry a password: never log it; use {@link #redactedUrl()})
 * @param clock the clock for leases, delays and expiry
 * @param options broker-specific options
 */
public record BrokerSettings(String url, Clock clock, Map<String, String> options) {
    public BrokerSettings {
        Objects.requireNonNull(url, "url");
        clock = clock == null ? Clock.systemUTC() : clock;
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** Settings with the system clock and no options. */
    public static BrokerSettings of(String url) {
        return new BrokerSettings(url, Clock.systemUTC(), Map.of());
    }

    /** An option, if set. */
    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    /** The URL with any {@code user:password@} credentials and {@code password=} parameters masked. */
    public String redactedUrl() {
        return redact(url);
    }

    /**
     * Whether {@code url} carries a password: a non-empty one after the colon of its user info
     * ({@code redis://app:secret@host}, {@code redis://:secret@host}) or a non-empty {@code password=}
     * parameter. A user name alone ({@code redis://app@host}, {@code redis://app:@host}) is not one.
     */
    public static boolean carriesPassword(String url) {
        if (url == null) {
            return false;
        }
        return java.util.regex.Pattern.compile("://[^/@:]*:[^/@]+@").matcher(url).find()
                || java.util.regex.Pattern.compile("(?i)password=[^&;]").matcher(url).find();
    }

    /**
     * Masks credentials in a URL so it can be logged. A user info without a colon is masked too: it may
     * be a password written the way older versions read it ({@code redis://secret@host}).
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String s = url.replaceAll("(?<=://)([^/@:]*):([^/@]*)@", "$1:***@");
        s = s.replaceAll("(?<=://)([^/@:]+)@", "***@");
        return s.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
