package dev.tasks.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Child processes: running tools, starting JVMs from the harness's own class path, reading their memory. */
final class Procs {
    private Procs() {}

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String classPath() {
        return System.getProperty("java.class.path");
    }

    /** Runs a command to completion; returns its output (stdout and stderr); fails on a non-zero exit. */
    static String run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command.get(0) + " did not finish within " + timeoutSeconds + " s");
        }
        String text;
        try {
            text = Limits.utf8(out.get(10, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            text = "";
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command.subList(0, Math.min(3, command.size()))) + "... exited with "
                    + p.exitValue() + ": " + text.strip());
        }
        return text;
    }

    /** Reads one line within the time limit (null at end of stream). */
    static String readLine(InputStream in, long timeoutMillis) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return r.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        try {
            return line.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading a child process's output", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("no output from the child process within " + timeoutMillis + " ms", e);
        }
    }

    /**
     * CPU time used by every process of the given command name on this machine, in microseconds (Linux
     * {@code /proc}): user and system time, plus that of children they already reaped, so a PostgreSQL
     * backend that exited still counts through the postmaster. Empty where {@code /proc} cannot tell.
     */
    static java.util.OptionalLong cpuMicrosOf(String command) {
        long ticks = 0;
        boolean found = false;
        try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException e) {
                    continue; // exited meanwhile, or not ours to read
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                if (open < 0 || close < open || !stat.substring(open + 1, close).equals(command)) {
                    continue;
                }
                // Fields after the command: state is field 3; utime, stime, cutime, cstime are 14 to 17.
                String[] f = stat.substring(close + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
                found = true;
            }
        } catch (IOException | RuntimeException e) {
            return java.util.OptionalLong.empty();
        }
        // USER_HZ is 100 on every Linux this runs on.
        return found ? java.util.OptionalLong.of(ticks * 10_000) : java.util.OptionalLong.empty();
    }

    /** Resident set size of a process, in MiB (Linux {@code /proc}). */
    static double rssMiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                String kb = line.substring(6).trim().split("\\s+")[0];
                return Long.parseLong(kb) / 1024.0;
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }
}
