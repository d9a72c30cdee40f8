package dev.tasks.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The fenced code blocks of the user guide's pages, with their language and the text just before them. */
record DocBlocks(Path page, List<Block> blocks) {
    private static final Pattern FENCE = Pattern.compile("(?m)^```([a-z]*)[ \\t]*\\R(.*?)^```[ \\t]*$", Pattern.DOTALL);

    private static final Pattern HEADING = Pattern.compile("(?m)^## (.*)$");

    /**
     * One fenced block: its language ("" when none), its text, its line in the page, the paragraph before it
     * and the title of the {@code ##} section it is in ("" before the first).
     */
    record Block(String language, String text, int line, String before, String section) {}

    static DocBlocks read(Path page) throws IOException {
        String text = Files.readString(page, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        Matcher m = FENCE.matcher(text);
        int previousEnd = 0;
        while (m.find()) {
            String before = text.substring(previousEnd, m.start());
            int para = before.lastIndexOf("\n\n", before.length() - 3);
            blocks.add(new Block(m.group(1), m.group(2), lineOf(text, m.start()),
                    para < 0 ? before : before.substring(para), sectionAt(text, m.start())));
            previousEnd = m.end();
        }
        return new DocBlocks(page, blocks);
    }

    /** Every page of the user guide, in name order. */
    static List<DocBlocks> all() throws IOException {
        List<DocBlocks> pages = new ArrayList<>();
        try (Stream<Path> files = Files.list(docsDirectory())) {
            for (Path md : files.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                pages.add(read(md));
            }
        }
        return pages;
    }

    static Path docsDirectory() {
        return projectRoot().resolve("docs");
    }

    /** The repository's root: the directory above the working directory that holds docs/README.md. */
    static Path projectRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docs").resolve("README.md")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new AssertionError("docs/README.md not found above " + here);
    }

    private static String sectionAt(String text, int offset) {
        Matcher h = HEADING.matcher(text).region(0, offset);
        String section = "";
        while (h.find()) {
            section = h.group(1).strip();
        }
        return section;
    }

    String where(Block block) {
        return page.getFileName() + ":" + block.line();
    }

    /** The 1-based line of {@code offset} in {@code text}. */
    static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
