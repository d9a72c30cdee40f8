package dev.tasks.examples.shop;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.TaskRegistry;
import dev.tasks.TasksConfig;
import dev.tasks.routing.Routes;
import dev.tasks.spi.TaskProvider;
import java.util.Optional;

/**
 * The shop example's wiring: its routing rules, its database, and its tasks for the worker (found by
 * {@code worker} through {@code META-INF/services/dev.tasks.spi.TaskProvider}).
 *
 * <p>The shop's database is {@code SHOP_DB_URL} if set; otherwise the broker's database when the broker is
 * SQL (so {@code delayOnCommit} writes the task row in the order's own transaction); otherwise an H2 file
 * next to the embedded broker.
 */
public final class Shop implements TaskProvider {

    /** Where the shop's tables live when nothing else is said. */
    public static final String DEFAULT_SHOP_DB_URL = "jdbc:h2:file:./.tasks/shop;AUTO_SERVER=TRUE";

    private static volatile ShopDatabase database;

    /** The routing rules: one queue per module, analytics on a low-priority queue. */
    public static Routes routes() {
        return Routes.builder()
                .route("orders.*", "orders")
                .route("billing.*", "billing")
                .route("notifications.*", "notifications")
                .route("analytics.*", "analytics_low_priority")
                .build();
    }

    /** The shop's database URL for a configuration (see the class comment). */
    public static String shopDatabaseUrl(TasksConfig config) {
        Optional<String> explicit = Optional.ofNullable(System.getenv("SHOP_DB_URL")).filter(s -> !s.isBlank());
        if (explicit.isPresent()) {
            return explicit.get();
        }
        String broker = config.brokerUrl();
        return broker.startsWith("jdbc:") ? broker : DEFAULT_SHOP_DB_URL;
    }

    /** The process's shop database, opened (and its tables created) on first use. */
    public static ShopDatabase database() {
        ShopDatabase db = database;
        if (db == null) {
            synchronized (Shop.class) {
                db = database;
                if (db == null) {
                    db = open(shopDatabaseUrl(TasksConfig.load()));
                    database = db;
                }
            }
        }
        return db;
    }

    /** Opens a shop database on a small pool and creates its tables. */
    public static ShopDatabase open(String jdbcUrl) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        hc.setMaximumPoolSize(8);
        hc.setPoolName("shop");
        String password = System.getenv("SHOP_DB_PASSWORD");
        if (password != null) {
            hc.setPassword(password);
        }
        return new ShopDatabase(new HikariDataSource(hc)).createTables();
    }

    /** The shop's tasks with their implementations on {@code db}. */
    public static TaskRegistry registry(ShopDatabase db) {
        TaskRegistry.Builder b = TaskRegistry.builder();
        register(b, db);
        return b.build();
    }

    private static void register(TaskRegistry.Builder b, ShopDatabase db) {
        b.register(OrderTasks.class, new ShopTaskImplementations.Orders(db))
                .register(BillingTasks.class, new ShopTaskImplementations.Billing(db))
                .register(NotificationTasks.class, new ShopTaskImplementations.Notifications(db))
                .register(AnalyticsTasks.class, new ShopTaskImplementations.Analytics(db));
    }

    @Override
    public void register(TaskRegistry.Builder registry) {
        register(registry, database());
    }
}
