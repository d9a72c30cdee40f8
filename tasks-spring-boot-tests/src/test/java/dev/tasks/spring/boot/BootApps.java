package dev.tasks.spring.boot;

import dev.tasks.spring.boot.app.OrderService;
import dev.tasks.spring.boot.app.ShopApplication;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the test application with properties, as {@code java -jar app.jar --k=v} would. */
final class BootApps {
    private BootApps() {}

    static ConfigurableApplicationContext start(String... properties) {
        List<String> props = new ArrayList<>(List.of(properties));
        props.add("spring.application.name=shop-" + UUID.randomUUID().toString().substring(0, 8));
        props.add("tasks.worker.fetch-wait=200ms");
        ConfigurableApplicationContext context = new SpringApplicationBuilder(ShopApplication.class)
                .web(WebApplicationType.NONE).properties(props.toArray(String[]::new)).run();
        context.getBean(OrderService.class).createTables();
        return context;
    }

    /** A named in-memory H2 database that outlives the context (so a test can look into it after close). */
    static String h2Url() {
        return "jdbc:h2:mem:boot-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }
}
