package dev.tasks.redis;

import dev.tasks.ConfigurationException;
import dev.tasks.spi.support.LogSafe;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.KeyValue;

/**
 * Checks at start that the server is Redis 6.2 or later, asking {@code HELLO} (no arguments: it reports
 * the server and version and changes nothing). Redis lets every logged-in user run {@code HELLO}, so a
 * least-privilege ACL user needs neither {@code INFO} nor {@code @dangerous}. A server that does not
 * answer it (renamed or disabled by a managed service) is not refused: one warning line says the version
 * is unchecked, and the commands speak for themselves.
 */
final class ServerVersion {
    private static final Logger log = LogSafe.logger(ServerVersion.class);

    /** The oldest version the broker runs on (it keeps leases in pending lists, using XPENDING IDLE). */
    static final String MINIMUM = "6.2";

    private ServerVersion() {}

    /**
     * Fails unless the server behind {@code jedis} is Redis 6.2 or later.
     *
     * @throws ConfigurationException naming the version found, for an older server
     */
    static void check(UnifiedJedis jedis, String where) {
        Object reply;
        try {
            reply = jedis.sendCommand(Protocol.Command.HELLO);
        } catch (JedisDataException e) {
            String m = String.valueOf(e.getMessage());
            if (m.startsWith("ERR unknown command") || m.contains("wrong number of arguments")) {
                // HELLO came with 6.0 and took no arguments from 6.2 on.
                throw tooOld(where, "older than " + MINIMUM + " (HELLO answered: " + oneLine(m) + ")");
            }
            log.warn("Redis at {} did not say its version ({}); not checking that it is {} or later", where,
                    oneLine(m), MINIMUM);
            return;
        }
        String version = versionIn(reply);
        if (version == null) {
            log.warn("Redis at {} did not say its version in its HELLO reply; not checking that it is {} or later",
                    where, MINIMUM);
            return;
        }
        check(version, where);
    }

    /** Fails unless {@code version} (as {@code 7.0.15}) is 6.2 or later; a version it cannot read passes. */
    static void check(String version, String where) {
        String[] parts = version.trim().split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            if (major > 6 || (major == 6 && minor >= 2)) {
                return;
            }
        } catch (NumberFormatException e) {
            return; // not a version we can read: let the commands speak for themselves
        }
        throw tooOld(where, "version " + version);
    }

    /**
     * The {@code version} field of a {@code HELLO} reply: a flat list in RESP2, a map in RESP3 (which the
     * driver hands over as a list of {@link KeyValue}s).
     */
    static String versionIn(Object reply) {
        if (reply instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof KeyValue<?, ?>) {
            for (Object o : list) {
                if (o instanceof KeyValue<?, ?> kv && "version".equals(text(kv.getKey()))) {
                    return text(kv.getValue());
                }
            }
        } else if (reply instanceof List<?> list) {
            for (int i = 0; i + 1 < list.size(); i += 2) {
                if ("version".equals(text(list.get(i)))) {
                    return text(list.get(i + 1));
                }
            }
        } else if (reply instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if ("version".equals(text(e.getKey()))) {
                    return text(e.getValue());
                }
            }
        }
        return null;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : o == null ? null : o.toString();
    }

    private static ConfigurationException tooOld(String where, String what) {
        return new ConfigurationException("Redis at " + where + " is " + what + "; the Redis broker needs "
                + MINIMUM + " or later (it keeps leases in the streams' pending lists, using XPENDING IDLE)");
    }

    private static String oneLine(String s) {
        String t = s.replaceAll("\\s+", " ").trim();
        return t.length() <= 200 ? t : t.substring(0, 200) + "...";
    }
}
