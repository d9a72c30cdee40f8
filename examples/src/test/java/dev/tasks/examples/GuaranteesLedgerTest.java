package dev.tasks.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/guarantees.md is the ledger of the docs' promises: every row names the tests that attack its
 * promise. A row whose test was renamed or removed would promise on the strength of nothing, so every
 * test class and test method the ledger names must exist in the repository's test sources.
 */
class GuaranteesLedgerTest {
    /** A test class: a name ending in Test (or Tests), in backquotes. */
    private static final Pattern CLASS = Pattern.compile("`([A-Z][A-Za-z0-9]*Tests?)`");
    /** A test method: a snake_case name of at least three words, in backquotes. */
    private static final Pattern METHOD = Pattern.compile("`([a-z0-9]+(?:_[a-z0-9]+){2,})`");

    @Test
    void every_test_the_ledger_names_exists() throws IOException {
        Path root = DocBlocks.projectRoot();
        Map<String, String> sources = testSources(root);
        List<String> rows = Files.readAllLines(root.resolve("docs").resolve("guarantees.md"), StandardCharsets.UTF_8)
                .stream().filter(l -> l.startsWith("| ") && !l.startsWith("| promise") && !l.startsWith("| ---"))
                .toList();
        assertThat(rows).as("rows of the ledger").hasSizeGreaterThan(50);

        List<String> missing = new ArrayList<>();
        int named = 0;
        for (String row : rows) {
            String[] cells = row.split("\\|");
            String attackedBy = cells[cells.length - 1];
            Matcher c = CLASS.matcher(attackedBy);
            while (c.find()) {
                named++;
                if (!sources.containsKey(c.group(1))) {
                    missing.add("class " + c.group(1));
                }
            }
            Matcher m = METHOD.matcher(attackedBy);
            while (m.find()) {
                named++;
                String declaration = "void " + m.group(1) + "(";
                if (sources.values().stream().noneMatch(s -> s.contains(declaration))) {
                    missing.add("method " + m.group(1));
                }
            }
        }
        assertThat(named).as("tests the ledger names").isGreaterThan(50);
        assertThat(missing).as("tests named in docs/guarantees.md that no test source declares").isEmpty();
    }

    /** The test sources of every module, by simple class name. */
    private static Map<String, String> testSources(Path root) throws IOException {
        Map<String, String> byName = new HashMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/test/"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .forEach(p -> byName.merge(p.getFileName().toString().replace(".java", ""), read(p),
                            (a, b) -> a + "\n" + b));
        }
        return byName;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
