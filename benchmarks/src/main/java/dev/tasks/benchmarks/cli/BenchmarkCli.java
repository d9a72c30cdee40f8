package dev.tasks.benchmarks.cli;

import dev.tasks.benchmarks.BenchmarkMain;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The benchmark jar's entry point: runs {@link BenchmarkMain} and exits with its status. */
public final class BenchmarkCli {
    private BenchmarkCli() {}

    /** Exit status: 0 every scenario ran; 1 one failed; 2 bad usage. */
    public static void main(String[] args) {
        System.exit(BenchmarkMain.run(new PrintStream(System.out, true, StandardCharsets.UTF_8), args));
    }
}
