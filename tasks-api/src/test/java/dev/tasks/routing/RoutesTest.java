package dev.tasks.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.ConfigurationException;
import dev.tasks.TaskRegistry;
import dev.tasks.fixtures.ShopTasks.AnalyticsTasks;
import dev.tasks.fixtures.ShopTasks.OrderTasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutesTest {
    private final TaskRegistry registry = TaskRegistry.builder().declare(OrderTasks.class).declare(AnalyticsTasks.class).build();

    @Test
    void first_matching_rule_wins() {
        Routes routes = Routes.builder()
                .route("orders.charge*", "billing")
                .route("orders.*", "orders-high")
                .route("*", "catch-all")
                .build();
        assertThat(routes.resolve(null, "orders.chargeCard", registry.get("orders.chargeCard"))).isEqualTo("billing");
        assertThat(routes.resolve(null, "orders.place", registry.get("orders.place"))).isEqualTo("orders-high");
        assertThat(routes.resolve(null, "anything", null)).isEqualTo("catch-all");
    }

    @Test
    void call_queue_beats_rules_which_beat_task_then_module_then_default() {
        Routes routes = Routes.builder().route("analytics.*", "analytics_low_priority").build();
        assertThat(routes.resolve("urgent", "analytics.track", registry.get("analytics.track"))).isEqualTo("urgent");
        assertThat(routes.resolve(null, "analytics.track", registry.get("analytics.track")))
                .isEqualTo("analytics_low_priority");
        assertThat(Routes.none().resolve(null, "orders.archive", registry.get("orders.archive"))).isEqualTo("archive");
        assertThat(Routes.none().resolve(null, "orders.place", registry.get("orders.place"))).isEqualTo("orders");
        assertThat(Routes.none().resolve(null, "analytics.track", registry.get("analytics.track"))).isEqualTo("default");
        assertThat(Routes.none().resolve(null, "unknown.task", null)).isEqualTo("default");
    }

    @Test
    void glob_metacharacters_other_than_star_and_question_mark_are_literal() {
        Routes routes = Routes.builder().route("a.b?", "q1").route("x(y)+", "q2").build();
        assertThat(routes.match("a.bc")).contains("q1");
        assertThat(routes.match("aXbc")).isEmpty();
        assertThat(routes.match("x(y)+")).contains("q2");
        assertThat(routes.match("xyy")).isEmpty();
    }

    @Test
    void rules_are_read_in_order_from_properties_and_files(@TempDir Path dir) throws Exception {
        Properties p = new Properties();
        p.setProperty(Routes.PROPERTY, "orders.*=orders, analytics.*=analytics_low_priority,*=default");
        Routes routes = Routes.fromProperties(p);
        assertThat(routes.rules()).containsExactly("orders.*=orders", "analytics.*=analytics_low_priority", "*=default");

        Path file = dir.resolve("tasks.properties");
        Files.writeString(file, "tasks.routes=billing.*=billing\n");
        assertThat(Routes.fromFile(file).match("billing.charge")).contains("billing");
    }

    @Test
    void malformed_rules_name_the_rule() {
        assertThatThrownBy(() -> Routes.parse("orders.*"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("routing rule 'orders.*' must be 'glob=queue'");
        assertThatThrownBy(() -> Routes.parse("orders.*=bad queue"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("invalid queue name 'bad queue'");
        assertThatThrownBy(() -> Routes.fromFile(Path.of("does-not-exist.properties")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("cannot read routing rules");
    }
}
