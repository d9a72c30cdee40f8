package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A guard over the main sources of the framework's modules: every logger is made by
 * {@code LogSafe.logger(..)} (which escapes everything it logs), and every MDC value that may come from a
 * message passes through {@code LogSafe.escape(..)}. A new class that logs with a plain SLF4J logger fails
 * this test, naming the file and line.
 */
class LogCallsAreEscapedTest {
    private static final List<String> MODULES = List.of("tasks-api", "tasks-worker", "tasks-broker-redis",
            "tasks-broker-jdbc", "tasks-beat", "tasks-cli", "tasks-dashboard", "tasks-spring",
            "tasks-spring-boot-starter");
    private static final Pattern MDC_PUT = Pattern.compile("MDC\\.put\\(\"(\\w+)\",\\s*(.*)\\);");

    @Test
    void every_logger_of_the_framework_escapes_what_it_logs() throws IOException {
        List<String> plain = new ArrayList<>();
        for (Path file : mainSources()) {
            if (file.endsWith(Path.of("dev", "tasks", "spi", "support", "LogSafe.java"))) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains("LoggerFactory.getLogger(")) {
                    plain.add(file + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertThat(plain).as("loggers not made by LogSafe.logger(..)").isEmpty();
    }

    @Test
    void every_mdc_value_from_a_message_is_escaped() throws IOException {
        List<String> raw = new ArrayList<>();
        int puts = 0;
        for (Path file : mainSources()) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = MDC_PUT.matcher(lines.get(i));
                if (m.find()) {
                    puts++;
                    // queue names come from the worker's own configuration, not from messages
                    if (!m.group(1).equals("queue") && !m.group(2).startsWith("LogSafe.escape(")) {
                        raw.add(file + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertThat(puts).as("MDC puts found (the scan works)").isPositive();
        assertThat(raw).as("MDC values not passed through LogSafe.escape(..)").isEmpty();
    }

    private static List<Path> mainSources() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String module : MODULES) {
            Path root = Path.of("..", module, "src", "main", "java");
            assertThat(root).as("sources of %s", module).isDirectory();
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
            }
        }
        assertThat(files).hasSizeGreaterThan(50);
        return files;
    }
}
