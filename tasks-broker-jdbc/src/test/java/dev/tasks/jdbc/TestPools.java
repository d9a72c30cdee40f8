package dev.tasks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.ArrayList;
import java.util.List;

/** Pools, PostgreSQL schemas and MariaDB databases a test makes, closed and dropped together by {@link #close()}. */
final class TestPools implements AutoCloseable {
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final List<String> schemas = new ArrayList<>();
    private final List<String> mariaDbSchemas = new ArrayList<>();

    /** A pool of up to 8 connections to {@code url}. */
    HikariDataSource pool(String url) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setMaximumPoolSize(8);
        HikariDataSource ds = new HikariDataSource(c);
        pools.add(ds);
        return ds;
    }

    /** A fresh PostgreSQL schema. */
    String pgSchema() {
        String s = TestDatabases.freshPostgresSchema();
        schemas.add(s);
        return s;
    }

    /** A fresh MariaDB database. */
    String mariaDbSchema() {
        String s = TestDatabases.freshMariaDbSchema();
        mariaDbSchemas.add(s);
        return s;
    }

    @Override
    public void close() {
        pools.forEach(HikariDataSource::close);
        schemas.forEach(TestDatabases::dropPostgresSchema);
        mariaDbSchemas.forEach(TestDatabases::dropMariaDbSchema);
    }
}
