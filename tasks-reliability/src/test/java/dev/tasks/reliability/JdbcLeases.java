package dev.tasks.reliability;

import dev.tasks.message.EnvelopeCodec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;

/** Reads what the JDBC broker has leased out, straight from its messages table. */
final class JdbcLeases {
    private JdbcLeases() {}

    static AbstractWorkerCrashTest.Leased leased(String jdbcUrl, String messagesTable, String queue) {
        Set<String> keys = new HashSet<>();
        long latest = 0;
        EnvelopeCodec codec = EnvelopeCodec.json();
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                PreparedStatement ps = c.prepareStatement("SELECT payload, visible_at FROM " + messagesTable
                        + " WHERE queue = ? AND lease_token IS NOT NULL")) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(codec.decode(rs.getString(1)).args().get(0).asText());
                    latest = Math.max(latest, rs.getLong(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new AbstractWorkerCrashTest.Leased(keys, latest);
    }
}
