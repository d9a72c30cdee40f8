package dev.tasks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.tasks.BrokerException;
import dev.tasks.spi.BrokerSettings;
import java.time.Duration;
import java.util.Locale;

/** Opens HikariCP pools for broker URLs. */
final class Pools {
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(10);

    private Pools() {}

    /**
     * A pool for {@code url}. The user and password come from the URL, else the arguments, else (password
     * only) the {@code TASKS_JDBC_PASSWORD} environment variable.
     */
    static HikariDataSource create(String url, String user, String password, int size, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName(name);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(Math.min(2, size));
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        String lower = url.toLowerCase(Locale.ROOT);
        java.util.function.Consumer<HikariDataSource> opened = SqlDialects.fromUrl(url).configurePool(config, url);
        if (user != null && !user.isBlank()) {
            config.setUsername(user);
        }
        boolean urlHasPassword = lower.contains("password=") || url.matches("(?s)^jdbc:[a-z0-9]+://[^/@]*:[^/@]*@.*");
        String pw = password;
        if (pw == null && !urlHasPassword) {
            pw = System.getenv(JdbcBroker.PASSWORD_ENV);
        }
        if (pw != null) {
            config.setPassword(pw);
        }
        try {
            HikariDataSource pool = new HikariDataSource(config);
            if (opened != null) {
                opened.accept(pool);
            }
            return pool;
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new BrokerException("cannot connect to the database of the JDBC broker at "
                    + BrokerSettings.redact(url) + ": " + cause.getMessage(), cause);
        } catch (RuntimeException e) {
            throw new BrokerException("cannot open a connection pool for " + BrokerSettings.redact(url) + ": "
                    + e.getMessage(), e);
        }
    }
}
