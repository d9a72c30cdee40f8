package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mistyped {@code META-INF/services/dev.tasks.spi.TaskProvider} entry, in a separate JVM started as users
 * start the worker ({@link WorkerMain}): one line on stderr naming the class and the file, exit code 2, no
 * stack trace.
 */
class BrokenServiceEntryTest {

    @TempDir
    Path dir;

    @Test
    void a_listed_class_that_does_not_exist_is_one_line_naming_it_and_the_file() throws Exception {
        Path services = servicesFile("# the application's providers\ncom.example.NoSuchProvider\n");
        Result r = runWorker();
        assertThat(r.exit).as(r.stderr).isEqualTo(ExitCodes.USAGE);
        assertThat(r.stderr.lines().toList()).as(r.stderr).hasSize(1);
        assertThat(r.stderr).contains("class com.example.NoSuchProvider not found on the class path")
                .contains(services.toUri().toURL().toString() + ":2").doesNotContain("ServiceConfigurationError");
    }

    @Test
    void a_listed_class_that_is_not_a_task_provider_is_one_line_naming_it_and_the_file() throws Exception {
        Path services = servicesFile(ExitCodes.class.getName() + "\n");
        Result r = runWorker();
        assertThat(r.exit).as(r.stderr).isEqualTo(ExitCodes.USAGE);
        assertThat(r.stderr.lines().toList()).as(r.stderr).hasSize(1);
        assertThat(r.stderr).contains(ExitCodes.class.getName() + " does not implement dev.tasks.spi.TaskProvider")
                .contains(services.toUri().toURL().toString() + ":1");
    }

    private Path servicesFile(String content) throws IOException {
        Path file = dir.resolve("classes/META-INF/services/dev.tasks.spi.TaskProvider");
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private record Result(int exit, String stderr) {}

    private Result runWorker() throws Exception {
        String classpath = dir.resolve("classes") + File.pathSeparator
                + System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path err = dir.resolve("err.log");
        Process p = new ProcessBuilder(List.of(java, "-cp", classpath, WorkerMain.class.getName(),
                "--broker", "memory://broken-entry", "-Q", "default"))
                .redirectOutput(dir.resolve("out.log").toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("worker exited").isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
    }
}
