package dev.tasks.benchmarks;

import dev.tasks.Brokers;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** The Redis broker, on a fresh key prefix per run. */
final class RedisTarget implements Target {
    private final String url;
    private final String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    private final RedisClient admin;

    RedisTarget(String url) {
        this.url = url;
        this.admin = RedisClient.create(url);
        admin.ping();
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Broker open() {
        return Brokers.open(new BrokerSettings(url, Clock.systemUTC(), Map.of("redis.keyPrefix", prefix)));
    }

    @Override
    public Map<String, String> properties() {
        return Map.of("tasks.broker.url", url, "tasks.redis.keyPrefix", prefix);
    }

    @Override
    public String throughputLimit() {
        return Limits.REDIS_XADD;
    }

    @Override
    public String latencyLimit() {
        return Limits.REDIS_XADD_C1_P50;
    }

    @Override
    public Optional<ServerCounters> counters() {
        return Optional.of(this::snapshot);
    }

    private Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        long commands = 0;
        for (String line : admin.info("commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            int i = line.indexOf("calls=");
            long calls = Long.parseLong(line.substring(i + 6, line.indexOf(',', i)));
            out.put("cmd_" + name, calls);
            commands += calls;
        }
        out.put("commands", commands);
        Map<String, String> stats = info("stats");
        out.put("bytes_in", Long.parseLong(stats.getOrDefault("total_net_input_bytes", "0")));
        out.put("bytes_out", Long.parseLong(stats.getOrDefault("total_net_output_bytes", "0")));
        Map<String, String> cpu = info("cpu");
        double serverCpu = Double.parseDouble(cpu.getOrDefault("used_cpu_sys", "0"))
                + Double.parseDouble(cpu.getOrDefault("used_cpu_user", "0"));
        out.put("server_cpu_micros", Math.round(serverCpu * 1e6));
        out.put("used_memory", Long.parseLong(info("memory").getOrDefault("used_memory", "0")));
        return out;
    }

    private Map<String, String> info(String section) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : admin.info(section).split("\r?\n")) {
            int c = line.indexOf(':');
            if (c > 0 && !line.startsWith("#")) {
                m.put(line.substring(0, c), line.substring(c + 1).trim());
            }
        }
        return m;
    }

    @Override
    public Optional<Long> storedBytes(List<String> queues) {
        long total = 0;
        for (String q : queues) {
            for (String key : keys(prefix + ":{q:" + q + "}*")) {
                Long n = admin.memoryUsage(key, 0);
                total += n == null ? 0 : n;
            }
        }
        return Optional.of(total);
    }

    @Override
    public void drop(List<String> queues) {
        for (String q : queues) {
            unlink(keys(prefix + ":{q:" + q + "}*"));
        }
    }

    private List<String> keys(String pattern) {
        List<String> keys = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> r = admin.scan(cursor, new ScanParams().match(pattern).count(1000));
            keys.addAll(r.getResult());
            cursor = r.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return keys;
    }

    private void unlink(List<String> keys) {
        for (int i = 0; i < keys.size(); i += 500) {
            admin.unlink(keys.subList(i, Math.min(keys.size(), i + 500)).toArray(String[]::new));
        }
    }

    @Override
    public void close() {
        try {
            unlink(keys(prefix + ":*"));
        } finally {
            admin.close();
        }
    }
}
