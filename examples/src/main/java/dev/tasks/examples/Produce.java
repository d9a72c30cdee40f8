package dev.tasks.examples;

import dev.tasks.Brokers;
import dev.tasks.Tasks;
import dev.tasks.TasksConfig;
import dev.tasks.TasksException;
import dev.tasks.examples.shop.AnalyticsTasks;
import dev.tasks.examples.shop.BillingTasks;
import dev.tasks.examples.shop.NotificationTasks;
import dev.tasks.examples.shop.OrderTasks;
import dev.tasks.examples.shop.Shop;
import dev.tasks.examples.shop.ShopDatabase;
import dev.tasks.examples.shop.ShopService;
import dev.tasks.spi.Broker;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Clock;

/** {@code produce N}: places N orders through the shop service, for workers started separately. */
final class Produce {
    private Produce() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        int n = args.length > 0 ? Main.parseCount(args[0]) : 10;
        TasksConfig config = TasksConfig.load();
        ShopDatabase db = Shop.database();
        try (Broker broker = Brokers.open(config.brokerSettings(Clock.systemUTC()));
                Tasks tasks = Tasks.builder().broker(broker).routes(Shop.routes())
                        .declare(OrderTasks.class, BillingTasks.class, NotificationTasks.class, AnalyticsTasks.class)
                        .build()) {
            ShopService shop = new ShopService(db, tasks);
            long first = Clock.systemUTC().millis() * 1000;
            for (int i = 0; i < n; i++) {
                shop.placeOrder(first + i, "customer-" + (i % 17), BigDecimal.valueOf(10 + (i * 37L) % 490).setScale(2));
            }
            out.println("placed " + n + " orders (ids " + first + ".." + (first + n - 1) + ")");
            return 0;
        } catch (TasksException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }
}
