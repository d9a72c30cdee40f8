package dev.tasks.redis;

import dev.tasks.ConfigurationException;
import dev.tasks.spi.BrokerSettings;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import redis.clients.jedis.HostAndPort;

/**
 * A parsed broker URL:
 * <pre>
 *   redis://[[user][:password]@]host[:port][/db]
 *   rediss://...                                   (TLS)
 *   redis-sentinel://[[user][:password]@]host[:port][,host[:port]...][/db]?master=name
 *   redis-cluster://[[user][:password]@]host[:port][,host[:port]...]
 * </pre>
 * ({@code rediss-sentinel://} and {@code rediss-cluster://} use TLS.) The user info is
 * {@code user:password}: a user info without a colon is a user name ({@code redis://app@host}, as in
 * RFC 3986), a password alone is written after a colon ({@code redis://:secret@host}). User and password
 * are percent-decoded; empty ones count as absent. Where a password from elsewhere goes and which one wins
 * is {@link #withCredentials}. Never log {@link #password()}; {@link #describe()} leaves it out.
 */
record RedisUrl(Mode mode, boolean tls, String user, String password, List<HostAndPort> hosts, int database,
        String masterName) {

    enum Mode {
        STANDALONE,
        SENTINEL,
        CLUSTER
    }

    static final int DEFAULT_PORT = 6379;
    static final int DEFAULT_SENTINEL_PORT = 26379;
    static final List<String> SCHEMES = List.of("redis://", "rediss://", "redis-sentinel://", "rediss-sentinel://",
            "redis-cluster://", "rediss-cluster://");

    /**
     * Parses {@code url}.
     *
     * @throws ConfigurationException naming what is wrong (the URL in the message has its password masked)
     */
    static RedisUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new ConfigurationException("Redis URL is empty; expected e.g. redis://localhost:6379/0");
        }
        String shown = mask(url);
        int sep = url.indexOf("://");
        if (sep < 0) {
            throw bad(shown, "it has no scheme; expected one of " + SCHEMES);
        }
        String scheme = url.substring(0, sep).toLowerCase(Locale.ROOT);
        Mode mode;
        boolean tls;
        switch (scheme) {
            case "redis" -> { mode = Mode.STANDALONE; tls = false; }
            case "rediss" -> { mode = Mode.STANDALONE; tls = true; }
            case "redis-sentinel" -> { mode = Mode.SENTINEL; tls = false; }
            case "rediss-sentinel" -> { mode = Mode.SENTINEL; tls = true; }
            case "redis-cluster" -> { mode = Mode.CLUSTER; tls = false; }
            case "rediss-cluster" -> { mode = Mode.CLUSTER; tls = true; }
            default -> throw bad(shown, "scheme '" + scheme + "' is not supported; expected one of " + SCHEMES);
        }
        String rest = url.substring(sep + 3);
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            throw bad(shown, "it has a fragment ('#...'); percent-encode '#' in a password as %23");
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                user = decode(userInfo, shown, "user name");
            } else {
                user = decode(userInfo.substring(0, colon), shown, "user name");
                password = decode(userInfo.substring(colon + 1), shown, "password");
            }
            user = user == null || user.isEmpty() ? null : user;
            password = password == null || password.isEmpty() ? null : password;
        }
        String path = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            path = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
        }
        int defaultPort = mode == Mode.SENTINEL ? DEFAULT_SENTINEL_PORT : DEFAULT_PORT;
        List<HostAndPort> hosts = parseHosts(rest, defaultPort, shown);
        if (mode == Mode.STANDALONE && hosts.size() > 1) {
            throw bad(shown, "it names " + hosts.size() + " hosts; use redis-cluster:// or redis-sentinel:// for several");
        }
        int database = 0;
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (!path.isEmpty()) {
            try {
                database = Integer.parseInt(path);
            } catch (NumberFormatException e) {
                throw bad(shown, "database '" + path + "' is not a number; expected e.g. /0");
            }
            if (database < 0) {
                throw bad(shown, "database must be >= 0, was " + database);
            }
        }
        if (mode == Mode.CLUSTER && database != 0) {
            throw bad(shown, "Redis Cluster has only database 0, the URL asks for database " + database);
        }
        String master = null;
        if (query != null && !query.isEmpty()) {
            for (String param : query.split("&")) {
                if (param.isEmpty()) {
                    continue;
                }
                int eq = param.indexOf('=');
                String name = eq < 0 ? param : param.substring(0, eq);
                String value = eq < 0 ? "" : decode(param.substring(eq + 1), shown, "parameter " + name);
                if ((name.equals("master") || name.equals("masterName")) && mode == Mode.SENTINEL) {
                    if (value.isBlank()) {
                        throw bad(shown, "parameter '" + name + "' is empty; name the Sentinel master, e.g. ?master=mymaster");
                    }
                    master = value;
                } else {
                    throw bad(shown, "unknown parameter '" + name + "'"
                            + (mode == Mode.SENTINEL ? "; supported: master" : "; " + scheme + ":// URLs take no parameters"));
                }
            }
        }
        if (mode == Mode.SENTINEL && master == null) {
            throw bad(shown, "a Sentinel URL needs the master name, e.g. redis-sentinel://host:26379/0?master=mymaster");
        }
        return new RedisUrl(mode, tls, user, password, List.copyOf(hosts), database, master);
    }

    /** The URL without credentials, for logs and {@code describe()}. */
    String describe() {
        String scheme = switch (mode) {
            case STANDALONE -> tls ? "rediss" : "redis";
            case SENTINEL -> tls ? "rediss-sentinel" : "redis-sentinel";
            case CLUSTER -> tls ? "rediss-cluster" : "redis-cluster";
        };
        String hostList = hosts.stream()
                .map(h -> (h.getHost().contains(":") ? "[" + h.getHost() + "]" : h.getHost()) + ":" + h.getPort())
                .collect(Collectors.joining(","));
        StringBuilder sb = new StringBuilder(scheme).append("://");
        if (user != null) {
            sb.append(user).append('@');
        }
        sb.append(hostList);
        if (mode != Mode.CLUSTER) {
            sb.append('/').append(database);
        }
        if (masterName != null) {
            sb.append("?master=").append(masterName);
        }
        return sb.toString();
    }

    /**
     * The credentials to log in with, by the rules of docs/brokers.md ("User and password"): a password
     * given in code wins; then the URL's; then the one from the environment ({@code TASKS_REDIS_PASSWORD};
     * {@code TASKS_BROKER_PASSWORD} and its file are merged into the URL before it gets here). The user
     * comes from the URL only; without one, the password is the {@code default} user's.
     *
     * @param explicit a password given in code, or null
     * @param environment a password from the environment, or null (empty counts as absent)
     * @throws ConfigurationException when the URL names a user and no password comes from anywhere (Redis
     *     has no login by user name alone; a password-less ACL user takes any password)
     */
    RedisUrl withCredentials(String explicit, String environment) {
        String chosen = explicit != null ? explicit
                : password != null ? password
                : environment != null && !environment.isEmpty() ? environment : null;
        if (user != null && chosen == null) {
            throw new ConfigurationException("Redis URL " + describeWithoutUser() + " names a user but no password;"
                    + " give the user's password in TASKS_BROKER_PASSWORD (or TASKS_BROKER_PASSWORD_FILE), or write"
                    + " a password alone as redis://:PASSWORD@host");
        }
        return new RedisUrl(mode, tls, user, chosen, hosts, database, masterName);
    }

    /** {@link #describe()} with the user masked (it may be a password written the old way, without colon). */
    private String describeWithoutUser() {
        return user == null ? describe() : new RedisUrl(mode, tls, "***", null, hosts, database, masterName).describe();
    }

    @Override
    public String toString() {
        return describe();
    }

    private static List<HostAndPort> parseHosts(String list, int defaultPort, String shown) {
        if (list.isEmpty()) {
            throw bad(shown, "it names no host; expected e.g. localhost:6379");
        }
        List<HostAndPort> hosts = new ArrayList<>();
        for (String hp : list.split(",", -1)) {
            if (hp.isEmpty()) {
                throw bad(shown, "it has an empty host in the host list");
            }
            String host;
            String port = null;
            if (hp.startsWith("[")) {
                int end = hp.indexOf(']');
                if (end < 0) {
                    throw bad(shown, "IPv6 host '" + hp + "' lacks its closing ']'");
                }
                host = hp.substring(1, end);
                String after = hp.substring(end + 1);
                if (!after.isEmpty()) {
                    if (!after.startsWith(":")) {
                        throw bad(shown, "unexpected '" + after + "' after IPv6 host [" + host + "]");
                    }
                    port = after.substring(1);
                }
            } else {
                int colon = hp.lastIndexOf(':');
                if (colon >= 0) {
                    host = hp.substring(0, colon);
                    port = hp.substring(colon + 1);
                } else {
                    host = hp;
                }
                if (host.contains(":")) {
                    throw bad(shown, "host '" + host + "' looks like an IPv6 address; write it in brackets, e.g. [::1]:6379");
                }
            }
            if (host.isEmpty()) {
                throw bad(shown, "it has a port but no host name in '" + hp + "'");
            }
            int p = defaultPort;
            if (port != null) {
                try {
                    p = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    throw bad(shown, "port '" + port + "' of host " + host + " is not a number");
                }
                if (p < 1 || p > 65535) {
                    throw bad(shown, "port of host " + host + " must be between 1 and 65535, was " + p);
                }
            }
            hosts.add(new HostAndPort(host, p));
        }
        return hosts;
    }

    /** The URL with everything before the last '@' of its authority masked, then {@link BrokerSettings#redact}. */
    static String mask(String url) {
        if (url == null) {
            return null;
        }
        int sep = url.indexOf("://");
        int start = sep < 0 ? 0 : sep + 3;
        String rest = url.substring(start);
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            int colon = userInfo.indexOf(':');
            String masked = colon < 0 ? "***" : userInfo.substring(0, colon) + ":***";
            url = url.substring(0, start) + masked + rest.substring(at);
        }
        return BrokerSettings.redact(url);
    }

    private static String decode(String s, String shown, String what) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw bad(shown, "the " + what + " has an invalid percent-encoding");
        }
    }

    private static ConfigurationException bad(String shownUrl, String problem) {
        return new ConfigurationException("invalid Redis URL '" + shownUrl + "': " + problem);
    }
}
