package dev.tasks.benchmarks;

import dev.tasks.spi.BrokerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;

/** The SQL brokers (PostgreSQL, MariaDB, H2): measured when a broker module on the class path handles their URLs. */
final class Jdbc {

    private Jdbc() {}

    static void run(String name, Report report, Options options) {
        String url;
        if ("postgres".equals(name)) {
            url = options.jdbcUrl();
        } else if ("mariadb".equals(name)) {
            url = options.mariaDbUrl();
        } else {
            Path dir = BenchmarkMain.attempt(report, name, "connect", () -> Files.createTempDirectory("tasks-bench-h2"));
            if (dir == null) {
                return;
            }
            // A file database in mixed mode, so worker processes share it with the harness.
            url = "jdbc:h2:file:" + dir.resolve("bench") + ";AUTO_SERVER=TRUE";
        }
        boolean supported = false;
        for (BrokerFactory f : ServiceLoader.load(BrokerFactory.class, Jdbc.class.getClassLoader())) {
            supported |= f.supports(url);
        }
        if (!supported) {
            report.skip(name, "all", "no broker module on the class path handles " + url.replaceAll("\\?.*", ""));
            return;
        }
        JdbcTarget target = BenchmarkMain.attempt(report, name, "connect", () -> new JdbcTarget(name, url));
        if (target == null) {
            return;
        }
        try (target) {
            if ("postgres".equals(name) && options.runs("limits")) {
                BenchmarkMain.attempt(report, name, "limits", () -> {
                    Limits.postgres(report, url, options.mode());
                    return null;
                });
            }
            new Scenarios(target, report, options).runAll();
        }
    }
}
