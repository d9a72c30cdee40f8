package dev.tasks.tx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.spi.TransactionContext;
import java.sql.Connection;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TransactionalDataSourceTest {
    private TransactionalDataSource ds;
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:tx" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        ds = new TransactionalDataSource(h2);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("create table orders(id bigint primary key)");
        }
    }

    private static TransactionContext current() {
        return TransactionalDataSource.synchronizer().current().orElseThrow();
    }

    @Test
    void no_transaction_is_seen_with_auto_commit_on() throws Exception {
        assertThat(TransactionalDataSource.synchronizer().current()).isEmpty();
        try (Connection c = ds.getConnection()) {
            assertThat(TransactionalDataSource.synchronizer().current()).isEmpty();
        }
    }

    @Test
    void callbacks_run_after_commit_in_registration_order() throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            c.createStatement().execute("insert into orders values (1)");
            TransactionContext tx = current();
            assertThat(tx.connection()).contains(c);
            tx.afterCommit(() -> events.add("first"));
            tx.afterCommit(() -> events.add("second"));
            tx.afterRollback(() -> events.add("rolled back"));
            assertThat(events).isEmpty();
            c.commit();
            assertThat(events).containsExactly("first", "second");
            c.commit();
            assertThat(events).containsExactly("first", "second");
        }
    }

    @Test
    void rollback_drops_commit_callbacks_and_runs_rollback_callbacks() throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            current().afterCommit(() -> events.add("committed"));
            current().afterRollback(() -> events.add("rolled back"));
            c.rollback();
            c.commit();
        }
        assertThat(events).containsExactly("rolled back");
    }

    @Test
    void a_failing_callback_does_not_stop_the_others_or_undo_the_commit() throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            c.createStatement().execute("insert into orders values (2)");
            current().afterCommit(() -> events.add("a"));
            current().afterCommit(() -> {
                throw new IllegalStateException("broker down");
            });
            current().afterCommit(() -> events.add("c"));
            c.commit();
        }
        assertThat(events).containsExactly("a", "c");
        try (Connection c = ds.getConnection(); var rs = c.createStatement().executeQuery("select count(*) from orders")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void rollback_to_a_savepoint_drops_only_later_callbacks() throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            current().afterCommit(() -> events.add("before savepoint"));
            Savepoint sp = c.setSavepoint();
            current().afterCommit(() -> events.add("after savepoint"));
            c.rollback(sp);
            c.commit();
        }
        assertThat(events).containsExactly("before savepoint");
    }

    @Test
    void turning_auto_commit_back_on_commits_and_runs_callbacks() throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            current().afterCommit(() -> events.add("done"));
            c.setAutoCommit(true);
            assertThat(events).containsExactly("done");
            assertThat(TransactionalDataSource.synchronizer().current()).isEmpty();
        }
    }

    @Test
    void closing_without_commit_drops_callbacks_and_forgets_the_connection() throws Exception {
        Connection c = ds.getConnection();
        c.setAutoCommit(false);
        current().afterCommit(() -> events.add("never"));
        c.close();
        assertThat(events).isEmpty();
        assertThat(TransactionalDataSource.synchronizer().current()).isEmpty();
    }

    @Test
    void transactions_are_per_thread() throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            Optional<?>[] seen = new Optional<?>[1];
            Thread t = new Thread(() -> seen[0] = TransactionalDataSource.synchronizer().current());
            t.start();
            t.join();
            assertThat(seen[0]).isEmpty();
            assertThat(TransactionalDataSource.synchronizer().current()).isPresent();
        }
    }

    @Test
    void unwrap_reaches_the_driver_connection() throws Exception {
        try (Connection c = ds.getConnection()) {
            assertThat(c.isWrapperFor(org.h2.jdbc.JdbcConnection.class)).isTrue();
            assertThat(c.unwrap(org.h2.jdbc.JdbcConnection.class)).isInstanceOf(org.h2.jdbc.JdbcConnection.class);
        }
    }
}
