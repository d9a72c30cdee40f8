package dev.tasks.benchmarks;

import dev.tasks.spi.BrokerFactory;
import java.util.ServiceLoader;

/** The SQL brokers (PostgreSQL, H2): measured when a broker module on the class path handles their URLs. */
final class Jdbc {
    static final String H2_URL = "jdbc:h2:mem:tasks-bench;DB_CLOSE_DELAY=-1";

    private Jdbc() {}

    static void run(String name, Report report, Options options) {
        String url = "postgres".equals(name) ? options.jdbcUrl() : H2_URL;
        boolean supported = false;
        for (BrokerFactory f : ServiceLoader.load(BrokerFactory.class, Jdbc.class.getClassLoader())) {
            supported |= f.supports(url);
        }
        if (!supported) {
            report.skip(name, "all", "no broker module on the class path handles " + url.replaceAll("\\?.*", "")
                    + " (tasks-broker-jdbc is not part of this build)");
        }
    }
}
