package dev.tasks.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java block of the user guide ({@code docs/*.md}) must be a copy of compiled code in
 * {@code examples/src/main/java}, so a sample that drifts from the API fails the build. Whitespace is
 * normalised (runs collapsed, ends trimmed) before comparing.
 */
class DocsSamplesTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?m)^```java[ \\t]*\\R(.*?)^```[ \\t]*$", Pattern.DOTALL);

    @Test
    void every_java_block_in_the_docs_is_copied_from_compiled_example_code() throws IOException {
        Path docs = docsDirectory();
        String sources = normalise(allSources(Path.of("src", "main", "java")));
        List<String> drifted = new ArrayList<>();
        int blocks = 0;
        try (Stream<Path> files = Files.list(docs)) {
            for (Path md : files.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                String text = Files.readString(md, StandardCharsets.UTF_8);
                Matcher m = JAVA_BLOCK.matcher(text);
                while (m.find()) {
                    blocks++;
                    String block = normalise(m.group(1));
                    if (block.isEmpty() || !sources.contains(block)) {
                        drifted.add(md.getFileName() + ":" + DocBlocks.lineOf(text, m.start()) + ": " + abbreviate(block));
                    }
                }
            }
        }
        assertThat(blocks).as("java blocks found in %s", docs.toAbsolutePath()).isGreaterThan(10);
        assertThat(drifted)
                .as("java blocks in the docs that are not verbatim copies of examples/src/main/java (copy them"
                        + " from the compiled samples in dev.tasks.examples.docs)")
                .isEmpty();
    }

    @Test
    void finds_blocks_and_normalises_whitespace() {
        Matcher m = JAVA_BLOCK.matcher("text\n```java\nint  a =\n   1;\n```\nmore\n```properties\nx=1\n```\n");
        assertThat(m.find()).isTrue();
        assertThat(normalise(m.group(1))).isEqualTo("int a = 1;");
        assertThat(m.find()).isFalse();
    }

    private static Path docsDirectory() {
        for (Path candidate : List.of(Path.of("..", "docs"), Path.of("docs"))) {
            if (Files.isRegularFile(candidate.resolve("README.md"))) {
                return candidate;
            }
        }
        throw new AssertionError("docs/README.md not found from " + Path.of("").toAbsolutePath()
                + " (looked in ../docs and docs)");
    }

    private static String allSources(Path root) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(p -> p.toString().endsWith(".java")).sorted().forEach(p -> {
                try {
                    sb.append(Files.readString(p, StandardCharsets.UTF_8)).append('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return sb.toString();
    }

    static String normalise(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }


    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
