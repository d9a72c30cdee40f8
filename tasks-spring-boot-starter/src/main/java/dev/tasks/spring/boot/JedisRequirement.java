package dev.tasks.spring.boot;

import dev.tasks.ConfigurationException;

/**
 * The Redis broker needs jedis 8 ({@code redis.clients.jedis.RedisClient}). Spring Boot's dependency management
 * pins jedis to its own version (Boot 3.5 manages 6.0.0), which wins over the version this starter brings, so an
 * application on Boot's versions must raise it; this check turns the {@code NoClassDefFoundError} it would
 * otherwise meet on the first Redis call into one start-up error naming the fix.
 */
final class JedisRequirement {
    /** The class jedis 8 has and older versions lack. */
    static final String REQUIRED_CLASS = "redis.clients.jedis.RedisClient";
    /** The version this starter is built and tested with. */
    static final String TESTED_VERSION = "8.0.2";

    private JedisRequirement() {}

    /**
     * Passes when {@value #REQUIRED_CLASS} is loadable from {@code loader}.
     *
     * @throws ConfigurationException naming the jedis found and the property that fixes it
     */
    static void check(ClassLoader loader) {
        try {
            Class.forName(REQUIRED_CLASS, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigurationException("the Redis broker needs jedis 8, but the class path has " + found(loader)
                    + " (Spring Boot's dependency management pins jedis): set the property <jedis.version>"
                    + TESTED_VERSION + "</jedis.version> in the application's pom.xml (Gradle: ext['jedis.version'] = '"
                    + TESTED_VERSION + "'); the application does not start", e);
        }
    }

    private static String found(ClassLoader loader) {
        try (java.io.InputStream in = loader.getResourceAsStream("META-INF/maven/redis.clients/jedis/pom.properties")) {
            if (in != null) {
                java.util.Properties pom = new java.util.Properties();
                pom.load(in);
                if (pom.getProperty("version") != null) {
                    return "jedis " + pom.getProperty("version");
                }
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            // fall through to the manifest
        }
        try {
            Class<?> jedis = Class.forName("redis.clients.jedis.Jedis", false, loader);
            String v = jedis.getPackage() == null ? null : jedis.getPackage().getImplementationVersion();
            return v == null ? "an older jedis" : "jedis " + v;
        } catch (ClassNotFoundException | LinkageError e) {
            return "no jedis";
        }
    }
}
