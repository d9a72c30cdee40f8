package dev.tasks.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.BrokerException;
import dev.tasks.Brokers;
import dev.tasks.ConfigurationException;
import dev.tasks.spi.BrokerSettings;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/** Parsing of broker URLs and options; no server needed except where a test opens a broker. */
class RedisUrlTest {

    @Test
    void parses_a_plain_url_with_defaults() {
        RedisUrl u = RedisUrl.parse("redis://localhost");
        assertThat(u.mode()).isEqualTo(RedisUrl.Mode.STANDALONE);
        assertThat(u.tls()).isFalse();
        assertThat(u.hosts()).containsExactly(new HostAndPort("localhost", 6379));
        assertThat(u.database()).isZero();
        assertThat(u.user()).isNull();
        assertThat(u.password()).isNull();
    }

    @Test
    void parses_credentials_database_and_tls() {
        RedisUrl u = RedisUrl.parse("rediss://app:p%40ss%2Fw0rd@cache.example.com:6380/3");
        assertThat(u.tls()).isTrue();
        assertThat(u.user()).isEqualTo("app");
        assertThat(u.password()).isEqualTo("p@ss/w0rd");
        assertThat(u.hosts()).containsExactly(new HostAndPort("cache.example.com", 6380));
        assertThat(u.database()).isEqualTo(3);
        assertThat(u.describe()).isEqualTo("rediss://app@cache.example.com:6380/3").doesNotContain("p@ss");
        assertThat(u.toString()).doesNotContain("w0rd");
        assertThat(RedisUrl.parse("redis://:secret@h:1/0").password()).isEqualTo("secret");
        assertThat(RedisUrl.parse("redis://app@h:1/0").user()).isEqualTo("app");
        assertThat(RedisUrl.parse("redis://app@h:1/0").password()).isNull();
        assertThat(RedisUrl.parse("redis://u:s3c/r@t@h:1/0").password()).isEqualTo("s3c/r@t");
        assertThat(RedisUrl.parse("redis://[::1]:7000").hosts()).containsExactly(new HostAndPort("::1", 7000));
    }

