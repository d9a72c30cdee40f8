package dev.tasks.dashboard;

import dev.tasks.ConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one user name and password (or bearer token) that the dashboard accepts. Browsers send them with
 * HTTP basic authentication; scripts may send the password alone as {@code Authorization: Bearer <password>}.
 * Comparisons take the same time whatever the input, so a wrong guess tells nothing about the right one.
 *
 * <p>They come from the environment or a file, never from the command line (which other users of the
 * machine can read): {@link #fromEnvironment(Map)} reads {@value #PASSWORD_ENV} or the file named by
 * {@value #PASSWORD_FILE_ENV}, and the user name from {@value #USER_ENV} (default {@value #DEFAULT_USER}).
 * Immutable and thread-safe; {@link #toString()} never shows the password.
 */
public final class DashboardCredentials {
    /** The environment variable holding the password (or token). */
    public static final String PASSWORD_ENV = "TASKS_DASHBOARD_PASSWORD";
    /** The environment variable naming a file whose first line is the password (or token). */
    public static final String PASSWORD_FILE_ENV = "TASKS_DASHBOARD_PASSWORD_FILE";
    /** The environment variable holding the user name. */
    public static final String USER_ENV = "TASKS_DASHBOARD_USER";
    /** The user name when {@value #USER_ENV} is not set. */
    public static final String DEFAULT_USER = "admin";
    /** Shorter passwords are refused: a dashboard that can purge queues deserves more than a PIN. */
    public static final int MIN_PASSWORD_LENGTH = 12;

    private final String user;
    private final byte[] basic;
    private final byte[] bearer;

    private DashboardCredentials(String user, String password) {
        this.user = user;
        this.basic = ("Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
        this.bearer = ("Bearer " + password).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Credentials from code.
     *
     * @throws IllegalArgumentException when the user is empty or has a colon, or the password is shorter
     *     than {@value #MIN_PASSWORD_LENGTH} characters or has whitespace
     */
    public static DashboardCredentials of(String user, String password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (user.isEmpty() || user.contains(":")) {
            throw new IllegalArgumentException("dashboard user must be non-empty and have no colon, was '" + user + "'");
        }
        if (password.length() < MIN_PASSWORD_LENGTH || password.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("dashboard password must be at least " + MIN_PASSWORD_LENGTH
                    + " characters without whitespace, was " + password.length() + " characters");
        }
        return new DashboardCredentials(user, password);
    }

    /**
     * Credentials from {@code env} (pass {@code System.getenv()}): empty when neither {@value #PASSWORD_ENV}
     * nor {@value #PASSWORD_FILE_ENV} is set.
     *
     * @throws ConfigurationException when both are set, the file cannot be read, or the password is too short
     */
    public static Optional<DashboardCredentials> fromEnvironment(Map<String, String> env) {
        String inline = blankToNull(env.get(PASSWORD_ENV));
        String file = blankToNull(env.get(PASSWORD_FILE_ENV));
        if (inline != null && file != null) {
            throw new ConfigurationException("set one of " + PASSWORD_ENV + " and " + PASSWORD_FILE_ENV + ", not both");
        }
        String password = inline;
        if (file != null) {
            try {
                password = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8).stream().findFirst().orElse("")
                        .strip();
            } catch (IOException | RuntimeException e) {
                throw new ConfigurationException("cannot read the dashboard password from " + PASSWORD_FILE_ENV + " ("
                        + file + "): " + e, e);
            }
        }
        if (password == null) {
            return Optional.empty();
        }
        String user = Optional.ofNullable(blankToNull(env.get(USER_ENV))).orElse(DEFAULT_USER);
        try {
            return Optional.of(of(user, password));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(e.getMessage(), e);
        }
    }

    /** Whether an {@code Authorization} header value carries these credentials. */
    boolean accepts(String authorization) {
        if (authorization == null) {
            return false;
        }
        byte[] given = authorization.strip().getBytes(StandardCharsets.UTF_8);
        // both compared every time, each in constant time for its length
        boolean b = MessageDigest.isEqual(given, basic);
        boolean t = MessageDigest.isEqual(given, bearer);
        return b | t;
    }

    /** The user name. */
    public String user() {
        return user;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        return "DashboardCredentials[user=" + user + ", password=***]";
    }
}
