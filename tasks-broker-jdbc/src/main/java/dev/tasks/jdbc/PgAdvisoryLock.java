package dev.tasks.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/** PostgreSQL session-level advisory locks, keyed by a stable hash of a tag and a name. */
final class PgAdvisoryLock {

    private PgAdvisoryLock() {}

    /** A stable 64-bit key for {@code name} (case-insensitive); the tag keeps uses apart. */
    static long key(String tag, String name) {
        long h = 0;
        for (char ch : tag.toCharArray()) {
            h = (h << 8) | (ch & 0xff);
        }
        for (char ch : name.toLowerCase(Locale.ROOT).toCharArray()) {
            h = h * 31 + ch;
        }
        return h;
    }

    /** Takes the lock on this connection's session if it is free; false if another session holds it. */
    static boolean tryLock(Connection c, long key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    static void unlock(Connection c, long key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            ps.setLong(1, key);
            ps.executeQuery().close();
        }
    }
}