    /**
     * The table of docs/brokers.md ("User and password"), row by row: the URL as written, the password in
     * TASKS_BROKER_PASSWORD (merged by TasksConfig), in TASKS_REDIS_PASSWORD and given in code, and whom
     * the broker logs in as with which password.
     */
    @ParameterizedTest(name = "{0} + broker={1} redis={2} code={3}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        // URL                         | TASKS_BROKER_PASSWORD | TASKS_REDIS_PASSWORD | code | user  | password
        "redis://h:1                   | -                     | -                    | -    | -     | -",
        "redis://h:1                   | envpw                 | -                    | -    | -     | envpw",
        "redis://h:1                   | -                     | redispw              | -    | -     | redispw",
        "redis://:urlpw@h:1            | -                     | -                    | -    | -     | urlpw",
        "redis://:urlpw@h:1            | envpw                 | redispw              | -    | -     | urlpw",
        "redis://app:urlpw@h:1         | -                     | -                    | -    | app   | urlpw",
        "redis://app:urlpw@h:1         | envpw                 | -                    | -    | app   | urlpw",
        "redis://app:urlpw@h:1         | -                     | -                    | code | app   | code",
        "redis://app@h:1               | envpw                 | -                    | -    | app   | envpw",
        "redis://app:@h:1              | envpw                 | -                    | -    | app   | envpw",
        "redis://app@h:1               | -                     | redispw              | -    | app   | redispw",
        "redis://app:@h:1              | -                     | redispw              | -    | app   | redispw",
        "redis://app@h:1               | envpw                 | redispw              | -    | app   | envpw",
        "redis://app@h:1               | -                     | -                    | code | app   | code",
        "redis://:@h:1                 | envpw                 | -                    | -    | -     | envpw",
        "redis-cluster://app@h:1,h:2   | envpw                 | -                    | -    | app   | envpw",
    })
    void user_and_password_follow_the_documented_table(String url, String brokerPassword, String redisPassword,
            String code, String user, String password) {
        java.util.Map<String, String> env = new java.util.HashMap<>();
        if (brokerPassword != null) {
            env.put("TASKS_BROKER_PASSWORD", brokerPassword);
        }
        String merged = dev.tasks.TasksConfig.builder().environment(env).set(dev.tasks.TasksConfig.BROKER_URL, url)
                .build().brokerSettings(Clock.systemUTC()).url();
        RedisUrl u = RedisUrl.parse(merged).withCredentials(code, redisPassword);
        assertThat(u.user()).isEqualTo(user);
        assertThat(u.password()).isEqualTo(password);
        assertThat(BrokerSettings.carriesPassword(url)).as("the URL as written carries a password")
                .isEqualTo(url.matches(".*://[^@]*:[^@]+@.*"));
    }

    @ParameterizedTest
    @CsvSource({"redis://app@h:1", "redis://app:@h:1", "rediss://ops-user@h:1/2"})
    void a_user_without_any_password_fails_at_start_saying_how_to_give_one(String url) {
        assertThatThrownBy(() -> RedisUrl.parse(url).withCredentials(null, null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("names a user but no password")
                .hasMessageContaining("TASKS_BROKER_PASSWORD")
                .hasMessageContaining("redis://:PASSWORD@host")
                .hasMessageContaining("***@h:1")
                .hasMessageNotContaining("app");
        assertThatThrownBy(() -> RedisBroker.builder().url(url).environment(name -> null).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("names a user but no password");
    }

    @Test
    void only_a_url_with_a_real_password_counts_as_carrying_one() {
        assertThat(BrokerSettings.carriesPassword("redis://app:s3cret@h:1")).isTrue();
        assertThat(BrokerSettings.carriesPassword("redis://:s3cret@h:1")).isTrue();
        assertThat(BrokerSettings.carriesPassword("jdbc:postgresql://h/db?user=a&password=x")).isTrue();
        assertThat(BrokerSettings.carriesPassword("jdbc:h2:file:./x;PASSWORD=x")).isTrue();
        assertThat(BrokerSettings.carriesPassword("redis://app@h:1")).isFalse();
        assertThat(BrokerSettings.carriesPassword("redis://app:@h:1")).isFalse();
        assertThat(BrokerSettings.carriesPassword("redis://[::1]:6379/0")).isFalse();
        assertThat(BrokerSettings.carriesPassword("redis-cluster://h1:7000,h2:7001")).isFalse();
        assertThat(BrokerSettings.carriesPassword("jdbc:postgresql://h:5432/db?user=a&password=")).isFalse();
        assertThat(BrokerSettings.carriesPassword(null)).isFalse();
    }

    @Test
    void the_server_version_comes_from_hello_and_a_server_older_than_6_2_is_refused_naming_its_version() {
        assertThat(ServerVersion.versionIn(java.util.List.of("server".getBytes(), "redis".getBytes(),
                "version".getBytes(), "7.0.15".getBytes(), "proto".getBytes(), 2L))).isEqualTo("7.0.15");
        assertThat(ServerVersion.versionIn(Map.of("version", "6.2.1"))).isEqualTo("6.2.1");
        assertThat(ServerVersion.versionIn(java.util.List.of(
                redis.clients.jedis.util.KeyValue.of("server".getBytes(), "redis".getBytes()),
                redis.clients.jedis.util.KeyValue.of("version".getBytes(), "7.2.4".getBytes())))).isEqualTo("7.2.4");
        assertThat(ServerVersion.versionIn("OK")).isNull();
        ServerVersion.check("6.2.0", "h:1");
        ServerVersion.check("7.4.1", "h:1");
        ServerVersion.check("unstable", "h:1");
        assertThatThrownBy(() -> ServerVersion.check("6.0.20", "h:1"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("Redis at h:1 is version 6.0.20; the Redis broker needs 6.2 or later");
    }

    @Test
    void parses_sentinel_and_cluster_forms() {
        RedisUrl s = RedisUrl.parse("redis-sentinel://:pw@s1:26379,s2,s3:26380/2?master=mymaster");
        assertThat(s.mode()).isEqualTo(RedisUrl.Mode.SENTINEL);
        assertThat(s.masterName()).isEqualTo("mymaster");
        assertThat(s.hosts()).containsExactly(new HostAndPort("s1", 26379), new HostAndPort("s2", 26379),
                new HostAndPort("s3", 26380));
        assertThat(s.database()).isEqualTo(2);
        RedisUrl c = RedisUrl.parse("redis-cluster://n1:7000,n2:7001");
        assertThat(c.mode()).isEqualTo(RedisUrl.Mode.CLUSTER);
        assertThat(c.hosts()).hasSize(2);
        assertThat(c.describe()).isEqualTo("redis-cluster://n1:7000,n2:7001");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "redis://u:s3cret@host:notaport/0      | port 'notaport' of host host is not a number",
        "redis://u:s3cret@host:70000/0         | port of host host must be between 1 and 65535, was 70000",
        "redis://u:s3cret@host:6379/x          | database 'x' is not a number",
        "redis://u:s3cret@host:6379/-1         | database must be >= 0, was -1",
        "redis://u:s3cret@:6379/0              | it has a port but no host name",
        "redis://u:s3cret@/0                   | it names no host",
        "redis://u:s3cret@a:1,b:2/0            | use redis-cluster:// or redis-sentinel://",
        "redis-cluster://u:s3cret@a:1,b:2/4    | Redis Cluster has only database 0",
        "redis-sentinel://u:s3cret@a:1/0       | a Sentinel URL needs the master name",
        "redis://u:s3cret@host:6379/0?tls=yes  | unknown parameter 'tls'",
        "http://u:s3cret@host:6379/0           | scheme 'http' is not supported",
        "u:s3cret@host:6379                    | it has no scheme",
        "redis://u:s3cret@host:6379/0#frag     | it has a fragment",
        "redis://u:s3cret@::1:6379/0           | write it in brackets",
    })
    void rejects_bad_urls_naming_the_problem_and_never_the_password(String url, String problem) {
        assertThatThrownBy(() -> RedisUrl.parse(url))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(problem)
                .hasMessageNotContaining("s3cret")
                .hasMessageNotContaining("s3c");
    }

    @Test
    void factory_rejects_unknown_redis_options_and_bad_prefixes() {
        assertThatThrownBy(() -> Brokers.open(new BrokerSettings("redis://h:1/0", Clock.systemUTC(),
                Map.of("redis.keyPrefx", "x"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown Redis option 'redis.keyPrefx'");
        assertThatThrownBy(() -> Brokers.open(new BrokerSettings("redis://h:1/0", Clock.systemUTC(),
                Map.of(RedisBroker.OPTION_KEY_PREFIX, "a{b}"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("key prefix 'a{b}' is invalid");
        assertThatThrownBy(() -> Brokers.open(new BrokerSettings("redis://h:1/0", Clock.systemUTC(),
                Map.of(RedisBroker.OPTION_POOL_SIZE, "many"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("redis.poolSize must be a whole number");
    }

    @Test
    void an_unreachable_server_fails_with_a_broker_exception_without_the_password() {
        assertThatThrownBy(() -> RedisBroker.builder().url("redis://app:s3cret@127.0.0.1:1/0")
                        .timeout(java.time.Duration.ofMillis(500)).build())
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("127.0.0.1:1")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void the_factory_is_found_by_scheme_and_takes_options_and_the_password_from_the_environment() {
        String url = TestRedis.url();
        String prefix = TestRedis.freshPrefix();
        try (var broker = Brokers.open(new BrokerSettings(url, Clock.systemUTC(),
                Map.of(RedisBroker.OPTION_KEY_PREFIX, prefix, "jdbc.autoMigrate", "true")))) {
            assertThat(broker).isInstanceOf(RedisBroker.class);
            assertThat(((RedisBroker) broker).keyPrefix()).isEqualTo(prefix);
            assertThat(broker.describe()).startsWith("redis://").contains(prefix);
        }
        // The password comes from the environment when the URL has none: checked with a throw-away ACL user.
        String user = "tasks-test-" + prefix;
        String password = "envpw-" + prefix;
        try (RedisClient admin = TestRedis.client()) {
            admin.sendCommand(Protocol.Command.ACL, "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all");
            try {
                String withUser = url.replace("://", "://" + user + "@");
                try (RedisBroker b = RedisBroker.builder().url(withUser).keyPrefix(prefix)
                        .environment(name -> name.equals(RedisBroker.ENV_PASSWORD) ? password : null).build()) {
                    assertThat(b.describe()).contains(user).doesNotContain(password);
                    assertThat(b.queues()).isEmpty();
                }
                assertThatThrownBy(() -> RedisBroker.builder().url(withUser).keyPrefix(prefix)
                                .environment(name -> name.equals(RedisBroker.ENV_PASSWORD) ? "wrong-s3cret" : null)
                                .build())
                        .isInstanceOf(BrokerException.class)
                        .hasMessageNotContaining("wrong-s3cret");
            } finally {
                admin.sendCommand(Protocol.Command.ACL, "DELUSER", user);
            }
        }
        TestRedis.deleteKeys(prefix);
    }
}
