package dev.tasks.spring.boot;

import dev.tasks.Brokers;
import dev.tasks.ConfigurationException;
import dev.tasks.TasksConfig;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.support.LogSafe;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;

/**
 * Opens the broker of a Spring Boot application from its {@link TasksProperties}: the JDBC broker on the
 * application's own {@link DataSource} when {@code tasks.broker.url} is unset or names the same database as
 * {@code spring.datasource.url}, else the broker of the URL with its own pool ({@link Brokers#open}).
 */
final class BootBrokers {
    private static final Logger log = LogSafe.logger(BootBrokers.class);

    private BootBrokers() {}

    /**
     * The broker settings the properties describe: URL (with the password merged in), and options. No
     * {@code tasks.properties} file and no environment variable is read here: Spring's environment already
     * binds {@code TASKS_BROKER_URL} and the like to these properties.
     */
    static BrokerSettings settings(TasksProperties p, Clock clock) {
        TasksConfig.Builder b = TasksConfig.builder().environment(Map.of()).withoutFile()
                .set(TasksConfig.BROKER_URL, p.getBroker().getUrl())
                .set(TasksConfig.BROKER_PASSWORD, p.getBroker().getPassword())
                .set(TasksConfig.BROKER_PASSWORD_FILE, p.getBroker().getPasswordFile())
                .set("redis.keyPrefix", p.getRedis().getKeyPrefix())
                .set("jdbc.schema", p.getJdbc().getSchema())
                .set("jdbc.tablePrefix", p.getJdbc().getTablePrefix());
        p.getBroker().getOptions().forEach(b::set);
        return b.build().brokerSettings(clock);
    }

    /**
     * Opens the broker.
     *
     * @param appDataSource the application's DataSource, or null
     * @param appDataSourceUrl {@code spring.datasource.url}, or null
     * @throws ConfigurationException for a bad setting, or a Redis URL with a jedis older than 8 on the class path
     */
    static Broker open(TasksProperties p, DataSource appDataSource, String appDataSourceUrl, Clock clock) {
        BrokerSettings settings = settings(p, clock);
        String url = p.getBroker().getUrl();
        boolean unset = url == null || url.isBlank();
        if (appDataSource != null && (unset || url.strip().equals(appDataSourceUrl == null ? null : appDataSourceUrl.strip()))) {
            log.info("tasks: JDBC broker on the application's DataSource ({})", unset
                    ? "tasks.broker.url is unset" : "tasks.broker.url is spring.datasource.url");
            return JdbcBroker.builder().dataSource(appDataSource).clock(clock).options(settings.options()).build();
        }
        if (settings.url().toLowerCase(Locale.ROOT).startsWith("redis")) {
            JedisRequirement.check(BootBrokers.class.getClassLoader());
        }
        log.info("tasks: broker {}", settings.redactedUrl());
        return Brokers.open(settings);
    }
}
