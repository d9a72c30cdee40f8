package dev.tasks.spi;

import java.util.regex.Pattern;

/** Queue-name rules shared by every broker: 1 to 200 characters of letters, digits, {@code . _ -}. */
public final class Queues {
    /** The queue used when no rule, task or module names one. */
    public static final String DEFAULT_QUEUE = "default";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private Queues() {}

    /** Whether {@code name} is a valid queue name. */
    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** Returns {@code name}, or throws {@link IllegalArgumentException} saying what is wrong with it. */
    public static String check(String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException("invalid queue name '" + name
                    + "': use 1 to 200 letters, digits, '.', '_' or '-'");
        }
        return name;
    }
}
