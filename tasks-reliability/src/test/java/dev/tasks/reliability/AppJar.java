package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;

/** A user's own jar of tasks, as the process tests hand it to {@code bin/worker} or to the container image. */
final class AppJar {
    private AppJar() {}

    /**
     * Compiles a user's app jar {@code DIR/NAME.jar}: a task module {@code app} whose task {@code touch(path)}
     * writes {@code ran} to {@code path}, and a {@code META-INF/services} file naming {@code provider} (a
     * class it does not hold makes a broken jar).
     */
    static Path build(Path dir, String name, String provider) throws IOException {
        Path src = Files.createDirectories(dir.resolve(name + "-src/app"));
        Files.writeString(src.resolve("AppTasks.java"), """
                package app;
                @dev.tasks.TaskModule("app")
                public interface AppTasks {
                    @dev.tasks.Task
                    void touch(String path);
                }
                """);
        Files.writeString(src.resolve("AppProvider.java"), """
                package app;
                public final class AppProvider implements dev.tasks.spi.TaskProvider {
                    @Override
                    public void register(dev.tasks.TaskRegistry.Builder registry) {
                        registry.register(AppTasks.class, path -> {
                            try {
                                java.nio.file.Files.writeString(java.nio.file.Path.of(path), "ran");
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
                    }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve(name + "-classes"));
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), src.resolve("AppTasks.java").toString(),
                src.resolve("AppProvider.java").toString());
        assertThat(rc).as("javac").isZero();
        Path jar = dir.resolve(name + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(classes)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                Files.copy(p, out);
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/dev.tasks.spi.TaskProvider"));
            out.write((provider + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }
}
