package dev.tasks.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script shipped as a class-path resource, called by its SHA-1 ({@code EVALSHA}) and loaded into the
 * server's script cache ({@code SCRIPT LOAD}) when the server answers {@code NOSCRIPT}: after a restart,
 * a {@code SCRIPT FLUSH}, a failover, or on a cluster node that has not seen it yet.
 */
final class LuaScript {
    private final String name;
    private final String text;
    private final String sha;

    private LuaScript(String name, String text) {
        this.name = name;
        this.text = text;
        this.sha = sha1(text);
    }

    /**
     * Loads {@code dev/tasks/redis/<name>.lua} from the class path, after the text of each prelude (a file of
     * local functions that several scripts share, e.g. {@code queue}): Redis scripts cannot import.
     */
    static LuaScript load(String name, String... preludes) {
        StringBuilder text = new StringBuilder();
        for (String prelude : preludes) {
            text.append(read(prelude));
        }
        return new LuaScript(name, text.append(read(name)).toString());
    }

    private static String read(String name) {
        String resource = name + ".lua";
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Lua script " + resource + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Lua script " + resource, e);
        }
    }

    String name() {
        return name;
    }

    String sha() {
        return sha;
    }

    /**
     * Runs the script with {@code EVALSHA}; on {@code NOSCRIPT} loads it on the node that owns the first
     * key and runs it again (a script that was not in the cache did not run, so this is safe).
     */
    Object eval(UnifiedJedis jedis, List<String> keys, List<String> args) {
        try {
            return jedis.evalsha(sha, keys, args);
        } catch (JedisDataException e) {
            if (!isNoScript(e)) {
                throw e;
            }
            loadInto(jedis, keys);
            return jedis.evalsha(sha, keys, args);
        }
    }

    /** Loads the script on the node of {@code keys.get(0)} (any node when there are no keys). */
    void loadInto(UnifiedJedis jedis, List<String> keys) {
        String loaded = keys.isEmpty() ? jedis.scriptLoad(text) : jedis.scriptLoad(text, keys.get(0));
        if (!sha.equalsIgnoreCase(loaded)) {
            throw new IllegalStateException("Redis returned SHA " + loaded + " for script " + name + ", expected " + sha);
        }
    }

    static boolean isNoScript(Throwable e) {
        if (e instanceof JedisNoScriptException) {
            return true;
        }
        String m = e.getMessage();
        return e instanceof JedisDataException && m != null && m.startsWith("NOSCRIPT");
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
    }
}
