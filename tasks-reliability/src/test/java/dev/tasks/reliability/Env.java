package dev.tasks.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import org.opentest4j.TestAbortedException;

/** What the machine offers the suite, and the switches that scale it. */
final class Env {
    private Env() {}

    /** True under {@code CI=true}: a missing tool or server fails the test instead of skipping it. */
    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** True with {@code -Dtasks.soak=true}: the long runs (20,000-task crash, 1,000,000-task load). */
    static boolean soak() {
        return Boolean.getBoolean("tasks.soak");
    }

    /** Fails at once (under CI), or returns the exception that skips the test, saying why. */
    static RuntimeException unavailable(String what) {
        if (ci()) {
            throw new AssertionError(what + " (required under CI=true)");
        }
        return new TestAbortedException(what + ", skipping");
    }

    /** The path of an executable on the PATH, or a failure/skip naming it. */
    static Path executable(String name) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw unavailable("'" + name + "' is not on the PATH");
    }

    /** The class path of the test JVM, for child JVMs. */
    static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** The java launcher of the running JVM. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
