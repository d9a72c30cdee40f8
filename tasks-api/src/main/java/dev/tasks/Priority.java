package dev.tasks;

/** Priority bounds: higher numbers are fetched first among tasks that are due. */
public final class Priority {
    /** The lowest priority. */
    public static final int MIN = 0;
    /** The highest priority. */
    public static final int MAX = 9;
    /** The priority of a task that asks for none. */
    public static final int DEFAULT = 0;

    private Priority() {}

    /** Throws {@link IllegalArgumentException} unless {@code priority} is within bounds. */
    public static int check(int priority) {
        if (priority < MIN || priority > MAX) {
            throw new IllegalArgumentException(
                    "priority must be between " + MIN + " and " + MAX + ", was " + priority);
        }
        return priority;
    }
}
