package dev.tasks.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasks.examples.spring.OrderController.OrderRequest;
import dev.tasks.examples.spring.OrderController.Placed;
import dev.tasks.examples.spring.OrderService.Order;
import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The shop application started as it ships ({@code application.properties}, the embedded worker on), on a random
 * port, driven over HTTP: a committed order runs each of its tasks exactly once on the embedded worker, a
 * rolled-back one enqueues none, and Actuator shows the tasks health and queue counts. Counts are exact: the
 * worker's {@code tasks.received} counters on the application's MeterRegistry, and the broker's queue counts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tasks.worker.fetch-wait=200ms")
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class AbstractShopApplicationTest {
    private static final String CONFIRMATION = "orders.sendConfirmation";
    private static final String CHARGE = "billing.chargeCard";
    private static final List<String> QUEUES = List.of("orders", "billing");

    @Autowired
    private TestRestTemplate http;

    @Autowired
    private MeterRegistry meters;

    @Autowired
    private Broker broker;

    @Autowired
    private JdbcTemplate jdbc;

    /** The simple class name of the broker this variant runs on. */
    protected abstract String brokerName();

    @Test
    void a_committed_order_runs_each_of_its_tasks_exactly_once_on_the_embedded_worker() {
        Runs before = runs();
        ResponseEntity<Placed> placed = http.postForEntity("/orders", new OrderRequest("ada", "book", 2), Placed.class);
        assertThat(placed.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        long id = placed.getBody().id();
        assertThat(placed.getHeaders().getLocation()).hasPath("/orders/" + id);

        awaitDone(before, 1);
        assertThat(runs().minus(before)).as("deliveries and successes of the confirmation and of the charge")
                .isEqualTo(Runs.each(1));
        Order order = http.getForObject("/orders/" + id, Order.class);
        assertThat(order).isEqualTo(new Order(id, "ada", "book", 2, "CONFIRMED", true));
        assertThat(jdbc.queryForObject("SELECT amount FROM shop_payments WHERE order_id = ?", BigDecimal.class, id))
                .isEqualByComparingTo("25.00");
    }

    @Test
    void a_rolled_back_order_enqueues_no_task() {
        Runs before = runs();
        long orders = jdbc.queryForObject("SELECT COUNT(*) FROM shop_orders", Long.class);
        int lamps = jdbc.queryForObject("SELECT quantity FROM shop_stock WHERE item = 'lamp'", Integer.class);

        ResponseEntity<JsonNode> refused = http.postForEntity("/orders", new OrderRequest("bob", "lamp", lamps + 1),
                JsonNode.class);
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(refused.getBody().path("detail").asText()).startsWith("not enough 'lamp' in stock");
        // Its tasks were enqueued before the stock check threw: had they survived the rollback they would be in
        // a queue now (published by the commit, before the response) or already received by the worker.
        assertThat(pending()).as("messages in the queues right after the rollback").isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM shop_orders", Long.class)).isEqualTo(orders);

        // A committed order placed after it: once its tasks have run and the queues are empty, any task of the
        // rolled-back order would have been received before or with them.
        long id = http.postForEntity("/orders", new OrderRequest("bob", "lamp", 1), Placed.class).getBody().id();
        awaitDone(before, 1);
        assertThat(runs().minus(before)).as("deliveries: the committed order's tasks only").isEqualTo(Runs.each(1));
        assertThat(http.getForObject("/orders/" + id, Order.class).status()).isEqualTo("CONFIRMED");
        assertThat(jdbc.queryForObject("SELECT quantity FROM shop_stock WHERE item = 'lamp'", Integer.class))
                .isEqualTo(lamps - 1);
    }

    @Test
    void actuator_health_over_http_shows_the_tasks_component_up() {
        ResponseEntity<JsonNode> health = http.getForEntity("/actuator/health", JsonNode.class);
        assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
        JsonNode tasks = health.getBody().path("components").path("tasks");
        assertThat(tasks.path("status").asText()).as("%s", health.getBody()).isEqualTo("UP");
        assertThat(tasks.path("details").path("worker").asText()).isEqualTo("RUNNING");
        assertThat(tasks.path("details").path("broker").asText()).isEqualTo(brokerName());
        assertThat(tasks.path("details").path("queue").asText()).isEqualTo("orders");
        assertThat(health.getBody().path("status").asText()).isEqualTo("UP");
    }

    @Test
    void the_tasks_endpoint_returns_the_queue_counts_as_json() {
        Runs before = runs();
        http.postForEntity("/orders", new OrderRequest("cy", "book", 1), Placed.class);
        awaitDone(before, 1);

        ResponseEntity<JsonNode> all = http.getForEntity("/actuator/tasks", JsonNode.class);
        assertThat(all.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(all.getHeaders().getContentType().getSubtype()).endsWith("json");
        for (String queue : QUEUES) {
            JsonNode counts = all.getBody().path(queue);
            assertThat(counts.path("queue").asText()).as("%s", all.getBody()).isEqualTo(queue);
            for (String field : List.of("ready", "delayed", "inFlight", "dead")) {
                assertThat(counts.path(field).isIntegralNumber()).as("%s.%s in %s", queue, field, counts).isTrue();
                assertThat(counts.path(field).asLong()).as("%s.%s", queue, field).isZero();
            }
        }
        JsonNode one = http.getForObject("/actuator/tasks/billing", JsonNode.class);
        assertThat(one.path("queue").asText()).isEqualTo("billing");
        assertThat(one.path("ready").asLong()).isZero();
    }

    /** Waits until each task succeeded {@code more} more times than {@code before} and the queues are empty. */
    private void awaitDone(Runs before, long more) {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> pending() == 0 && runs().minus(before).succeededAtLeast(more));
    }

    private long pending() {
        long sum = 0;
        for (String queue : QUEUES) {
            QueueStats s = broker.stats(queue);
            sum += s.ready() + s.delayed() + s.inFlight();
        }
        return sum;
    }

    private Runs runs() {
        return new Runs(count("tasks.received", CONFIRMATION), count("tasks.succeeded", CONFIRMATION),
                count("tasks.received", CHARGE), count("tasks.succeeded", CHARGE));
    }

    private long count(String meter, String task) {
        return Math.round(meters.find(meter).tag("task", task).counters().stream().mapToDouble(Counter::count).sum());
    }

    /** The worker's deliveries and successes of the confirmation task and of the charge task. */
    record Runs(long confirmationsReceived, long confirmationsSucceeded, long chargesReceived, long chargesSucceeded) {
        /** Each task delivered and succeeded {@code n} times. */
        static Runs each(long n) {
            return new Runs(n, n, n, n);
        }

        Runs minus(Runs o) {
            return new Runs(confirmationsReceived - o.confirmationsReceived,
                    confirmationsSucceeded - o.confirmationsSucceeded, chargesReceived - o.chargesReceived,
                    chargesSucceeded - o.chargesSucceeded);
        }

        boolean succeededAtLeast(long n) {
            return confirmationsSucceeded >= n && chargesSucceeded >= n;
        }
    }
}
