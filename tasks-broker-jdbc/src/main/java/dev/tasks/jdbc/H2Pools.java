package dev.tasks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;

/**
 * What the broker changes on a pool for a {@code jdbc:h2:} URL.
 *
 * <ul>
 *   <li><b>Commits reach the file when they return.</b> H2 keeps committed changes in memory and writes them
 *       to the file in the background, up to {@code WRITE_DELAY} (500 ms) later; a process killed with
 *       {@code kill -9} in that window takes them along, and in automatic mixed mode ({@code AUTO_SERVER=TRUE})
 *       that is the commits of every process it served. The broker adds {@code WRITE_DELAY=0} to the URL
 *       (unless the URL sets it), so H2 writes the store at the end of every transaction. The write is not
 *       forced to the disk ({@code fsync}): it survives the death of any process, not that of the machine.</li>
 *   <li><b>Connections to a host that went away are dropped together.</b> In automatic mixed mode the
 *       other processes reach the database through the process that opened it; when that process exits or
 *       dies, all their connections to it are broken for good. HikariCP does not recognise H2's error codes
 *       for that and would keep lending them out, each failing one more operation. The first such failure
 *       evicts the connection and every idle one of the pool (those in use are closed when returned); the
 *       next connection opens the file itself or reaches its new host.</li>
 * </ul>
 */
final class H2Pools {
    /** H2's setting for the delay between a commit and the write of the store. */
    static final String WRITE_DELAY = "WRITE_DELAY";

    /**
     * H2 error codes after which a connection is of no further use: 90067 (connection broken), 90098
     * (database closed), 90121 (database called at JVM shutdown), 90028 (I/O error), 90007 (object closed),
     * and 42102 (table not found): the broker's tables exist (it checked at start), so a connection that no
     * longer finds them talks to a host whose database is closing; seen when the process hosting the
     * database stops while another process's connection is in use, which then failed every statement.
     */
    static final Set<Integer> CONNECTION_LOST = Set.of(90067, 90098, 90121, 90028, 90007, 42102);

    private H2Pools() {}

    /**
     * Sets {@code url}, with durable commits, and the eviction of lost connections, on {@code config}; returns
     * what must be told the pool once it exists ({@link EvictLostConnections#pool}).
     */
    static EvictLostConnections configure(HikariConfig config, String url) {
        config.setJdbcUrl(withDurableCommits(url));
        EvictLostConnections evict = new EvictLostConnections();
        config.setExceptionOverride(evict);
        return evict;
    }

    /**
     * {@code url} with {@code ;WRITE_DELAY=0} appended, unless it sets {@code WRITE_DELAY} itself, names an
     * in-memory database, or a database of an H2 server ({@code tcp:}, {@code ssl:}): that one keeps the
     * server's setting, which only an administrator may change ({@link H2Durability} reports it).
     */
    static String withDurableCommits(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        boolean embedded = !lower.startsWith("jdbc:h2:mem:") && !lower.startsWith("jdbc:h2:tcp:")
                && !lower.startsWith("jdbc:h2:ssl:");
        if (!embedded || setting(url, WRITE_DELAY) != null) {
            return url;
        }
        return url + ";" + WRITE_DELAY + "=0";
    }

    /** The value of {@code name} among the {@code ;NAME=value} settings of an H2 URL, or null. */
    static String setting(String url, String name) {
        String[] parts = url.split(";");
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0 && parts[i].substring(0, eq).trim().toUpperCase(Locale.ROOT).equals(name)) {
                return parts[i].substring(eq + 1).trim();
            }
        }
        return null;
    }

    /**
     * Evicts a connection when H2 reports it lost, and the pool's other connections with it; leaves every
     * other decision to HikariCP.
     */
    static final class EvictLostConnections implements SQLExceptionOverride {
        private volatile HikariDataSource pool;

        /** The pool whose connections are evicted together; until set, only the failed one is. */
        void pool(HikariDataSource pool) {
            this.pool = pool;
        }

        @java.lang.Override
        public SQLExceptionOverride.Override adjudicate(SQLException e) {
            if (!CONNECTION_LOST.contains(e.getErrorCode())) {
                return SQLExceptionOverride.Override.CONTINUE_EVICT;
            }
            HikariDataSource p = pool;
            HikariPoolMXBean bean = p == null ? null : p.getHikariPoolMXBean();
            if (bean != null) {
                bean.softEvictConnections();
            }
            return SQLExceptionOverride.Override.MUST_EVICT;
        }
    }
}
