package dev.tasks.reliability;

/**
 * A class that messages name (as a task name, in {@code @class} fields) to see whether anything loads it.
 * Initialising it sets the system property {@value #LOADED}; nothing in the suite references it directly.
 */
public final class Canary {
    /** System property set when this class is initialised. */
    public static final String LOADED = "rel.canary.loaded";

    static {
        System.setProperty(LOADED, "true");
    }

    /** Called if something instantiates it. */
    public Canary() {
        System.setProperty(LOADED, "instantiated");
    }

    static final String NAME = "dev.tasks.reliability.Canary";
}
