package dev.tasks.spring;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** Spring transactions on an H2 application database with the Redis broker: published after the commit. */
class RedisSpringTransactionsTest extends AbstractSpringTransactionsTest {
    private HikariDataSource app;

    @Override
    protected DataSource appDataSource() {
        app = TestServers.pool("jdbc:h2:mem:spring-redis-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", null);
        return app;
    }

    @Override
    protected Broker openBroker() {
        return RedisBroker.builder().url(TestServers.redisUrl())
                .keyPrefix("spring-" + UUID.randomUUID().toString().substring(0, 8)).build();
    }

    @Override
    protected boolean writesInTransaction() {
        return false;
    }

    @AfterAll
    void closePool() {
        if (app != null) {
            app.close();
        }
    }
}
