package dev.tasks.worker.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One run of the {@code tasks} command in the test's JVM, with what it printed.
 *
 * @param code the exit code
 * @param out what it printed on stdout
 * @param err what it printed on stderr
 */
record CliRun(int code, String out, String err) {

    /** Runs {@code tasks args...} and captures its exit code and output. */
    static CliRun of(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = TasksCli.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
        return new CliRun(code, o.toString(), e.toString());
    }
}
